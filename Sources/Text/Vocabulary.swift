import Foundation

/// A WordPiece vocabulary: token strings and their ids, as listed one a line in `vocab.txt`.
///
/// Lookups compare Unicode scalars exactly, as the reference's Rust `HashMap` does. Swift's
/// `String` equality is canonical equivalence ("é" == "e\u{301}"), which would let a decomposed
/// piece match a precomposed vocabulary entry that the reference never matches.
///
///     let vocabulary = try Vocabulary(contentsOf: directory.appendingPathComponent("vocab.txt"))
///     vocabulary.id(for: "[CLS]")  // 101
public struct Vocabulary: Sendable {
    /// The tokens in file order; `tokens[id]` is the line with that id.
    public let tokens: [String]
    /// The file the vocabulary was read from, if any.
    public let url: URL?

    private let idsByScalars: [[Unicode.Scalar]: Int]
    /// Index -> token for ids that own their token; nil for lines shadowed by a later duplicate.
    private let tokensById: [String?]
    /// The longest token, in Unicode scalars (a bound for WordPiece's longest-match search).
    let longestTokenLength: Int

    /// Builds a vocabulary from tokens in id order; a duplicate token keeps its last id (as Python).
    public init(tokens: [String], url: URL? = nil) {
        self.tokens = tokens
        self.url = url
        var ids: [[Unicode.Scalar]: Int] = [:]
        ids.reserveCapacity(tokens.count)
        var longest = 0
        for (id, token) in tokens.enumerated() {
            let scalars = Array(token.unicodeScalars)
            ids[scalars] = id
            longest = max(longest, scalars.count)
        }
        self.idsByScalars = ids
        self.tokensById = tokens.enumerated().map { id, token in
            ids[Array(token.unicodeScalars)] == id ? token : nil
        }
        self.longestTokenLength = longest
    }

    /// Reads `vocab.txt`: UTF-8, one token per line, the line number (from 0) being the id.
    ///
    /// Line ends are read as Python's text mode does: "\r\n" and a lone "\r" count as "\n".
    public init(contentsOf url: URL) throws(TokenizerError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .missingVocabulary(url)
        }
        guard !isDirectory.boolValue else { throw .unreadableVocabulary(url, reason: "it is a folder") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableVocabulary(url, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableVocabulary(url, reason: "not valid UTF-8")
        }
        let tokens = Vocabulary.lines(of: text)
        guard !tokens.isEmpty else { throw .emptyVocabulary(url) }
        self.init(tokens: tokens, url: url)
    }

    /// The number of lines (ids) in the vocabulary.
    public var count: Int { tokens.count }

    /// The id of `token`, comparing Unicode scalars exactly; nil when absent.
    public func id(for token: String) -> Int? {
        idsByScalars[Array(token.unicodeScalars)]
    }

    /// The id of a token given as Unicode scalars; nil when absent.
    func id(forScalars scalars: [Unicode.Scalar]) -> Int? {
        idsByScalars[scalars]
    }

    /// The token with this id; nil when out of range or shadowed by a later duplicate line.
    public func token(for id: Int) -> String? {
        tokensById.indices.contains(id) ? tokensById[id] : nil
    }

    /// Splits text into lines as Python's `readlines()` in universal-newline mode, without ends.
    static func lines(of text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCarriageReturn = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where previousWasCarriageReturn:
                previousWasCarriageReturn = false
            case "\n", "\r":
                lines.append(String(current))
                current = String.UnicodeScalarView()
                previousWasCarriageReturn = scalar == "\r"
            default:
                current.append(scalar)
                previousWasCarriageReturn = false
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }
}
