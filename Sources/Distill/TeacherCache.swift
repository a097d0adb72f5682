import Foundation
import Models
import Tasks
import TensorCore

/// What the chosen losses need from the teacher, computed once per example.
public struct TeacherRequest: Sendable, Hashable {
    /// Teacher layers whose hidden states are kept (0 = embeddings), sorted.
    public var hiddenLayers: [Int] = []
    /// A teacher layer (1-based) whose query, key and value projections are kept.
    public var queryKeyValueLayer: Int?
    /// Teacher layers (1-based) whose attention probabilities are kept, sorted.
    public var attentionLayers: [Int] = []

    public init(hiddenLayers: [Int] = [], queryKeyValueLayer: Int? = nil, attentionLayers: [Int] = []) {
        self.hiddenLayers = hiddenLayers
        self.queryKeyValueLayer = queryKeyValueLayer
        self.attentionLayers = attentionLayers
    }
}

/// The teacher's outputs for every example of a dataset, computed once without a graph and kept
/// in memory up to a bound, the rest in a file, so that later epochs, and later candidates of a
/// search, pay no teacher forward pass.
///
/// One record per example, unpadded: logits [C], then each kept hidden state [T, H], then
/// Q, K, V [T, 3H], then each kept attention map [heads, T, T], where T is the example's length.
public final class TeacherCache {
    public let request: TeacherRequest
    let labels: Int, hidden: Int, heads: Int
    let lengths: [Int]
    private var memory: [Int: [Float]] = [:]
    private var offsets: [Int: (offset: UInt64, count: Int)] = [:]
    private let spill: FileHandle?
    /// The folder of the spill file (unlinked once open), for errors.
    private var spillLocation: String?
    /// A kept cache file, mapped: every record in dataset order (see `init(teacher:dataset:request:keptIn:)`).
    private var mapped: Data?
    /// Where the kept cache file is (nil for a per-run cache).
    public private(set) var keptFile: URL?
    /// Whether the outputs were read from a kept file instead of computed.
    public private(set) var reused = false
    /// Float offsets of the records in the kept file, computed on first use.
    private var recordOffsets: [Int] = []
    /// Bytes held in memory, and the bound past which records go to the file.
    public private(set) var memoryBytes = 0
    public let memoryBudget: Int

    /// The memory budget in bytes of `mebibytes` MiB (`--cache-memory`); throws unless it is 0 to 2^40.
    public static func memoryBudget(mebibytes: Int) throws(DistillationError) -> Int {
        guard (0...(1 << 40)).contains(mebibytes) else { throw .invalid("--cache-memory \(mebibytes)", "0 to \(1 << 40) MiB") }
        return mebibytes << 20
    }

    /// Runs `teacher` over `dataset` in batches of `batchSize` and keeps what `request` asks for.
    public init(teacher: BertForSequenceClassification, dataset: EncodedDataset, request: TeacherRequest,
                batchSize: Int = 64, memoryBudget: Int = 2 << 30, spillDirectory: URL? = nil) throws {
        try Distiller.checkTeacher(teacher.config, path: "teacher", fits: dataset.dataset.definition)
        guard memoryBudget >= 0 else { throw DistillationError.invalid("--cache-memory", "0 or more MiB (got \(memoryBudget) bytes)") }
        self.request = request
        let config = teacher.config
        (labels, hidden, heads) = (config.numLabels, config.hiddenSize, config.numAttentionHeads)
        lengths = (0..<dataset.count).map { dataset.length(of: $0) }
        self.memoryBudget = memoryBudget
        if let spillDirectory {
            try OutputFolder.create(spillDirectory)
            let url = spillDirectory.appendingPathComponent("teacher-\(UUID().uuidString).bin")
            guard AtomicFile.createEmpty(url.path) else {
                throw OutputPathError(path: url.path, problem: "cannot be created; expected a folder you can write to")
            }
            spill = try FileHandle(forUpdating: url)
            spillLocation = spillDirectory.path
            // Unlinked at once: the open handle keeps the data, and a killed process leaves no file behind.
            try? FileManager.default.removeItem(at: url)
        } else {
            spill = nil
        }
        try Self.computeRecords(teacher: teacher, dataset: dataset, request: request, batchSize: batchSize, lengths: lengths) { index, record in
            try store(record, for: index)
        }
    }

    /// A cache kept in `directory` across runs: the first run computes every record into a file
    /// named by the fingerprint of the teacher's weights, the dataset's tokens and `request`
    /// (written to a temporary file, then renamed); later runs with the same three map the file
    /// and pay no teacher pass. Stale files are never read, because any change changes the name.
    public init(teacher: BertForSequenceClassification, dataset: EncodedDataset, request: TeacherRequest,
                keptIn directory: URL, batchSize: Int = 64) throws {
        try Distiller.checkTeacher(teacher.config, path: "teacher", fits: dataset.dataset.definition)
        self.request = request
        let config = teacher.config
        (labels, hidden, heads) = (config.numLabels, config.hiddenSize, config.numAttentionHeads)
        lengths = (0..<dataset.count).map { dataset.length(of: $0) }
        (memoryBudget, spill) = (0, nil)
        let key = Self.fingerprint(teacher: teacher, dataset: dataset, request: request)
        let file = directory.appendingPathComponent(String(format: "teacher-%016llx.bin", key))
        keptFile = file
        let expectedBytes = lengths.reduce(0) { $0 + Self.recordCount(request, labels: labels, hidden: hidden, heads: heads, length: $1) }
            * MemoryLayout<Float>.stride
        if let data = try? Data(contentsOf: file, options: .alwaysMapped), data.count == expectedBytes {
            (mapped, reused) = (data, true)
            return
        }
        try OutputFolder.create(directory)
        // Named by process, so that a run killed while writing leaves a file the next run removes.
        let temporary = AtomicFile.temporaryURL(for: file)
        AtomicFile.removeStaleTemporaries(of: file)
        guard AtomicFile.createEmpty(temporary.path) else {
            throw OutputPathError(path: temporary.path, problem: "cannot be created; expected a folder you can write to")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            // Records arrive in batch order; the file holds them in dataset order.
            var pending: [Int: [Float]] = [:]
            var next = 0
            try Self.computeRecords(teacher: teacher, dataset: dataset, request: request, batchSize: batchSize, lengths: lengths) { index, record in
                pending[index] = record
                while let ready = pending.removeValue(forKey: next) {
                    try ready.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
                    next += 1
                }
            }
            try handle.synchronize()
            if rename(temporary.path, file.path) != 0 {
                throw OutputPathError(path: file.path, problem: "cannot be replaced (\(String(cString: strerror(errno))))")
            }
        } catch let error as OutputPathError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch where OutputPathError.isWriteFailure(error) {
            try? FileManager.default.removeItem(at: temporary)
            throw OutputPathError.writeFailed(file.path, error)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        mapped = try Data(contentsOf: file, options: .alwaysMapped)
        guard mapped!.count == expectedBytes else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: file.path])
        }
    }

    /// Floats in the record of an example of `length` tokens.
    static func recordCount(_ request: TeacherRequest, labels: Int, hidden: Int, heads: Int, length: Int) -> Int {
        labels + request.hiddenLayers.count * length * hidden + (request.queryKeyValueLayer == nil ? 0 : 3 * length * hidden)
            + request.attentionLayers.count * heads * length * length
    }

    /// FNV-1a over the teacher's configuration and weights, each example's length, ids and token types, and the request.
    static func fingerprint(teacher: BertForSequenceClassification, dataset: EncodedDataset, request: TeacherRequest) -> UInt64 {
        var hash = FNV1a.offsetBasis
        func mix(_ bytes: UnsafeRawBufferPointer) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= FNV1a.prime
            }
        }
        func mix(_ values: [Int]) { values.withUnsafeBytes(mix) }
        teacher.config.jsonData().withUnsafeBytes(mix)
        mix([dataset.count])
        for (_, tensor) in teacher.namedParameters {
            mix(UnsafeRawBufferPointer(start: tensor.data, count: tensor.count * MemoryLayout<Float>.stride))
        }
        for index in 0..<dataset.count {
            let encoding = dataset.encodings[index]
            mix([encoding.ids.count])
            mix(encoding.ids)
            mix(encoding.tokenTypeIds)
        }
        mix(request.hiddenLayers + [request.queryKeyValueLayer ?? -1] + request.attentionLayers)
        return hash
    }

    /// Runs the teacher over `dataset` without a graph and hands each example's record to `sink`.
    private static func computeRecords(teacher: BertForSequenceClassification, dataset: EncodedDataset, request: TeacherRequest,
                                       batchSize: Int, lengths: [Int], sink: (Int, [Float]) throws -> Void) throws {
        let config = teacher.config
        let (labels, hidden, heads) = (config.numLabels, config.hiddenSize, config.numAttentionHeads)
        var capture: BertCapture = []
        if !request.hiddenLayers.isEmpty { capture.insert(.hiddenStates) }
        if request.queryKeyValueLayer != nil { capture.insert(.queryKeyValue) }
        if !request.attentionLayers.isEmpty { capture.insert(.attentions) }
        for batch in Batcher.evaluation(dataset, batchSize: batchSize).batches() {
            let (logits, outputs) = Autograd.noGrad { teacher(batch.tokens, capture: capture, firstTokenOnly: true) }
            let t = batch.tokens.length
            for (row, index) in batch.indices.enumerated() {
                let length = lengths[index]
                var record = Array(logits.scalars[(row * labels)..<((row + 1) * labels)])
                for layer in request.hiddenLayers {
                    let state = outputs.hiddenStates[layer].data + row * t * hidden
                    record += UnsafeBufferPointer(start: state, count: length * hidden)
                }
                if let layer = request.queryKeyValueLayer {
                    // Each position's query, key and value side by side, as the layer packs them.
                    let qkv = outputs.packedQueryKeyValue[layer - 1]
                    record += UnsafeBufferPointer(start: qkv.data + row * t * 3 * hidden, count: length * 3 * hidden)
                }
                for layer in request.attentionLayers {
                    let maps = outputs.attentions[layer - 1]
                    for head in 0..<heads {
                        for query in 0..<length {
                            let start = maps.data + ((row * heads + head) * t + query) * t
                            record += UnsafeBufferPointer(start: start, count: length)
                        }
                    }
                }
                try sink(index, record)
            }
        }
    }

    deinit {
        try? spill?.close()
    }

    private func store(_ record: [Float], for index: Int) throws {
        let bytes = record.count * MemoryLayout<Float>.stride
        if memoryBytes + bytes <= memoryBudget || spill == nil {
            memory[index] = record
            memoryBytes += bytes
            return
        }
        do {
            let offset = try spill!.seekToEnd()
            try record.withUnsafeBytes { try spill!.write(contentsOf: Data($0)) }
            offsets[index] = (offset, record.count)
        } catch {
            throw OutputPathError.writeFailed(spillLocation ?? "the teacher cache's spill file", error)
        }
    }

    /// Examples whose record is in the file rather than in memory.
    public var spilledCount: Int { offsets.count }

    /// Calls `body` with the record of example `index`: in place where it is mapped or in memory,
    /// read once from the spill file otherwise.
    private func withRecord<R>(_ index: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        if let mapped {
            if recordOffsets.isEmpty {
                var offset = 0
                recordOffsets = lengths.map { length in
                    defer { offset += Self.recordCount(request, labels: labels, hidden: hidden, heads: heads, length: length) }
                    return offset
                }
            }
            let count = Self.recordCount(request, labels: labels, hidden: hidden, heads: heads, length: lengths[index])
            return try mapped.withUnsafeBytes { bytes in
                try body(UnsafeBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: Float.self) + recordOffsets[index], count: count))
            }
        }
        if let record = memory[index] { return try record.withUnsafeBufferPointer(body) }
        guard let (offset, count) = offsets[index], let spill else { preconditionFailure("TeacherCache: no record for example \(index)") }
        try spill.seek(toOffset: offset)
        let data = try spill.read(upToCount: count * MemoryLayout<Float>.stride) ?? Data()
        return try data.withUnsafeBytes { try body($0.bindMemory(to: Float.self)) }
    }

    /// The teacher's tensors for `batch`, padded with zeros to its length: each record copied once,
    /// straight into the batch's tensors.
    public func outputs(for batch: Batch) throws -> TeacherOutputs {
        let (b, t) = (batch.tokens.batch, batch.tokens.length)
        let logits = Tensor.zeros([b, labels])
        let states = request.hiddenLayers.map { _ in Tensor.zeros([b, t, hidden]) }
        let qkv = request.queryKeyValueLayer.map { _ in Tensor.zeros([b, t, 3 * hidden]) }
        let maps = request.attentionLayers.map { _ in Tensor.zeros([b, heads, t, t]) }
        for (row, index) in batch.indices.enumerated() {
            let length = lengths[index]
            try withRecord(index) { record in
                guard var cursor = record.baseAddress else { return }
                func take(_ count: Int, into destination: UnsafeMutablePointer<Float>) {
                    destination.update(from: cursor, count: count)
                    cursor += count
                }
                take(labels, into: logits.data + row * labels)
                for state in states { take(length * hidden, into: state.data + row * t * hidden) }
                if let qkv { take(length * 3 * hidden, into: qkv.data + row * t * 3 * hidden) }
                for map in maps {
                    for head in 0..<heads {
                        for query in 0..<length { take(length, into: map.data + ((row * heads + head) * t + query) * t) }
                    }
                }
            }
        }
        return TeacherOutputs(logits: logits, hiddenStates: Dictionary(uniqueKeysWithValues: zip(request.hiddenLayers, states)),
                              queryKeyValue: qkv, attentions: Dictionary(uniqueKeysWithValues: zip(request.attentionLayers, maps)))
    }
}

/// The teacher's tensors for one batch.
public struct TeacherOutputs {
    /// [B, C].
    public let logits: Tensor
    /// Hidden states [B, T, H] by teacher layer (0 = embeddings).
    public let hiddenStates: [Int: Tensor]
    /// The requested layer's query, key and value side by side [B, T, 3H], as the layer packs them.
    public let queryKeyValue: Tensor?
    /// Attention probabilities [B, heads, T, T] by teacher layer.
    public let attentions: [Int: Tensor]
}
