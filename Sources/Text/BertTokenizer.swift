import Foundation

/// BERT's WordPiece tokenizer, matching transformers 5's `BertTokenizer` (what `AutoTokenizer`
/// loads: the Rust `tokenizers` backend, alias `BertTokenizerFast`) id for id.
///
/// The pipeline, in the Rust order: special tokens written in the raw text are cut out first;
/// each remaining piece goes through `BertNormalizer` (cleaning, CJK, accents, lower-casing),
/// `BertPreTokenizer` (whitespace, punctuation) and `WordPieceModel`; then [CLS] A [SEP] (B [SEP])
/// is assembled, truncated longest-first and padded.
///
///     let tokenizer = try BertTokenizer(directory: URL(fileURLWithPath: "cache/minilm"))
///     let encoding = tokenizer.encode("A gripping film.", maxLength: 128, padding: .maxLength)
///     encoding.ids.prefix(6)  // [101, 1037, 13940, 2143, 1012, 102]
public struct BertTokenizer: Sendable {
    /// The WordPiece vocabulary.
    public let vocabulary: Vocabulary
    /// The settings read from `tokenizer_config.json`.
    public let configuration: TokenizerConfiguration
    /// The normaliser.
    public let normalizer: BertNormalizer
    /// The sub-word model.
    public let wordPiece: WordPieceModel
    /// The decoder `decode` uses.
    public let decoder: WordPieceDecoder
    /// The id of [CLS], which starts every encoding.
    public let classifierTokenId: Int
    /// The id of [SEP], which ends each segment.
    public let separatorTokenId: Int
    /// The id of [PAD].
    public let paddingTokenId: Int
    /// The id of [UNK].
    public let unknownTokenId: Int
    /// The id of [MASK], or nil when the vocabulary has none.
    public let maskTokenId: Int?

    private let specialTokenSplitter: SpecialTokenSplitter
    private let specialTokenIds: Set<Int>

    /// Loads `vocab.txt` and (if present) `tokenizer_config.json` from a Hugging Face model folder.
    public init(directory: URL) throws(TokenizerError) {
        let configuration = try TokenizerConfiguration(
            contentsOf: directory.appendingPathComponent("tokenizer_config.json"))
        let vocabulary = try Vocabulary(contentsOf: directory.appendingPathComponent("vocab.txt"))
        try self.init(vocabulary: vocabulary, configuration: configuration)
    }

    /// A tokenizer from a vocabulary and settings; throws if [CLS], [SEP], [PAD] or [UNK] is missing.
    public init(vocabulary: Vocabulary, configuration: TokenizerConfiguration = TokenizerConfiguration())
        throws(TokenizerError)
    {
        func require(_ role: String, _ token: String) throws(TokenizerError) -> Int {
            guard let id = vocabulary.id(for: token) else {
                throw .missingSpecialToken(role: role, token: token, vocabulary: vocabulary.url)
            }
            return id
        }
        self.vocabulary = vocabulary
        self.configuration = configuration
        classifierTokenId = try require("classifier (cls_token)", configuration.classifierToken)
        separatorTokenId = try require("separator (sep_token)", configuration.separatorToken)
        paddingTokenId = try require("padding (pad_token)", configuration.paddingToken)
        unknownTokenId = try require("unknown (unk_token)", configuration.unknownToken)
        maskTokenId = vocabulary.id(for: configuration.maskToken)

        var specialTokens = [configuration.unknownToken, configuration.separatorToken, configuration.paddingToken,
                             configuration.classifierToken]
        if maskTokenId != nil { specialTokens.append(configuration.maskToken) }
        specialTokenSplitter = SpecialTokenSplitter(tokens: specialTokens)
        specialTokenIds = Set(specialTokens.compactMap(vocabulary.id(for:)))
        normalizer = BertNormalizer(
            lowercases: configuration.doLowerCase, stripsAccents: configuration.stripAccents,
            splitsCJKIdeographs: configuration.tokenizeChineseChars)
        wordPiece = WordPieceModel(vocabulary: vocabulary, unknownTokenId: unknownTokenId)
        decoder = WordPieceDecoder(continuingSubwordPrefix: wordPiece.continuingSubwordPrefix)
    }

    /// The longest input the model accepts (`model_max_length`).
    public var modelMaxLength: Int { configuration.modelMaxLength }

    /// The tokens of a text, without special tokens added: `tokenize("Hello!")` is `["hello", "!"]`.
    public func tokenize(_ text: String) -> [String] {
        tokenIds(text).map { vocabulary.token(for: $0) ?? configuration.unknownToken }
    }

    /// The token ids of a text, without special tokens added.
    public func tokenIds(_ text: String) -> [Int] {
        var ids: [Int] = []
        for piece in specialTokenSplitter.split(Array(text.unicodeScalars)) {
            switch piece {
            case .special(let token):
                ids.append(vocabulary.id(forScalars: token) ?? unknownTokenId)
            case .text(let scalars):
                for word in BertPreTokenizer.words(in: normalizer.normalize(scalars)) {
                    wordPiece.appendPieceIds(of: word, to: &ids)
                }
            }
        }
        return ids
    }

    /// Throws unless `maxLength` (when given) is a length `encode` accepts: positive. Call it on user
    /// input before encoding, which stops the program on a length of 0 or less.
    public static func check(maxLength: Int?) throws(TokenizerError) {
        if let maxLength, maxLength <= 0 { throw .invalidMaxLength(maxLength) }
    }

    /// Encodes a text, or a pair, as [CLS] A [SEP] (B [SEP]).
    ///
    /// An empty `pair` counts as no pair (transformers tests `if text_pair`): "[CLS] A [SEP]".
    ///
    /// - Parameters:
    ///   - maxLength: when given (> 0), truncates longest-first to this many positions, specials
    ///     included; nil leaves the encoding whole. Trap: a `maxLength` below the number of
    ///     special tokens (2, or 3 with a pair) truncates nothing, silently, as in `tokenizers`.
    ///   - padding: `.maxLength` pads to `maxLength`, or to `modelMaxLength` when that is nil.
    public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil, padding: Padding = .none)
        -> Encoding
    {
        let pair = pair?.isEmpty == true ? nil : pair
        let encoding = assemble(tokenIds(text), pair.map(tokenIds), maxLength: maxLength)
        return padding == .maxLength
            ? encoding.padded(to: maxLength ?? modelMaxLength, paddingId: paddingTokenId) : encoding
    }

    /// Encodes texts (and pairs, one per text) as `encode` does, then pads the batch.
    ///
    /// Unlike `encode`, an empty pair stays a pair here (transformers' batch path keeps it):
    /// "[CLS] A [SEP] [SEP]". `.longest` pads to the longest encoding of the batch; `.maxLength` as in
    /// `encode`.
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, maxLength: Int? = nil,
                            padding: Padding = .longest) -> [Encoding]
    {
        precondition(pairs == nil || pairs!.count == texts.count, "encodeBatch: one pair per text")
        let encodings = texts.indices.map { i in
            assemble(tokenIds(texts[i]), pairs.map { tokenIds($0[i]) }, maxLength: maxLength)
        }
        let length: Int
        switch padding {
        case .none: return encodings
        case .longest: length = encodings.map(\.count).max() ?? 0
        case .maxLength: length = maxLength ?? modelMaxLength
        }
        return encodings.map { $0.padded(to: length, paddingId: paddingTokenId) }
    }

    /// Adds [CLS] and [SEP]s, after truncating the segments so the total fits `maxLength`.
    func assemble(_ first: [Int], _ second: [Int]?, maxLength: Int?) -> Encoding {
        var first = first
        var second = second
        if let maxLength {
            precondition(maxLength > 0, "maxLength must be positive")
            Self.truncateLongestFirst(&first, &second, toFit: maxLength)
        }
        var ids = [classifierTokenId]
        ids.reserveCapacity(first.count + (second?.count ?? 0) + 3)
        ids += first
        ids.append(separatorTokenId)
        var tokenTypeIds = Array(repeating: 0, count: ids.count)
        if let second {
            ids += second
            ids.append(separatorTokenId)
            tokenTypeIds += Array(repeating: 1, count: second.count + 1)
        }
        return Encoding(ids: ids, tokenTypeIds: tokenTypeIds, attentionMask: Array(repeating: 1, count: ids.count))
    }

    /// Cuts the segments on the right so that they and the special tokens fit `maxLength`, as the
    /// `tokenizers` library's "longest_first" strategy (`truncate_encodings`) does.
    ///
    /// The budget is `maxLength` minus the special tokens (2, or 3 with a pair). A pair whose
    /// shorter segment takes at most half the budget keeps it whole and gives the rest to the
    /// longer one; otherwise each keeps half, the longer one the larger half of an odd budget (the
    /// second when they are equally long). Trap: this is a closed form, not the Python original's
    /// token-by-token loop, and the two differ on odd budgets. A budget below zero (`maxLength`
    /// under the special-token count) wraps around in Rust's unsigned arithmetic: nothing is cut.
    static func truncateLongestFirst(_ first: inout [Int], _ second: inout [Int]?, toFit maxLength: Int) {
        let budget = maxLength - (second == nil ? 2 : 3)
        guard budget >= 0 else { return }
        guard var pair = second else {
            first = Array(first.prefix(budget))
            return
        }
        guard first.count + pair.count > budget else { return }
        let shorter = min(first.count, pair.count)
        let (keptShorter, keptLonger) = 2 * shorter > budget
            ? (budget / 2, budget - budget / 2) : (shorter, budget - shorter)
        let firstIsShorter = first.count <= pair.count
        first = Array(first.prefix(firstIsShorter ? keptShorter : keptLonger))
        pair = Array(pair.prefix(firstIsShorter ? keptLonger : keptShorter))
        second = pair
    }

    /// Turns ids back into text as transformers' `decode` does: the tokens (ids with no token are
    /// left out) through `WordPieceDecoder`, then, if asked, transformers' clean-up of spaces.
    ///
    /// - Parameter cleansUpTokenizationSpaces: nil follows `clean_up_tokenization_spaces` of the
    ///   configuration (false when absent, as in transformers 5).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false, cleansUpTokenizationSpaces: Bool? = nil)
        -> String
    {
        let tokens = ids.compactMap { id -> String? in
            if skipSpecialTokens && specialTokenIds.contains(id) { return nil }
            return vocabulary.token(for: id)
        }
        let text = decoder.decode(tokens)
        return cleansUpTokenizationSpaces ?? configuration.cleansUpTokenizationSpaces
            ? WordPieceDecoder.cleanUpTokenizationSpaces(text) : text
    }
}
