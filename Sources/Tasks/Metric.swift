/// A named evaluation metric; `rawValue` is the key in `TaskMetrics.values`.
public enum Metric: String, Sendable, Hashable, CaseIterable, Codable {
    /// Fraction of predictions equal to the label.
    case accuracy
    /// Binary F1 with class 1 as the positive class (MRPC, QQP).
    case f1
    /// Matthews correlation coefficient (CoLA).
    case matthews
    /// Pearson correlation of predictions and targets (STS-B).
    case pearson
    /// Spearman rank correlation, ties given their average rank (STS-B).
    case spearman

    /// Whether the metric scores class predictions (else regression values).
    public var isClassification: Bool {
        switch self {
        case .accuracy, .f1, .matthews: return true
        case .pearson, .spearman: return false
        }
    }
}
