import Foundation

/// An error a user can cause when loading or calling a tokenizer: a missing or malformed file, a bad length.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The vocabulary file does not exist.
    case missingVocabulary(URL)
    /// The vocabulary file exists but cannot be read as UTF-8 text.
    case unreadableVocabulary(URL, reason: String)
    /// The vocabulary file has no tokens.
    case emptyVocabulary(URL)
    /// `tokenizer_config.json` is not valid JSON or a field has the wrong type.
    case malformedConfiguration(URL, reason: String)
    /// A special token the BERT pipeline needs is not in the vocabulary.
    case missingSpecialToken(role: String, token: String, vocabulary: URL?)
    /// A truncation length that leaves no room for any token (`--max-length`).
    case invalidMaxLength(Int)

    /// A message naming the file, the field and what was expected.
    public var description: String {
        switch self {
        case .missingVocabulary(let url):
            return "\(url.path): file not found; expected a WordPiece vocabulary (vocab.txt, one token per line)"
        case .unreadableVocabulary(let url, let reason):
            return "\(url.path): cannot read the vocabulary (\(reason)); expected UTF-8 text, one token per line"
        case .emptyVocabulary(let url):
            return "\(url.path): the vocabulary is empty; expected one token per line"
        case .malformedConfiguration(let url, let reason):
            return "\(url.path): malformed tokenizer configuration: \(reason)"
        case .missingSpecialToken(let role, let token, let vocabulary):
            let file = vocabulary?.path ?? "the vocabulary"
            return "\(file): the \(role) token \"\(token)\" is not in the vocabulary; BERT needs it"
        case .invalidMaxLength(let length):
            return "--max-length \(length): expected a positive number of tokens, special tokens included"
        }
    }
}
