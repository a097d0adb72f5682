import Foundation
import NN
import TensorCore

/// Hugging Face checkpoint folders for BERT: `config.json`, `model.safetensors`, and the
/// tokenizer files (`vocab.txt`, `tokenizer_config.json`, …) carried along unchanged.
///
/// Reads both layouts: `BertForSequenceClassification` (`bert.` prefix, `classifier.*`) and the
/// prefix-less `BertModel` that sentence-transformers checkpoints such as all-MiniLM-L6-v2
/// ship. Every key and shape must match; a checkpoint without a head gets a new one, reported.
public enum BertCheckpoint {
    /// Tokenizer files copied along with a checkpoint when present.
    public static let tokenizerFiles = ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"]
    /// The files `save` writes (the tokenizer's when it has a source that holds them).
    public static let exportedFiles = ["config.json", "model.safetensors"] + tokenizerFiles

    /// Buffers that transformers may save beside the parameters; ignored on load.
    static let knownBuffers: Set<String> = ["embeddings.position_ids"]

    /// What loading found besides the parameters.
    public struct LoadReport: Sendable, Equatable {
        /// The checkpoint had no `classifier.*` (or one of another label count, replaced on request):
        /// the head was initialised from the seed.
        public var headInitialized = false
        /// The checkpoint had no `pooler.*` (it was initialised from the seed).
        public var poolerInitialized = false
        /// Keys that were recognised as buffers and skipped.
        public var skippedBuffers: [String] = []

        public init() {}
    }

    /// Loads the classifier in `directory`, with `numLabels` overriding the config's when given.
    ///
    /// `replacingHeadOfOtherSize`: a checkpoint whose head predicts another number of labels
    /// gets a new head (reported) instead of an error, as fine-tuning on a new task needs.
    public static func load(_ directory: URL, numLabels: Int? = nil, replacingHeadOfOtherSize: Bool = false, seed: UInt64 = 0) throws
        -> (model: BertForSequenceClassification, report: LoadReport)
    {
        var config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json"))
        if let numLabels, numLabels != config.numLabels { config.numLabels = numLabels }
        let model = BertForSequenceClassification(config, seed: seed)
        let file = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw CheckpointError(file: file.path, problem: "is missing; expected the weights in safetensors format")
        }
        var tensors = try SafeTensors.read(file)
        if replacingHeadOfOtherSize, let head = tensors["classifier.bias"], head.shape != [config.numLabels] {
            tensors = tensors.filter { !$0.key.hasPrefix("classifier.") }
        }
        let report = try assign(tensors, to: model, file: file.path)
        return (model, report)
    }

    /// Copies checkpoint `tensors` into `model`'s parameters, requiring an exact key and shape match.
    static func assign(_ tensors: [String: Tensor], to model: BertForSequenceClassification, file: String) throws -> LoadReport {
        var report = LoadReport()
        // Normalise to the BertForSequenceClassification key layout.
        let hasPrefix = tensors.keys.contains { $0.hasPrefix("bert.") }
        var byName: [String: Tensor] = [:]
        for (key, tensor) in tensors {
            let name = hasPrefix || key.hasPrefix("classifier.") ? key : "bert." + key
            let bare = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
            if knownBuffers.contains(bare) {
                report.skippedBuffers.append(key)
                continue
            }
            byName[name] = tensor
        }
        let expected = model.namedParameters
        let expectedNames = Set(expected.map(\.name))
        var missing = expected.map(\.name).filter { byName[$0] == nil }
        let optionalGroups: [(prefix: String, flag: WritableKeyPath<LoadReport, Bool>)] = [
            ("classifier.", \.headInitialized), ("bert.pooler.", \.poolerInitialized),
        ]
        for (prefix, flag) in optionalGroups {
            let group = expected.map(\.name).filter { $0.hasPrefix(prefix) }
            if group.allSatisfy({ byName[$0] == nil }) {
                report[keyPath: flag] = true
                missing.removeAll { $0.hasPrefix(prefix) }
            }
        }
        let unexpected = byName.keys.filter { !expectedNames.contains($0) }.sorted()
        var mismatched: [String] = []
        for (name, parameter) in expected {
            guard let tensor = byName[name] else { continue }
            if tensor.shape != parameter.shape {
                mismatched.append("\(name): checkpoint \(tensor.shape), model \(parameter.shape)")
            }
        }
        if !missing.isEmpty || !unexpected.isEmpty || !mismatched.isEmpty {
            throw CheckpointError(file: file, missing: missing, unexpected: unexpected, mismatched: mismatched)
        }
        // A NaN or an infinity would load silently and turn every output into NaN.
        for (name, _) in expected {
            guard let tensor = byName[name] else { continue }
            if let index = (0..<tensor.count).first(where: { !tensor.data[$0].isFinite }) {
                throw CheckpointError(file: file, problem: "tensor \(name) has \(tensor.data[index]) at element \(index) (of shape \(tensor.shape)); expected finite weights")
            }
        }
        for (name, parameter) in expected {
            guard let tensor = byName[name] else { continue }
            parameter.data.update(from: tensor.data, count: tensor.count)
        }
        return report
    }

    /// Writes `model` as a `BertForSequenceClassification` checkpoint folder, atomically per file,
    /// copying the tokenizer files from `tokenizerSource` when given.
    public static func save(_ model: BertForSequenceClassification, to directory: URL, tokenizerSource: URL? = nil) throws {
        try OutputFolder.create(directory)
        var config = model.config
        config.extra["architectures"] = .array([.string("BertForSequenceClassification")])
        config.extra["dtype"] = config.extra["dtype"] ?? .string("float32")
        try SafeTensors.write(Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.tensor) }),
                              to: directory.appendingPathComponent("model.safetensors"))
        try config.write(to: directory.appendingPathComponent("config.json"))
        if let tokenizerSource, tokenizerSource.standardizedFileURL != directory.standardizedFileURL {
            for name in tokenizerFiles {
                let source = tokenizerSource.appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: source.path) else { continue }
                try AtomicFile.write(data, to: directory.appendingPathComponent(name))
            }
        }
    }
}

/// A checkpoint whose weights do not fit the model: which file, and every key that is wrong.
public struct CheckpointError: Error, CustomStringConvertible {
    public let file: String
    public var problem: String

    init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    init(file: String, missing: [String], unexpected: [String], mismatched: [String]) {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
        if !mismatched.isEmpty { parts.append("shape mismatches: \(mismatched.joined(separator: "; "))") }
        self.init(file: file, problem: "does not match the model's config: " + parts.joined(separator: "; "))
    }

    public var description: String { "\(file) \(problem)" }
}
