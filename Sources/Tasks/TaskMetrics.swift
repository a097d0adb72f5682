/// The metric values of one evaluation, by name, and which of them is the primary one.
///
///     let metrics = definition.evaluate(predictions: predicted, labels: gold)
///     metrics.values      // ["accuracy": 0.84, "f1": 0.88]
///     metrics.primaryValue  // 0.88 (MRPC's primary metric is F1)
public struct TaskMetrics: Sendable, Equatable {
    /// Metric values by name (`Metric.rawValue`, with `_mismatched` appended for MNLI's mismatched dev split).
    public var values: [String: Double]
    /// The name of the primary metric (the one a search or early stopping should maximise).
    public var primary: String

    /// Values and the name of the primary one, which must be among them.
    public init(values: [String: Double], primary: String) {
        precondition(values[primary] != nil, "TaskMetrics: primary metric \(primary) is not among \(values.keys.sorted())")
        self.values = values
        self.primary = primary
    }

    /// The value of the primary metric.
    public var primaryValue: Double { values[primary]! }

    /// The value of a metric by name, or nil.
    public subscript(name: String) -> Double? { values[name] }

    /// These values and `other`'s together (theirs win on equal names); the primary stays this one's.
    ///
    /// MNLI: `matched.merging(mismatched)` gives `accuracy` and `accuracy_mismatched`.
    public func merging(_ other: TaskMetrics) -> TaskMetrics {
        TaskMetrics(values: values.merging(other.values) { _, theirs in theirs }, primary: primary)
    }
}
