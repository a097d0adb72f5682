/// A part of a task's data. Test splits carry no labels.
public enum Split: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// The training examples.
    case train
    /// The development (validation) examples; for MNLI, `dev_matched.tsv`.
    case dev
    /// MNLI's `dev_mismatched.tsv` (other genres than training).
    case devMismatched
    /// The test examples, without labels; for MNLI, `test_matched.tsv`.
    case test
    /// MNLI's `test_mismatched.tsv`, without labels.
    case testMismatched

    /// Whether examples of this split are expected to carry labels.
    public var hasLabels: Bool { self != .test && self != .testMismatched }

    /// The name used in messages and file names ("train", "dev", "devMismatched", ...).
    public var description: String { rawValue }

    /// The name `--split` takes ("dev-mismatched"), for messages about the option.
    public var optionName: String {
        switch self {
        case .devMismatched: "dev-mismatched"
        case .testMismatched: "test-mismatched"
        default: rawValue
        }
    }
}
