/// WordPiece: splits one word into the longest vocabulary pieces, left to right, continuation
/// pieces spelled with a `##` prefix; a word that cannot be covered becomes the unknown token.
///
/// Wu et al. 2016, "Google's Neural Machine Translation System" (section 4.1); this is the
/// greedy longest-match-first variant of BERT's `WordpieceTokenizer`.
///
///     model.pieceIds(of: Array("unaffable".unicodeScalars))  // ids of "un", "##aff", "##able"
public struct WordPieceModel: Sendable {
    /// The vocabulary pieces are looked up in.
    public let vocabulary: Vocabulary
    /// The id emitted for a word that cannot be covered by pieces.
    public let unknownTokenId: Int
    /// Prefix of a piece that continues a word.
    public let continuingSubwordPrefix: String
    /// Words longer than this, in Unicode scalars, become the unknown token whole.
    public let maxInputCharactersPerWord: Int

    private let prefixScalars: [Unicode.Scalar]

    /// A WordPiece model with BERT's settings (`##`, 100 characters per word).
    public init(vocabulary: Vocabulary, unknownTokenId: Int, continuingSubwordPrefix: String = "##",
                maxInputCharactersPerWord: Int = 100) {
        self.vocabulary = vocabulary
        self.unknownTokenId = unknownTokenId
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.prefixScalars = Array(continuingSubwordPrefix.unicodeScalars)
    }

    /// The piece ids of one word (no whitespace inside).
    public func pieceIds(of word: [Unicode.Scalar]) -> [Int] {
        var ids: [Int] = []
        appendPieceIds(of: word, to: &ids)
        return ids
    }

    /// Appends the piece ids of one word to `ids`.
    func appendPieceIds(of word: [Unicode.Scalar], to ids: inout [Int]) {
        if word.count > maxInputCharactersPerWord {
            ids.append(unknownTokenId)
            return
        }
        var pieces: [Int] = []
        var candidate: [Unicode.Scalar] = []
        candidate.reserveCapacity(min(word.count, vocabulary.longestTokenLength) + prefixScalars.count)
        var start = 0
        while start < word.count {
            // No vocabulary entry is longer than longestTokenLength, so longer candidates cannot match.
            var end = min(word.count, start + vocabulary.longestTokenLength)
            var found: Int?
            while start < end {
                candidate.removeAll(keepingCapacity: true)
                if start > 0 { candidate.append(contentsOf: prefixScalars) }
                candidate.append(contentsOf: word[start..<end])
                if let id = vocabulary.id(forScalars: candidate) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.append(unknownTokenId)
                return
            }
            pieces.append(id)
            start = end
        }
        ids.append(contentsOf: pieces)
    }
}
