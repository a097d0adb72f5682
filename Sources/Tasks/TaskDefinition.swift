/// What a task is, independently of where its files are: name, labels, metrics.
public struct TaskDefinition: Sendable, Hashable {
    /// The task's name ("sst-2", "mnli", "rotten-tomatoes", ...).
    public let name: String
    /// Class names in class-index order (transformers' `get_labels()` order for GLUE); empty for regression.
    public let labelNames: [String]
    /// Whether the label is a real-valued target (STS-B) rather than a class.
    public let isRegression: Bool
    /// The metrics reported for this task.
    public let metrics: [Metric]
    /// The metric to maximise (model selection, search reward).
    public let primaryMetric: Metric

    /// A definition; `primaryMetric` must be one of `metrics`, and a classification task needs label names.
    public init(name: String, labelNames: [String], isRegression: Bool, metrics: [Metric], primaryMetric: Metric) {
        precondition(metrics.contains(primaryMetric), "TaskDefinition \(name): primary metric not among its metrics")
        precondition(isRegression || labelNames.count >= 2, "TaskDefinition \(name): a classification task needs 2+ labels")
        precondition(metrics.allSatisfy { $0.isClassification != isRegression },
                     "TaskDefinition \(name): metrics do not fit a \(isRegression ? "regression" : "classification") task")
        self.name = name
        self.labelNames = labelNames
        self.isRegression = isRegression
        self.metrics = metrics
        self.primaryMetric = primaryMetric
    }

    /// The number of model outputs: the class count, or 1 for regression.
    public var numLabels: Int { isRegression ? 1 : labelNames.count }

    /// The name of the primary metric in the `TaskMetrics` of `split`.
    public func primaryMetricName(for split: Split = .dev) -> String { Self.key(primaryMetric, split) }

    /// Scores class predictions (argmax of the logits) against class labels.
    public func evaluate(predictions: [Int], labels: [Int], split: Split = .dev) -> TaskMetrics {
        precondition(!isRegression, "evaluate(predictions: [Int]): \(name) is a regression task")
        var values: [String: Double] = [:]
        for metric in metrics {
            let value: Double
            switch metric {
            case .accuracy: value = Metrics.accuracy(predictions: predictions, labels: labels)
            case .f1: value = Metrics.f1(predictions: predictions, labels: labels)
            case .matthews: value = Metrics.matthewsCorrelation(predictions: predictions, labels: labels)
            case .pearson, .spearman: preconditionFailure("unreachable: checked in init")
            }
            values[Self.key(metric, split)] = value
        }
        return TaskMetrics(values: values, primary: primaryMetricName(for: split))
    }

    /// Scores regression predictions against real-valued targets.
    public func evaluate(predictions: [Double], labels: [Double], split: Split = .dev) -> TaskMetrics {
        precondition(isRegression, "evaluate(predictions: [Double]): \(name) is a classification task")
        var values: [String: Double] = [:]
        for metric in metrics {
            let value: Double
            switch metric {
            case .pearson: value = Metrics.pearson(predictions, labels)
            case .spearman: value = Metrics.spearman(predictions, labels)
            case .accuracy, .f1, .matthews: preconditionFailure("unreachable: checked in init")
            }
            values[Self.key(metric, split)] = value
        }
        return TaskMetrics(values: values, primary: primaryMetricName(for: split))
    }

    /// Scores predictions against the labels of `dataset` (which must all be present).
    public func evaluate(predictions: [Label], on dataset: Dataset) -> TaskMetrics {
        guard let labels = dataset.labels else { preconditionFailure("evaluate: the \(dataset.split) split of \(name) has no labels") }
        if isRegression {
            return evaluate(predictions: predictions.map(\.doubleValue), labels: labels.map(\.doubleValue), split: dataset.split)
        }
        return evaluate(predictions: predictions.map { $0.classIndex ?? -1 }, labels: labels.map { $0.classIndex ?? -1 },
                        split: dataset.split)
    }

    /// MNLI reports matched and mismatched accuracy side by side: the mismatched keys get a suffix.
    static func key(_ metric: Metric, _ split: Split) -> String {
        split == .devMismatched ? metric.rawValue + "_mismatched" : metric.rawValue
    }
}
