import Foundation
import Models
import Tasks
import TensorCore

/// What the chosen losses need from the teacher, computed once per example.
public struct TeacherRequest: Sendable, Equatable {
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
    private let spillURL: URL?
    /// Bytes held in memory, and the bound past which records go to the file.
    public private(set) var memoryBytes = 0
    public let memoryBudget: Int

    /// Runs `teacher` over `dataset` in batches of `batchSize` and keeps what `request` asks for.
    public init(teacher: BertForSequenceClassification, dataset: EncodedDataset, request: TeacherRequest,
                batchSize: Int = 64, memoryBudget: Int = 2 << 30, spillDirectory: URL? = nil) throws {
        self.request = request
        let config = teacher.config
        (labels, hidden, heads) = (config.numLabels, config.hiddenSize, config.numAttentionHeads)
        lengths = (0..<dataset.count).map { dataset.length(of: $0) }
        self.memoryBudget = memoryBudget
        if let spillDirectory {
            try FileManager.default.createDirectory(at: spillDirectory, withIntermediateDirectories: true)
            let url = spillDirectory.appendingPathComponent("teacher-\(UUID().uuidString).bin")
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
            }
            spillURL = url
            spill = try FileHandle(forUpdating: url)
        } else {
            (spillURL, spill) = (nil, nil)
        }
        var capture: BertCapture = []
        if !request.hiddenLayers.isEmpty { capture.insert(.hiddenStates) }
        if request.queryKeyValueLayer != nil { capture.insert(.queryKeyValue) }
        if !request.attentionLayers.isEmpty { capture.insert(.attentions) }
        for batch in Batcher.evaluation(dataset, batchSize: batchSize).batches() {
            let (logits, outputs) = Autograd.noGrad { teacher(batch.tokens, capture: capture) }
            let t = batch.tokens.length
            for (row, index) in batch.indices.enumerated() {
                let length = lengths[index]
                var record = Array(logits.scalars[(row * labels)..<((row + 1) * labels)])
                for layer in request.hiddenLayers {
                    let state = outputs.hiddenStates[layer].data + row * t * hidden
                    record += UnsafeBufferPointer(start: state, count: length * hidden)
                }
                if let layer = request.queryKeyValueLayer {
                    let (q, k, v) = outputs.queryKeyValue[layer - 1]
                    for position in 0..<length {
                        for x in [q, k, v] { record += UnsafeBufferPointer(start: x.data + (row * t + position) * hidden, count: hidden) }
                    }
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
                try store(record, for: index)
            }
        }
    }

    deinit {
        try? spill?.close()
        if let spillURL { try? FileManager.default.removeItem(at: spillURL) }
    }

    private func store(_ record: [Float], for index: Int) throws {
        let bytes = record.count * MemoryLayout<Float>.stride
        if memoryBytes + bytes <= memoryBudget || spill == nil {
            memory[index] = record
            memoryBytes += bytes
            return
        }
        let offset = try spill!.seekToEnd()
        try record.withUnsafeBytes { try spill!.write(contentsOf: Data($0)) }
        offsets[index] = (offset, record.count)
    }

    /// Examples whose record is in the file rather than in memory.
    public var spilledCount: Int { offsets.count }

    private func record(_ index: Int) throws -> [Float] {
        if let record = memory[index] { return record }
        guard let (offset, count) = offsets[index], let spill else { preconditionFailure("TeacherCache: no record for example \(index)") }
        try spill.seek(toOffset: offset)
        let data = try spill.read(upToCount: count * MemoryLayout<Float>.stride) ?? Data()
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// The teacher's tensors for `batch`, padded with zeros to its length.
    public func outputs(for batch: Batch) throws -> TeacherOutputs {
        let (b, t) = (batch.tokens.batch, batch.tokens.length)
        let logits = Tensor.zeros([b, labels])
        let states = request.hiddenLayers.map { _ in Tensor.zeros([b, t, hidden]) }
        let qkv = request.queryKeyValueLayer.map { _ in (Tensor.zeros([b, t, hidden]), Tensor.zeros([b, t, hidden]), Tensor.zeros([b, t, hidden])) }
        let maps = request.attentionLayers.map { _ in Tensor.zeros([b, heads, t, t]) }
        for (row, index) in batch.indices.enumerated() {
            let length = lengths[index]
            var cursor = try record(index)[...]
            func take(_ count: Int) -> ArraySlice<Float> {
                defer { cursor = cursor.dropFirst(count) }
                return cursor.prefix(count)
            }
            (logits.data + row * labels).update(from: Array(take(labels)), count: labels)
            for state in states { (state.data + row * t * hidden).update(from: Array(take(length * hidden)), count: length * hidden) }
            if let (q, k, v) = qkv {
                for position in 0..<length {
                    for x in [q, k, v] { (x.data + (row * t + position) * hidden).update(from: Array(take(hidden)), count: hidden) }
                }
            }
            for map in maps {
                for head in 0..<heads {
                    for query in 0..<length {
                        (map.data + ((row * heads + head) * t + query) * t).update(from: Array(take(length)), count: length)
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
    /// The requested layer's query, key and value [B, T, H].
    public let queryKeyValue: (Tensor, Tensor, Tensor)?
    /// Attention probabilities [B, heads, T, T] by teacher layer.
    public let attentions: [Int: Tensor]
}
