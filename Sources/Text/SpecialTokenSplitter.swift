/// Cuts the raw text around literal special tokens ("[CLS]", "[SEP]", ...) before any
/// normalisation, so that a special token written in the text becomes that token.
///
/// The reference does this with an Aho-Corasick automaton over its added tokens (the `tokenizers`
/// library's `AddedVocabulary`, leftmost-longest): the match starting earliest wins, and among
/// those the longest. Matching is case-sensitive and exact on Unicode scalars. Trap: it runs on
/// the raw text, so "[CL\u{0}S]" is not [CLS] (cleaning it later gives the words "[", "cls", "]"),
/// where the Python original cleaned first and found [CLS].
struct SpecialTokenSplitter: Sendable {
    /// A piece of text: either ordinary text or one special token.
    enum Piece: Equatable {
        case text([Unicode.Scalar])
        case special([Unicode.Scalar])
    }

    /// The special tokens, longest first so the first match found at a position is the longest.
    private let tokens: [[Unicode.Scalar]]
    private let firstScalars: Set<Unicode.Scalar>

    /// A splitter for these tokens; empty tokens are ignored.
    init(tokens: [String]) {
        let scalars = Set(tokens.map { Array($0.unicodeScalars) }).filter { !$0.isEmpty }
        self.tokens = scalars.sorted { $0.count > $1.count }
        self.firstScalars = Set(scalars.map { $0[0] })
    }

    /// The text cut into pieces; empty text pieces are left out.
    func split(_ text: [Unicode.Scalar]) -> [Piece] {
        var pieces: [Piece] = []
        var textStart = 0
        var index = 0
        while index < text.count {
            if firstScalars.contains(text[index]), let token = tokens.first(where: { matches($0, in: text, at: index) }) {
                if textStart < index { pieces.append(.text(Array(text[textStart..<index]))) }
                pieces.append(.special(token))
                index += token.count
                textStart = index
            } else {
                index += 1
            }
        }
        if textStart < text.count { pieces.append(.text(Array(text[textStart...]))) }
        return pieces
    }

    private func matches(_ token: [Unicode.Scalar], in text: [Unicode.Scalar], at index: Int) -> Bool {
        index + token.count <= text.count && text[index..<(index + token.count)].elementsEqual(token)
    }
}
