/// A batch of token ids with their segment ids and padding mask, row-major [batch, length].
public struct TokenBatch: Sendable, Equatable {
    public let batch: Int
    public let length: Int
    /// [batch · length] vocabulary ids.
    public let inputIds: [Int]
    /// [batch · length] segment ids (0 for the first text, 1 for the second).
    public let tokenTypeIds: [Int]
    /// [batch · length], 1 for tokens and 0 for padding.
    public let attentionMask: [Int]

    /// A batch; `tokenTypeIds` default to zeros and `attentionMask` to ones.
    public init(batch: Int, length: Int, inputIds: [Int], tokenTypeIds: [Int]? = nil, attentionMask: [Int]? = nil) {
        precondition(inputIds.count == batch * length, "TokenBatch: \(inputIds.count) ids for [\(batch), \(length)]")
        self.batch = batch
        self.length = length
        self.inputIds = inputIds
        self.tokenTypeIds = tokenTypeIds ?? [Int](repeating: 0, count: batch * length)
        self.attentionMask = attentionMask ?? [Int](repeating: 1, count: batch * length)
        precondition(self.tokenTypeIds.count == inputIds.count && self.attentionMask.count == inputIds.count,
                     "TokenBatch: token type ids and attention mask must have \(inputIds.count) entries")
    }
}

extension TokenBatch {
    /// Pads `encodings` to the longest and stacks them.
    public init(_ encodings: [Encoding], paddingId: Int) {
        let length = encodings.map(\.count).max() ?? 0
        let padded = encodings.map { $0.padded(to: length, paddingId: paddingId) }
        self.init(batch: padded.count, length: length, inputIds: padded.flatMap(\.ids),
                  tokenTypeIds: padded.flatMap(\.tokenTypeIds), attentionMask: padded.flatMap(\.attentionMask))
    }
}
