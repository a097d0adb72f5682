import XCTest
@testable import Text

/// The pre-tokeniser on small cases; expected outputs read off the Rust `BertPreTokenizer`.
final class BertPreTokenizerTests: XCTestCase {
    func testSplitsOnWhitespaceAndIsolatesPunctuation() {
        XCTAssertEqual(BertPreTokenizer.words(in: "it's 4/5!"), ["it", "'", "s", "4", "/", "5", "!"])
        XCTAssertEqual(BertPreTokenizer.words(in: "a$b^c`d~e"), ["a", "$", "b", "^", "c", "`", "d", "~", "e"])
        XCTAssertEqual(BertPreTokenizer.words(in: " \t\n "), [])
        XCTAssertEqual(BertPreTokenizer.words(in: ""), [])
    }

    func testWhitespaceIsUnicodeWhiteSpace() {
        XCTAssertEqual(BertPreTokenizer.words(in: "a\u{B}b\u{85}c\u{2028}d\u{1C}e"), ["a", "b", "c", "d\u{1C}e"])
        XCTAssertEqual(BertPreTokenizer.words(in: "a\u{A0}b\u{3000}c"), ["a", "b", "c"])
        // U+180E has not been whitespace since Unicode 6.3.
        XCTAssertEqual(BertPreTokenizer.words(in: "a\u{180E}b"), ["a\u{180E}b"])
    }

    func testPunctuationIsThatOfUnicode8() {
        // U+166D was Po in Unicode 8.0 (So now); U+2E43 is Po but of Unicode 9.0.
        XCTAssertEqual(BertPreTokenizer.words(in: "a\u{166D}b a\u{2E43}b a\u{2E42}b"),
                       ["a", "\u{166D}", "b", "a\u{2E43}b", "a", "\u{2E42}", "b"])
    }
}
