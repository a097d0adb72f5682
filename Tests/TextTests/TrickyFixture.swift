import Foundation
@testable import Text

/// `Fixtures/tokenizer_tricky.json`, written by `scripts/reference/make_tokenizer_fixtures.py tricky`.
struct TrickyFixture: Decodable {
    /// Model inputs as transformers returns them.
    struct Encoded: Decodable {
        let inputIds: [Int]
        let tokenTypeIds: [Int]
        let attentionMask: [Int]

        var encoding: Encoding { Encoding(ids: inputIds, tokenTypeIds: tokenTypeIds, attentionMask: attentionMask) }

        enum CodingKeys: String, CodingKey {
            case inputIds = "input_ids", tokenTypeIds = "token_type_ids", attentionMask = "attention_mask"
        }
    }

    /// One text: its tokens, its encoding unpadded and padded, and its decodings.
    struct Single: Decodable {
        let text: String
        let tokens: [String]
        let encoded: Encoded
        let paddedMaxLength: Int
        let padded: Encoded
        let decoded: String
        let decodedSkippingSpecialTokens: String
        let decodedCleaningUpSpaces: String

        enum CodingKeys: String, CodingKey {
            case text, tokens, encoded, padded, decoded
            case paddedMaxLength = "padded_max_length"
            case decodedSkippingSpecialTokens = "decoded_skipping_special_tokens"
            case decodedCleaningUpSpaces = "decoded_cleaning_up_spaces"
        }
    }

    /// A text (and pair) truncated to `maxLength`, unpadded and padded to it.
    struct Truncation: Decodable {
        let text: String
        let pair: String?
        let maxLength: Int
        let encoded: Encoded
        let padded: Encoded

        enum CodingKeys: String, CodingKey { case text, pair, encoded, padded, maxLength = "max_length" }
    }

    /// A batch encoded with transformers' batch padding ("longest" or "max_length").
    struct Batch: Decodable {
        let texts: [String]
        let pairs: [String]?
        let maxLength: Int?
        let padding: String
        let inputIds: [[Int]]
        let tokenTypeIds: [[Int]]
        let attentionMask: [[Int]]

        enum CodingKeys: String, CodingKey {
            case texts, pairs, padding
            case maxLength = "max_length", inputIds = "input_ids", tokenTypeIds = "token_type_ids"
            case attentionMask = "attention_mask"
        }
    }

    /// Every vocabulary entry the expected outputs use, as parallel lists.
    struct VocabularySubset: Decodable {
        let tokens: [String]
        let ids: [Int]
    }

    let reference: String
    let vocabularySize: Int
    let vocabularySubset: VocabularySubset
    let singles: [Single]
    let truncations: [Truncation]
    let batches: [Batch]

    enum CodingKeys: String, CodingKey {
        case reference, singles, truncations, batches
        case vocabularySize = "vocabulary_size"
        case vocabularySubset = "vocabulary_subset"
    }

    /// The fixture and the JSON text of its `tokenizer_config` object (a copy of MiniLM's file).
    static func load() throws -> (fixture: TrickyFixture, tokenizerConfig: Data) {
        let url = Bundle.module.url(forResource: "tokenizer_tricky", withExtension: "json", subdirectory: "Fixtures")!
        let data = try Data(contentsOf: url)
        let fixture = try JSONDecoder().decode(TrickyFixture.self, from: data)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let config = try JSONSerialization.data(withJSONObject: object["tokenizer_config"]!)
        return (fixture, config)
    }

    /// A vocabulary of the real size holding the subset at its ids; other lines can never match
    /// (they contain a space). Greedy longest-match WordPiece then picks the same pieces as on the
    /// full vocabulary, since it contains every piece the full one picked.
    func vocabulary() -> Vocabulary {
        var tokens = (0..<vocabularySize).map { "<not in subset \($0)>" }
        for (token, id) in zip(vocabularySubset.tokens, vocabularySubset.ids) { tokens[id] = token }
        return Vocabulary(tokens: tokens)
    }
}
