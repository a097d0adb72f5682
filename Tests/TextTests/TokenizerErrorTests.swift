import Foundation
import XCTest
@testable import Text

/// Each error a user can cause names the file and what was expected.
final class TokenizerErrorTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("TextTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }

    private func loadError() -> TokenizerError? {
        do {
            _ = try BertTokenizer(directory: directory)
            return nil
        } catch {
            return error
        }
    }

    private let minimalVocabulary = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n"

    func testMissingVocabulary() {
        let error = loadError()
        XCTAssertEqual(error, .missingVocabulary(directory.appendingPathComponent("vocab.txt")))
        XCTAssertTrue(error?.description.contains("vocab.txt: file not found") ?? false, "\(String(describing: error))")
    }

    func testEmptyVocabulary() throws {
        try write("", to: "vocab.txt")
        XCTAssertEqual(loadError(), .emptyVocabulary(directory.appendingPathComponent("vocab.txt")))
    }

    func testVocabularyThatIsNotUTF8() throws {
        try Data([0x66, 0x6F, 0xFF, 0x0A]).write(to: directory.appendingPathComponent("vocab.txt"))
        guard case .unreadableVocabulary(let url, _)? = loadError() else {
            return XCTFail("expected unreadableVocabulary")
        }
        XCTAssertEqual(url.lastPathComponent, "vocab.txt")
    }

    func testMissingSpecialToken() throws {
        try write("[PAD]\n[UNK]\n[SEP]\nhello\n", to: "vocab.txt")
        let error = loadError()
        XCTAssertEqual(error, .missingSpecialToken(role: "classifier (cls_token)", token: "[CLS]",
                                                   vocabulary: directory.appendingPathComponent("vocab.txt")))
        XCTAssertTrue(error?.description.contains("\"[CLS]\" is not in the vocabulary") ?? false)
    }

    func testSpecialTokenRenamedInConfigurationMustBeInVocabulary() throws {
        try write(minimalVocabulary, to: "vocab.txt")
        try write(#"{"unk_token": {"content": "<unk>", "lstrip": false}}"#, to: "tokenizer_config.json")
        guard case .missingSpecialToken(_, let token, _)? = loadError() else {
            return XCTFail("expected missingSpecialToken")
        }
        XCTAssertEqual(token, "<unk>")
    }

    func testMalformedConfigurationJSON() throws {
        try write(minimalVocabulary, to: "vocab.txt")
        try write(#"{"do_lower_case": true,"#, to: "tokenizer_config.json")
        guard case .malformedConfiguration(let url, let reason)? = loadError() else {
            return XCTFail("expected malformedConfiguration")
        }
        XCTAssertEqual(url.lastPathComponent, "tokenizer_config.json")
        XCTAssertTrue(reason.contains("not valid JSON"), reason)
    }

    func testConfigurationFieldOfWrongType() throws {
        try write(minimalVocabulary, to: "vocab.txt")
        try write(#"{"do_lower_case": "yes"}"#, to: "tokenizer_config.json")
        guard case .malformedConfiguration(_, let reason)? = loadError() else {
            return XCTFail("expected malformedConfiguration")
        }
        XCTAssertTrue(reason.contains("\"do_lower_case\"") && reason.contains("Bool"), reason)
    }

    func testMissingConfigurationGivesDefaults() throws {
        try write(minimalVocabulary, to: "vocab.txt")
        let tokenizer = try BertTokenizer(directory: directory)
        XCTAssertEqual(tokenizer.configuration, TokenizerConfiguration())
        XCTAssertEqual(tokenizer.encode("Hello").ids, [2, 5, 3])
    }

    func testUnlimitedModelMaxLengthIsClamped() throws {
        try write(minimalVocabulary, to: "vocab.txt")
        try write(#"{"model_max_length": 1000000000000000019884624838656, "strip_accents": null}"#,
                  to: "tokenizer_config.json")
        XCTAssertEqual(try BertTokenizer(directory: directory).modelMaxLength, Int.max)
    }

    func testANonPositiveMaxLengthIsATypedError() {
        for length in [0, -3] {
            XCTAssertThrowsError(try BertTokenizer.check(maxLength: length)) { error in
                XCTAssertEqual(error as? TokenizerError, .invalidMaxLength(length))
                XCTAssertEqual("\(error)", "--max-length \(length): expected a positive number of tokens, special tokens included")
            }
        }
        XCTAssertNoThrow(try BertTokenizer.check(maxLength: nil))
        XCTAssertNoThrow(try BertTokenizer.check(maxLength: 1))
    }

    func testAFolderWhereAFileShouldBeIsNamedNotAFoundationError() throws {
        let vocabulary = directory.appendingPathComponent("vocab.txt")
        try FileManager.default.createDirectory(at: vocabulary, withIntermediateDirectories: true)
        // Compared as messages: a URL to an existing folder differs from the path's URL by a trailing slash.
        XCTAssertEqual(loadError()?.description, "\(vocabulary.path): cannot read the vocabulary (it is a folder); expected UTF-8 text, one token per line")
        try FileManager.default.removeItem(at: vocabulary)
        try write(minimalVocabulary, to: "vocab.txt")
        let configuration = directory.appendingPathComponent("tokenizer_config.json")
        try FileManager.default.createDirectory(at: configuration, withIntermediateDirectories: true)
        XCTAssertEqual(loadError()?.description, "\(configuration.path): malformed tokenizer configuration: it is a folder; expected a JSON file")
        XCTAssertFalse(loadError()?.description.contains("NSCocoaErrorDomain") ?? true)
    }
}
