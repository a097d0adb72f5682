/// The model inputs for one text or text pair: token ids, segment ids and attention mask.
///
/// All three arrays have the same length: [CLS] A [SEP] (B [SEP]) followed by any padding.
public struct Encoding: Equatable, Sendable {
    /// Vocabulary ids, `[length]`.
    public var ids: [Int]
    /// Segment of each token: 0 for [CLS], the first text and its [SEP]; 1 for the pair and its [SEP]; 0 for padding. `[length]`
    public var tokenTypeIds: [Int]
    /// 1 for real tokens, 0 for padding, `[length]`.
    public var attentionMask: [Int]

    /// An encoding from its three arrays, which must have equal lengths.
    public init(ids: [Int], tokenTypeIds: [Int], attentionMask: [Int]) {
        precondition(ids.count == tokenTypeIds.count && ids.count == attentionMask.count,
                     "Encoding arrays must have equal lengths")
        self.ids = ids
        self.tokenTypeIds = tokenTypeIds
        self.attentionMask = attentionMask
    }

    /// The number of positions, padding included.
    public var count: Int { ids.count }

    /// This encoding padded on the right to `length` positions with `paddingId`; unchanged if already as long.
    public func padded(to length: Int, paddingId: Int) -> Encoding {
        let missing = length - count
        guard missing > 0 else { return self }
        return Encoding(ids: ids + Array(repeating: paddingId, count: missing),
                        tokenTypeIds: tokenTypeIds + Array(repeating: 0, count: missing),
                        attentionMask: attentionMask + Array(repeating: 0, count: missing))
    }
}
