import Foundation
import TensorCore

extension BertConfig {
    /// Reads `config.json` at `url`; missing keys take BERT's defaults, unknown keys are kept.
    public init(contentsOf url: URL) throws(ConfigError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigError(field: "(file)", value: "unreadable", expected: "a readable config.json", file: url.path)
        }
        do { try self.init(json: data) } catch var error {
            error.file = url.path
            throw error
        }
        do { try validate() } catch var error {
            error.file = url.path
            throw error
        }
    }

    /// Reads a `config.json` document; missing keys take BERT's defaults, unknown keys are kept.
    public init(json data: Data) throws(ConfigError) {
        let object: [String: JSONValue]
        do { object = try JSONDecoder().decode([String: JSONValue].self, from: data) } catch {
            throw ConfigError(field: "(document)", value: "not a JSON object", expected: "a JSON object of configuration keys")
        }
        var fields = ConfigFields(object)
        self.init()
        vocabSize = try fields.int("vocab_size") ?? vocabSize
        hiddenSize = try fields.int("hidden_size") ?? hiddenSize
        numHiddenLayers = try fields.int("num_hidden_layers") ?? numHiddenLayers
        numAttentionHeads = try fields.int("num_attention_heads") ?? numAttentionHeads
        intermediateSize = try fields.int("intermediate_size") ?? intermediateSize
        if let name = try fields.string("hidden_act") {
            guard let activation = Activation(rawValue: name) else {
                throw ConfigError(field: "hidden_act", value: name, expected: "one of gelu, gelu_new, relu, silu")
            }
            hiddenAct = activation
        }
        hiddenDropoutProb = try fields.double("hidden_dropout_prob") ?? hiddenDropoutProb
        attentionProbsDropoutProb = try fields.double("attention_probs_dropout_prob") ?? attentionProbsDropoutProb
        maxPositionEmbeddings = try fields.int("max_position_embeddings") ?? maxPositionEmbeddings
        typeVocabSize = try fields.int("type_vocab_size") ?? typeVocabSize
        initializerRange = try fields.double("initializer_range") ?? initializerRange
        layerNormEps = try fields.double("layer_norm_eps") ?? layerNormEps
        padTokenId = try fields.int("pad_token_id") ?? padTokenId
        classifierDropout = try fields.double("classifier_dropout")
        if let name = try fields.string("problem_type") {
            guard let type = ProblemType(rawValue: name) else {
                throw ConfigError(field: "problem_type", value: name,
                                  expected: "single_label_classification, multi_label_classification or regression")
            }
            problemType = type
        }
        let numLabels = try fields.int("num_labels")
        if let numLabels, numLabels < 1 || numLabels > Self.limits.labels {
            // Bounded here, before `self.numLabels` builds a name for each label.
            throw ConfigError(field: "num_labels", value: "\(numLabels)", expected: "a positive integer, at most \(Self.limits.labels)")
        }
        if let labels = try fields.object("id2label") {
            var mapping: [Int: String] = [:]
            for (key, value) in labels {
                guard let id = Int(key), case .string(let name) = value else {
                    throw ConfigError(field: "id2label", value: "\(key): \(value)", expected: "\"<integer>\": \"<label name>\" pairs")
                }
                mapping[id] = name
            }
            id2label = mapping
        } else if let numLabels {
            self.numLabels = numLabels
        }
        if let numLabels, numLabels != id2label.count {
            throw ConfigError(field: "num_labels", value: "\(numLabels)", expected: "\(id2label.count), the size of id2label")
        }
        _ = try fields.object("label2id")  // derived from id2label on write
        if let type = try fields.string("model_type"), type != "bert" {
            throw ConfigError(field: "model_type", value: type, expected: "bert (KDNAS reads BERT-architecture encoders)")
        }
        extra = fields.remaining
    }

    /// The `config.json` document: known keys in Hugging Face's names, then the kept unknown keys.
    public func jsonData() -> Data {
        var object = extra
        let known: [String: JSONValue] = [
            "vocab_size": .number(Double(vocabSize)), "hidden_size": .number(Double(hiddenSize)),
            "num_hidden_layers": .number(Double(numHiddenLayers)), "num_attention_heads": .number(Double(numAttentionHeads)),
            "intermediate_size": .number(Double(intermediateSize)), "hidden_act": .string(hiddenAct.rawValue),
            "hidden_dropout_prob": .number(Double(hiddenDropoutProb)),
            "attention_probs_dropout_prob": .number(Double(attentionProbsDropoutProb)),
            "max_position_embeddings": .number(Double(maxPositionEmbeddings)), "type_vocab_size": .number(Double(typeVocabSize)),
            "initializer_range": .number(Double(initializerRange)), "layer_norm_eps": .number(Double(layerNormEps)),
            "pad_token_id": .number(Double(padTokenId)),
            "classifier_dropout": classifierDropout.map { .number(Double($0)) } ?? .null,
            "id2label": .object(Dictionary(uniqueKeysWithValues: id2label.map { (String($0), .string($1)) })),
            "label2id": .object(label2id.mapValues { .number(Double($0)) }),
            "model_type": .string("bert"),
        ]
        object.merge(known) { _, new in new }
        if let problemType { object["problem_type"] = .string(problemType.rawValue) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(object)
    }

    /// Writes `config.json` to `url` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(jsonData(), to: url)
    }
}

/// Typed access to the keys of a JSON object, removing each key it reads.
struct ConfigFields {
    private(set) var remaining: [String: JSONValue]

    init(_ object: [String: JSONValue]) { remaining = object }

    private mutating func take(_ key: String) -> JSONValue? {
        guard let value = remaining.removeValue(forKey: key), value != .null else { return nil }
        return value
    }

    mutating func int(_ key: String) throws(ConfigError) -> Int? {
        guard let value = take(key) else { return nil }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15 else {
            throw ConfigError(field: key, value: "\(value)", expected: "an integer")
        }
        return Int(number)
    }

    mutating func double(_ key: String) throws(ConfigError) -> Double? {
        guard let value = take(key) else { return nil }
        guard case .number(let number) = value else { throw ConfigError(field: key, value: "\(value)", expected: "a number") }
        return number
    }

    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = take(key) else { return nil }
        guard case .string(let string) = value else { throw ConfigError(field: key, value: "\(value)", expected: "a string") }
        return string
    }

    mutating func object(_ key: String) throws(ConfigError) -> [String: JSONValue]? {
        guard let value = take(key) else { return nil }
        guard case .object(let object) = value else { throw ConfigError(field: key, value: "\(value)", expected: "a JSON object") }
        return object
    }
}
