import XCTest
@testable import Text

/// Greedy longest-match-first WordPiece on a toy vocabulary.
final class WordPieceModelTests: XCTestCase {
    let vocabulary = Vocabulary(tokens: ["[UNK]", "un", "##aff", "##able", "aff", "a", "##a", "é", "##ble"])

    private func pieces(_ word: String, maxCharacters: Int = 100) -> [String] {
        let model = WordPieceModel(vocabulary: vocabulary, unknownTokenId: 0, maxInputCharactersPerWord: maxCharacters)
        return model.pieceIds(of: Array(word.unicodeScalars)).map { vocabulary.token(for: $0)! }
    }

    func testLongestMatchFirst() {
        XCTAssertEqual(pieces("unaffable"), ["un", "##aff", "##able"])
        XCTAssertEqual(pieces("aaa"), ["a", "##a", "##a"])
    }

    func testUncoverableWordIsUnknownWhole() {
        XCTAssertEqual(pieces("unx"), ["[UNK]"])
        XCTAssertEqual(pieces("xun"), ["[UNK]"])
    }

    func testWordOverTheLimitIsUnknown() {
        XCTAssertEqual(pieces(String(repeating: "a", count: 100)).count, 100)
        XCTAssertEqual(pieces(String(repeating: "a", count: 101)), ["[UNK]"])
        // The limit counts scalars: 51 decomposed "é" are 102 scalars.
        XCTAssertEqual(pieces(String(repeating: "e\u{301}", count: 51)), ["[UNK]"])
        XCTAssertEqual(pieces("aaa", maxCharacters: 2), ["[UNK]"])
    }

    func testLookupIsExactOnScalarsNotCanonicalEquivalence() {
        // Swift would find "é" for "e\u{301}" in a [String: Int]; Python's dict does not.
        XCTAssertEqual(vocabulary.id(for: "\u{E9}"), 7)
        XCTAssertNil(vocabulary.id(for: "e\u{301}"))
        XCTAssertEqual(pieces("e\u{301}"), ["[UNK]"])
    }
}
