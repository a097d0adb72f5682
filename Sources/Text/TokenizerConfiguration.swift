import Foundation

/// The settings of a BERT tokenizer, read from Hugging Face's `tokenizer_config.json`.
///
/// Absent fields take transformers' defaults; `strip_accents: null` means "strip when lower-casing".
/// `do_basic_tokenize` and `never_split` are not read: transformers 5's (Rust-backed)
/// `BertTokenizer` ignores them too, always normalising and splitting every word.
public struct TokenizerConfiguration: Equatable, Sendable {
    /// Lower-case the text (and, unless `stripAccents == false`, strip accents). `do_lower_case`.
    public var doLowerCase: Bool = true
    /// Strip accents; nil follows `doLowerCase`. `strip_accents`.
    public var stripAccents: Bool? = nil
    /// Put spaces around CJK ideographs so each is a word. `tokenize_chinese_chars`.
    public var tokenizeChineseChars: Bool = true
    /// Default of `decode`'s extra clean-up of spaces before punctuation. `clean_up_tokenization_spaces`.
    public var cleansUpTokenizationSpaces: Bool = false
    /// The longest input the model accepts; the default length for `.maxLength` padding. `model_max_length`.
    public var modelMaxLength: Int = 512
    /// The unknown token. `unk_token`.
    public var unknownToken: String = "[UNK]"
    /// The separator token. `sep_token`.
    public var separatorToken: String = "[SEP]"
    /// The padding token. `pad_token`.
    public var paddingToken: String = "[PAD]"
    /// The classifier token that starts every sequence. `cls_token`.
    public var classifierToken: String = "[CLS]"
    /// The mask token of masked language modelling. `mask_token`.
    public var maskToken: String = "[MASK]"

    /// The defaults of transformers' BERT tokenizer.
    public init() {}

    /// Reads `tokenizer_config.json`; a missing file gives the defaults.
    public init(contentsOf url: URL) throws(TokenizerError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            self.init()
            return
        }
        guard !isDirectory.boolValue else { throw .malformedConfiguration(url, reason: "it is a folder; expected a JSON file") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .malformedConfiguration(url, reason: error.localizedDescription)
        }
        try self.init(json: data, url: url)
    }

    /// Decodes the JSON text of a `tokenizer_config.json`; `url` names the file in errors.
    public init(json: Data, url: URL) throws(TokenizerError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: json)
        } catch let error as DecodingError {
            throw .malformedConfiguration(url, reason: Self.describe(error))
        } catch {
            throw .malformedConfiguration(url, reason: "\(error)")
        }
        self.init()
        doLowerCase = file.doLowerCase ?? doLowerCase
        stripAccents = file.stripAccents
        tokenizeChineseChars = file.tokenizeChineseChars ?? tokenizeChineseChars
        cleansUpTokenizationSpaces = file.cleanUpTokenizationSpaces ?? cleansUpTokenizationSpaces
        if let length = file.modelMaxLength {
            // transformers writes "no limit" as 1e30, beyond Int: clamp.
            guard length.isFinite, length >= 1 else {
                throw .malformedConfiguration(
                    url, reason: "field \"model_max_length\": expected a positive integer, found \(length)")
            }
            modelMaxLength = length < Double(Int.max) ? Int(length) : Int.max
        }
        unknownToken = file.unkToken?.content ?? unknownToken
        separatorToken = file.sepToken?.content ?? separatorToken
        paddingToken = file.padToken?.content ?? paddingToken
        classifierToken = file.clsToken?.content ?? classifierToken
        maskToken = file.maskToken?.content ?? maskToken
    }

    /// The fields of `tokenizer_config.json` this tokenizer uses, all optional; others are ignored.
    private struct File: Decodable {
        let doLowerCase: Bool?
        let stripAccents: Bool?
        let tokenizeChineseChars: Bool?
        let cleanUpTokenizationSpaces: Bool?
        let modelMaxLength: Double?
        let unkToken: TokenSpelling?
        let sepToken: TokenSpelling?
        let padToken: TokenSpelling?
        let clsToken: TokenSpelling?
        let maskToken: TokenSpelling?

        enum CodingKeys: String, CodingKey {
            case doLowerCase = "do_lower_case"
            case stripAccents = "strip_accents"
            case tokenizeChineseChars = "tokenize_chinese_chars"
            case cleanUpTokenizationSpaces = "clean_up_tokenization_spaces"
            case modelMaxLength = "model_max_length"
            case unkToken = "unk_token"
            case sepToken = "sep_token"
            case padToken = "pad_token"
            case clsToken = "cls_token"
            case maskToken = "mask_token"
        }
    }

    /// A special token as transformers writes it: a plain string or an `AddedToken` object.
    private struct TokenSpelling: Decodable {
        let content: String

        private enum CodingKeys: String, CodingKey { case content }

        init(from decoder: any Decoder) throws {
            if let string = try? decoder.singleValueContainer().decode(String.self) {
                content = string
            } else {
                content = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .content)
            }
        }
    }

    /// Names the field and the expectation of a decoding error.
    private static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "top level" : "field \"" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }
                .joined(separator: ".") + "\""
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            let detail = (context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription
            return "\(field(context.codingPath)): not valid JSON (\(detail))"
        @unknown default:
            return "\(error)"
        }
    }
}
