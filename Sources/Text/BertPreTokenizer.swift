/// BERT's pre-tokeniser as the `tokenizers` library runs it (`BertPreTokenizer`): splits
/// normalised text into words on whitespace, and makes each punctuation character a word of its own.
///
///     BertPreTokenizer.words(in: "it's 4/5!")  // ["it", "'", "s", "4", "/", "5", "!"]
public enum BertPreTokenizer {
    /// The words of a (normalised) text.
    public static func words(in text: String) -> [String] {
        words(in: Array(text.unicodeScalars)).map { String(String.UnicodeScalarView($0)) }
    }

    /// The words of (normalised) scalars, each a scalar array; none is empty.
    static func words(in text: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in text {
            if scalar.isBertWhitespace {
                if !current.isEmpty { words.append(current) }
                current.removeAll(keepingCapacity: true)
            } else if scalar.isBertPunctuation {
                if !current.isEmpty { words.append(current) }
                current.removeAll(keepingCapacity: true)
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
