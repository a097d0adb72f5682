import Text

/// A padded batch of examples: token ids, their labels, and which examples they are.
public struct Batch: Sendable, Equatable {
    /// [batch, length] ids, segment ids and mask, padded to the longest example of the batch.
    public let tokens: TokenBatch
    /// [batch] labels as floats (class index or regression value); nil for unlabelled splits.
    public let labels: [Float]?
    /// [batch] indices of the examples in the dataset, in batch row order.
    public let indices: [Int]

    /// A batch from its parts.
    public init(tokens: TokenBatch, labels: [Float]?, indices: [Int]) {
        precondition(tokens.batch == indices.count && (labels == nil || labels!.count == indices.count),
                     "Batch: \(tokens.batch) rows, \(indices.count) indices, \(labels?.count ?? 0) labels")
        self.tokens = tokens
        self.labels = labels
        self.indices = indices
    }

    /// The number of examples.
    public var count: Int { indices.count }
}
