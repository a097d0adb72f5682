import Foundation
import Text

/// The shape and hyper-parameters of a BERT encoder, read from and written to Hugging Face's
/// `config.json` names. Keys it does not know are kept and written back unchanged.
public struct BertConfig: Equatable, Sendable {
    /// The feed-forward activation (`hidden_act`).
    public enum Activation: String, Codable, Sendable, CaseIterable {
        /// GELU, erf form.
        case gelu
        /// GELU, tanh approximation.
        case geluNew = "gelu_new"
        case relu
        case silu
    }

    /// What the classification head predicts (`problem_type`).
    public enum ProblemType: String, Codable, Sendable {
        case singleLabelClassification = "single_label_classification"
        case regression
        case multiLabelClassification = "multi_label_classification"
    }

    public var vocabSize: Int = 30522
    public var hiddenSize: Int = 768
    public var numHiddenLayers: Int = 12
    public var numAttentionHeads: Int = 12
    public var intermediateSize: Int = 3072
    public var hiddenAct: Activation = .gelu
    public var hiddenDropoutProb: Double = 0.1
    public var attentionProbsDropoutProb: Double = 0.1
    public var maxPositionEmbeddings: Int = 512
    public var typeVocabSize: Int = 2
    public var initializerRange: Double = 0.02
    public var layerNormEps: Double = 1e-12
    public var padTokenId: Int = 0
    /// Dropout before the classifier (`classifier_dropout`); nil means `hiddenDropoutProb`.
    public var classifierDropout: Double?
    /// Output labels: `id2label` when given, else `num_labels` (default 2).
    public var id2label: [Int: String] = [0: "LABEL_0", 1: "LABEL_1"]
    public var problemType: ProblemType?
    /// Every other key of `config.json`, written back as read.
    public var extra: [String: JSONValue] = [:]

    /// The default BERT-base configuration.
    public init() {}

    /// The number of output labels.
    public var numLabels: Int {
        get { id2label.count }
        set { id2label = Dictionary(uniqueKeysWithValues: (0..<newValue).map { ($0, "LABEL_\($0)") }) }
    }

    /// `label2id`, derived from `id2label`.
    public var label2id: [String: Int] { Dictionary(id2label.map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) }

    /// The width of one attention head.
    public var headSize: Int { hiddenSize / numAttentionHeads }

    /// Whether the head is a regression (one output, MSE).
    public var isRegression: Bool { problemType == .regression || (problemType == nil && numLabels == 1) }

    /// Throws the first problem with this configuration, naming the `config.json` key.
    public func validate() throws(ConfigError) {
        func require(_ condition: Bool, _ field: String, _ expected: String, _ value: Any) throws(ConfigError) {
            if !condition { throw ConfigError(field: field, value: "\(value)", expected: expected) }
        }
        try require(vocabSize > 0, "vocab_size", "a positive integer", vocabSize)
        try require(hiddenSize > 0, "hidden_size", "a positive integer", hiddenSize)
        try require(numHiddenLayers > 0, "num_hidden_layers", "a positive integer", numHiddenLayers)
        try require(numAttentionHeads > 0, "num_attention_heads", "a positive integer", numAttentionHeads)
        try require(hiddenSize % numAttentionHeads == 0, "num_attention_heads",
                    "a divisor of hidden_size \(hiddenSize)", numAttentionHeads)
        try require(intermediateSize > 0, "intermediate_size", "a positive integer", intermediateSize)
        try require(maxPositionEmbeddings > 0, "max_position_embeddings", "a positive integer", maxPositionEmbeddings)
        try require(typeVocabSize > 0, "type_vocab_size", "a positive integer", typeVocabSize)
        try require(layerNormEps > 0, "layer_norm_eps", "a positive number", layerNormEps)
        for (field, p) in [("hidden_dropout_prob", hiddenDropoutProb), ("attention_probs_dropout_prob", attentionProbsDropoutProb),
                           ("classifier_dropout", classifierDropout ?? 0)] {
            try require(p >= 0 && p < 1, field, "a probability in [0, 1)", p)
        }
        try require(!id2label.isEmpty && Set(id2label.keys) == Set(0..<id2label.count), "id2label",
                    "labels numbered 0..<num_labels", id2label.keys.sorted())
        try require(padTokenId >= 0 && padTokenId < vocabSize, "pad_token_id", "an id below vocab_size \(vocabSize)", padTokenId)
        try require(problemType != .regression || numLabels == 1, "problem_type", "regression only with num_labels 1",
                    problemType?.rawValue ?? "")
        // Sizes are bounded before anything is allocated: a product that overflows Int, or an allocation
        // that cannot succeed, would trap instead of naming the field.
        for (field, value, bound) in [("vocab_size", vocabSize, Self.limits.vocabSize), ("hidden_size", hiddenSize, Self.limits.hiddenSize),
                                      ("num_hidden_layers", numHiddenLayers, Self.limits.layers),
                                      ("intermediate_size", intermediateSize, Self.limits.intermediateSize),
                                      ("max_position_embeddings", maxPositionEmbeddings, Self.limits.positions),
                                      ("type_vocab_size", typeVocabSize, Self.limits.tokenTypes), ("num_labels", numLabels, Self.limits.labels)] {
            try require(value <= bound, field, "at most \(bound)", value)
        }
        let parameters = estimatedParameterCount
        try require(parameters <= Double(Self.limits.parameters), "hidden_size, intermediate_size, num_hidden_layers, vocab_size",
                    "at most \(Self.limits.parameters) parameters (\(Self.limits.parameters / 250_000_000) GB of F32); these sizes give "
                    + String(format: "%.3g", parameters), "\(hiddenSize), \(intermediateSize), \(numHiddenLayers), \(vocabSize)")
    }

    /// Throws unless `encoding` can run through a model of this configuration: token ids below
    /// vocab_size, token types below type_vocab_size (a text pair's second text has type 1), and no
    /// more tokens than max_position_embeddings. The embedding lookups stop the program otherwise.
    public func check(_ encoding: Encoding) throws(ConfigError) {
        if let type = encoding.tokenTypeIds.first(where: { !(0..<typeVocabSize).contains($0) }) {
            throw ConfigError(field: "type_vocab_size", value: "\(typeVocabSize)",
                              expected: "more than token type \(type)" + (type == 1 ? " for a text pair; give this model single texts" : ""))
        }
        if let id = encoding.ids.first(where: { !(0..<vocabSize).contains($0) }) {
            throw ConfigError(field: "vocab_size", value: "\(vocabSize)", expected: "more than token id \(id)")
        }
        if encoding.count > maxPositionEmbeddings {
            throw ConfigError(field: "max_position_embeddings", value: "\(maxPositionEmbeddings)", expected: "at least the \(encoding.count) tokens")
        }
    }

    /// The largest sizes `validate` accepts: far beyond any BERT (BERT-large has 24 layers, hidden 1024 and
    /// 340 M parameters), and small enough that the model can be allocated and every size product fits an Int.
    /// Labels are bounded tighter: each has a name in id2label, and a config of 10⁵ is written and read
    /// back in about a second (found by fuzzing: 841,234 labels took 15 s).
    public static let limits = (vocabSize: 10_000_000, hiddenSize: 65_536, layers: 1_000, intermediateSize: 1 << 20,
                                positions: 1 << 20, tokenTypes: 1 << 16, labels: 100_000, parameters: 2_000_000_000)

    /// The parameter count of a `BertForSequenceClassification` of this configuration, in floating point
    /// (no overflow whatever the sizes): embeddings (V + P + types)·H + 2H; per layer 4(H² + H) + 2H + 2HF
    /// + F + 3H; pooler H² + H; classifier (H + 1)·C.
    public var estimatedParameterCount: Double {
        let (h, f) = (Double(hiddenSize), Double(intermediateSize))
        let embeddings = (Double(vocabSize) + Double(maxPositionEmbeddings) + Double(typeVocabSize)) * h + 2 * h
        let layer = 4 * (h * h + h) + 2 * h + 2 * h * f + f + 3 * h
        return embeddings + Double(numHiddenLayers) * layer + (h * h + h) + (h + 1) * Double(numLabels)
    }
}

/// A configuration value that is missing, malformed or out of range.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The `config.json` key.
    public let field: String
    /// What was found.
    public let value: String
    /// What was expected.
    public let expected: String
    /// The file, when the configuration came from one.
    public var file: String?

    public init(field: String, value: String, expected: String, file: String? = nil) {
        self.field = field
        self.value = value
        self.expected = expected
        self.file = file
    }

    public var description: String {
        "\(file.map { "\($0): " } ?? "")\(field) is \(value); expected \(expected)"
    }
}
