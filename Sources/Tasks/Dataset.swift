import Foundation

/// The examples of one split of a task, in file order.
public struct Dataset: Sendable {
    /// The task's definition (name, labels, metrics).
    public let definition: TaskDefinition
    /// Which split these examples are.
    public let split: Split
    /// The examples, in the order of the file (or of the task's own deterministic order).
    public let examples: [Example]
    /// The file the examples were read from, if any.
    public let source: URL?
    /// Rows left out because `skipMalformedRows` was set: the errors they would have raised.
    public let skippedRows: [TaskError]

    /// A dataset from its parts.
    public init(definition: TaskDefinition, split: Split, examples: [Example], source: URL? = nil,
                skippedRows: [TaskError] = []) {
        self.definition = definition
        self.split = split
        self.examples = examples
        self.source = source
        self.skippedRows = skippedRows
    }

    /// The number of examples.
    public var count: Int { examples.count }

    /// Whether every example carries a label.
    public var isLabeled: Bool { examples.allSatisfy { $0.label != nil } }

    /// The labels in example order; nil if any example has none.
    public var labels: [Label]? {
        var labels: [Label] = []
        labels.reserveCapacity(examples.count)
        for example in examples {
            guard let label = example.label else { return nil }
            labels.append(label)
        }
        return labels
    }
}
