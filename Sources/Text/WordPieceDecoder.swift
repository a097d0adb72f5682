/// Turns WordPiece tokens back into text as the `tokenizers` library's `WordPiece` decoder does:
/// a continuation piece loses its `##` and is glued on, any other token after the first gets a
/// space before it, and then each token on its own is cleaned up (" ." becomes ".", ...).
///
/// Trap: the clean-up runs per token, not on the joined text as transformers' Python
/// `clean_up_tokenization` does, so only a space the token itself starts with can go: "a ' s"
/// stays as it is, while ["it", "!"] decodes to "it!".
///
///     WordPieceDecoder().decode(["un", "##aff", "##able", "!"])  // "unaffable!"
public struct WordPieceDecoder: Sendable {
    /// Prefix of a piece that continues a word.
    public var continuingSubwordPrefix: String
    /// Remove the spaces the decoder put before punctuation and contractions.
    public var cleansUp: Bool

    /// A decoder with BERT's settings (`##`, clean-up on).
    public init(continuingSubwordPrefix: String = "##", cleansUp: Bool = true) {
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.cleansUp = cleansUp
    }

    /// The decoder's per-token clean-up (Rust `decoders::wordpiece::cleanup`), in order.
    static let cleanUpReplacements = [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
                                      (" n't", "n't"), (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"),
                                      (" 've", "'ve"), (" 're", "'re")]

    /// transformers' `clean_up_tokenization`, applied to the whole decoded text, in order.
    static let tokenizationSpaceReplacements = [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
                                                (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"),
                                                (" 're", "'re")]

    /// The text of the tokens.
    public func decode(_ tokens: [String]) -> String {
        let prefix = Array(continuingSubwordPrefix.unicodeScalars)
        var text: [Unicode.Scalar] = []
        for (index, token) in tokens.enumerated() {
            var piece = Array(token.unicodeScalars)
            if index > 0 {
                if !prefix.isEmpty && piece.starts(with: prefix) {
                    piece.removeFirst(prefix.count)
                } else {
                    piece.insert(" ", at: 0)
                }
            }
            if cleansUp { piece = Self.replacing(Self.cleanUpReplacements, in: piece) }
            text += piece
        }
        return String(String.UnicodeScalarView(text))
    }

    /// transformers' `clean_up_tokenization` (`decode(..., clean_up_tokenization_spaces=True)`).
    public static func cleanUpTokenizationSpaces(_ text: String) -> String {
        String(String.UnicodeScalarView(replacing(tokenizationSpaceReplacements, in: Array(text.unicodeScalars))))
    }

    /// Each pattern replaced in turn, as chained `str.replace` calls.
    static func replacing(_ replacements: [(String, String)], in text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var text = text
        for (pattern, replacement) in replacements {
            text = replacing(Array(pattern.unicodeScalars), with: Array(replacement.unicodeScalars), in: text)
        }
        return text
    }

    /// `str.replace` on Unicode scalars (exact, not canonical equivalence): every non-overlapping
    /// match, left to right.
    static func replacing(_ pattern: [Unicode.Scalar], with replacement: [Unicode.Scalar], in text: [Unicode.Scalar])
        -> [Unicode.Scalar]
    {
        guard text.count >= pattern.count, text.contains(pattern[0]) else { return text }
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if index + pattern.count <= text.count && text[index..<(index + pattern.count)].elementsEqual(pattern) {
                output += replacement
                index += pattern.count
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }
}
