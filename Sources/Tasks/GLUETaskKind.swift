/// The nine GLUE tasks, with their label lists, metrics and file names.
///
/// Label lists are transformers' `get_labels()` order (src/transformers/data/processors/glue.py),
/// so class indices agree with checkpoints fine-tuned there. Metrics are those of GLUE
/// (transformers' `glue_compute_metrics`): Matthews correlation for CoLA, accuracy and F1 for
/// MRPC and QQP, Pearson and Spearman for STS-B, accuracy elsewhere (MNLI on matched and
/// mismatched dev).
public enum GLUETaskKind: String, Sendable, Hashable, CaseIterable {
    case cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli

    /// The task's name, as transformers' `glue_processors` keys: "cola", "sst-2", "sts-b", ...
    public var name: String {
        switch self {
        case .sst2: return "sst-2"
        case .stsb: return "sts-b"
        default: return rawValue
        }
    }

    /// The folder name inside `glue_data/` ("CoLA", "SST-2", "MRPC", "STS-B", ...).
    public var folderName: String {
        switch self {
        case .cola: return "CoLA"
        case .sst2: return "SST-2"
        case .mrpc: return "MRPC"
        case .stsb: return "STS-B"
        case .qqp: return "QQP"
        case .mnli: return "MNLI"
        case .qnli: return "QNLI"
        case .rte: return "RTE"
        case .wnli: return "WNLI"
        }
    }

    /// The kind named `name`, case-insensitively, with or without the hyphen ("SST-2", "sst2", "stsb").
    public init?(name: String) {
        let key = name.lowercased().replacingOccurrences(of: "-", with: "")
        guard let kind = Self.allCases.first(where: { $0.rawValue == key }) else { return nil }
        self = kind
    }

    /// Names, labels and metrics.
    public var definition: TaskDefinition {
        let binary = ["0", "1"]
        let entailment = ["entailment", "not_entailment"]
        switch self {
        case .cola:
            return TaskDefinition(name: name, labelNames: binary, isRegression: false, metrics: [.matthews, .accuracy],
                                  primaryMetric: .matthews)
        case .sst2:
            return TaskDefinition(name: name, labelNames: binary, isRegression: false, metrics: [.accuracy],
                                  primaryMetric: .accuracy)
        case .mrpc, .qqp:
            return TaskDefinition(name: name, labelNames: binary, isRegression: false, metrics: [.accuracy, .f1],
                                  primaryMetric: .f1)
        case .stsb:
            return TaskDefinition(name: name, labelNames: [], isRegression: true, metrics: [.pearson, .spearman],
                                  primaryMetric: .pearson)
        case .mnli:
            return TaskDefinition(name: name, labelNames: ["contradiction", "entailment", "neutral"], isRegression: false,
                                  metrics: [.accuracy], primaryMetric: .accuracy)
        case .qnli, .rte:
            return TaskDefinition(name: name, labelNames: entailment, isRegression: false, metrics: [.accuracy],
                                  primaryMetric: .accuracy)
        case .wnli:
            return TaskDefinition(name: name, labelNames: binary, isRegression: false, metrics: [.accuracy],
                                  primaryMetric: .accuracy)
        }
    }

    /// The splits the task has: train, dev, test, and for MNLI the mismatched dev and test.
    public var splits: [Split] {
        self == .mnli ? [.train, .dev, .devMismatched, .test, .testMismatched] : [.train, .dev, .test]
    }

    /// The file of `split` inside the task folder, or nil if the task has no such split.
    public func fileName(for split: Split) -> String? {
        switch (self, split) {
        case (_, .train): return "train.tsv"
        case (.mnli, .dev): return "dev_matched.tsv"
        case (.mnli, .devMismatched): return "dev_mismatched.tsv"
        case (.mnli, .test): return "test_matched.tsv"
        case (.mnli, .testMismatched): return "test_mismatched.tsv"
        case (_, .dev): return "dev.tsv"
        case (_, .test): return "test.tsv"
        case (_, .devMismatched), (_, .testMismatched): return nil
        }
    }
}
