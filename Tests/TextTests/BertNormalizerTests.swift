import XCTest
@testable import Text

/// The normaliser on small cases; every expected output was read off the Rust `tokenizers`
/// `BertNormalizer` (or its `NFD`) of transformers 5.24.0 / tokenizers 0.23.3.
final class BertNormalizerTests: XCTestCase {
    let normalizer = BertNormalizer()

    private func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    func testLowerCasesStripsAccentsAndCleans() {
        XCTAssertEqual(normalizer.normalize("Crème BRÛLÉE\u{200B}!"), "creme brulee!")
        XCTAssertEqual(normalizer.normalize("\u{212B}\u{2126}\u{212A}"), "a\u{3C9}k")
    }

    func testDropsControlCharactersAndMapsWhitespaceToSpaces() {
        XCTAssertEqual(normalizer.normalize("a\u{0}b\tc\u{200B}d\u{FFFD}e\u{7}f\r\ng\u{3000}h"), "ab cdef  g h")
        // VT, NEL and the information separators are control characters before they are whitespace.
        XCTAssertEqual(normalizer.normalize("a\u{B}b\u{85}c\u{1C}d"), "abcd")
        // Private use, BOM and soft hyphen (Co, Cf) go too.
        XCTAssertEqual(normalizer.normalize("\u{E000}\u{F0000}\u{10FFFD}\u{FEFF}\u{AD}"), "")
    }

    func testKeepsCodePointsUnassignedInUnicode8() {
        // Unassigned, a Unicode 14 emoji, Cf characters of Unicode 9 and 14: kept (the Python
        // original drops all four); U+061C, Cf since Unicode 6.3, is dropped.
        XCTAssertEqual(normalizer.normalize("x\u{378}y x\u{1FAE0}y x\u{8E2}y x\u{890}y x\u{61C}y"),
                       "x\u{378}y x\u{1FAE0}y x\u{8E2}y x\u{890}y xy")
    }

    func testNonspacingMarksAreThoseOfUnicode8() {
        // U+1734 was Mn (Mc now): stripped. U+1885 was Lo (Mn now): kept.
        XCTAssertEqual(normalizer.normalize("a\u{1734}b a\u{1885}b"), "ab a\u{1885}b")
    }

    func testCJKRangesIncludingTheRustTypo() {
        XCTAssertEqual(normalizer.normalize("hello世界test"), "hello 世  界 test")
        // U+2B820 is not isolated (the Rust range starts at U+2B920).
        XCTAssertEqual(normalizer.normalize("x\u{2B820}y\u{2B920}z\u{4E00}"), "x\u{2B820}y \u{2B920} z \u{4E00} ")
    }

    func testLowerCasingIsPerCodePoint() {
        let keepsAccents = BertNormalizer(stripsAccents: false)
        // No Final_Sigma rule: every capital sigma becomes σ.
        XCTAssertEqual(keepsAccents.normalize("ΟΔΟΣ Σ ΣΑΣ."), "οδοσ σ σασ.")
        XCTAssertEqual(scalars(keepsAccents.normalize("İ")), ["i", "\u{307}"])
        // Accents are stripped before lower-casing.
        XCTAssertEqual(normalizer.normalize("İ"), "i")
        // No NFC: a decomposed letter stays decomposed when accents are kept.
        XCTAssertEqual(scalars(keepsAccents.normalize("E\u{301}")), ["e", "\u{301}"])
    }

    func testNFDUsesUnicode9Tables() {
        // A decomposed mark of class 129 moves before a class-230 mark (Foundation alone does not).
        XCTAssertEqual(BertNormalizer.nfd(scalars("\u{36C}\u{F81}")), scalars("\u{F71}\u{F80}\u{36C}"))
        XCTAssertEqual(BertNormalizer.nfd(scalars("a\u{301}\u{316}")), scalars("a\u{316}\u{301}"))
        // U+1DF6 (Unicode 10) has class 0 in Unicode 9.0's tables: nothing moves past it.
        XCTAssertEqual(BertNormalizer.nfd(scalars("a\u{1DF6}\u{316}")), scalars("a\u{1DF6}\u{316}"))
        // U+11938 (Unicode 13) does not decompose there.
        XCTAssertEqual(BertNormalizer.nfd(scalars("\u{11938}")), scalars("\u{11938}"))
        XCTAssertEqual(BertNormalizer.nfd(scalars("\u{AC01}\u{1E69}")),
                       scalars("\u{1100}\u{1161}\u{11A8}s\u{323}\u{307}"))
        // Kept spacing marks are put in canonical order too.
        let stripsOnly = BertNormalizer(lowercases: false, stripsAccents: true)
        XCTAssertEqual(stripsOnly.normalize("a\u{1D16D}\u{1D165}\u{301} É\u{AC01}"),
                       "a\u{1D165}\u{1D16D} E\u{1100}\u{1161}\u{11A8}")
    }

    func testWorksOnScalarsNotGraphemes() {
        // A word of combining marks only disappears with the accents.
        XCTAssertEqual(normalizer.normalize("\u{301}\u{302} x"), " x")
        XCTAssertEqual(BertNormalizer(lowercases: false).normalize("カタカナ 한국"), "カタカナ 한국")
    }
}
