import Foundation
import XCTest
@testable import Text

/// Post-processing (special tokens, truncation, padding), vocabulary files and decoding, with
/// expectations from transformers 5's Rust-backed `BertTokenizer`.
final class BertTokenizerTests: XCTestCase {
    // ids:                               0        1        2        3        4         5      6      7        8    9      10   11   12   13   14
    let vocabulary = Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "one", "two", "three", "!", "##s", "'", "s", "[", "]", "cl"])
    var tokenizer: BertTokenizer { try! BertTokenizer(vocabulary: vocabulary) }

    func testSingleAndPairLayout() {
        XCTAssertEqual(tokenizer.encode("One two!"),
                       Encoding(ids: [2, 5, 6, 8, 3], tokenTypeIds: [0, 0, 0, 0, 0], attentionMask: [1, 1, 1, 1, 1]))
        XCTAssertEqual(tokenizer.encode("one", pair: "two three"),
                       Encoding(ids: [2, 5, 3, 6, 7, 3], tokenTypeIds: [0, 0, 0, 1, 1, 1], attentionMask: [1, 1, 1, 1, 1, 1]))
    }

    func testEmptyPairIsNoPairButStaysAPairInABatch() {
        // transformers' single-text path tests `if text_pair`; its batch path keeps the pair.
        XCTAssertEqual(tokenizer.encode("one", pair: ""), tokenizer.encode("one"))
        XCTAssertEqual(tokenizer.encode("", pair: "").ids, [2, 3])
        XCTAssertEqual(tokenizer.encode("one", pair: " ").ids, [2, 5, 3, 3])
        let batch = tokenizer.encodeBatch(["one", ""], pairs: ["", ""])
        XCTAssertEqual(batch.map(\.ids), [[2, 5, 3, 3], [2, 3, 3, 0]])
        XCTAssertEqual(batch.map(\.tokenTypeIds), [[0, 0, 0, 1], [0, 0, 1, 0]])
    }

    func testSpecialTokensAreMatchedOnTheRawText() {
        XCTAssertEqual(tokenizer.tokenize("one[MASK]two [SEP]"), ["one", "[MASK]", "two", "[SEP]"])
        // Matching is case-sensitive: "[mask]" is ordinary text.
        XCTAssertEqual(tokenizer.tokenize("[mask]"), ["[", "[UNK]", "]"])
        // Before cleaning: a NUL inside hides the token, and cleaning then drops the NUL.
        XCTAssertEqual(tokenizer.tokenize("[CL\u{0}S]"), ["[", "cl", "##s", "]"])
        XCTAssertEqual(tokenizer.tokenize("[[CLS]]"), ["[", "[CLS]", "]"])
    }

    private func kept(_ a: Int, _ b: Int?, maxLength: Int) -> [Int] {
        var first = Array(repeating: 0, count: a)
        var second: [Int]? = b.map { Array(repeating: 0, count: $0) }
        BertTokenizer.truncateLongestFirst(&first, &second, toFit: maxLength)
        return [first.count] + (second.map { [$0.count] } ?? [])
    }

    func testLongestFirstTruncationAsTheRustLibrary() {
        // The cases of `truncate_encodings_longest_first` in tokenizers' truncation.rs (budget 7).
        XCTAssertEqual(kept(0, 8, maxLength: 10), [0, 7])
        XCTAssertEqual(kept(2, 8, maxLength: 10), [2, 5])
        XCTAssertEqual(kept(4, 4, maxLength: 10), [3, 4])   // a tie: the second keeps the odd token
        XCTAssertEqual(kept(4, 8, maxLength: 10), [3, 4])
        XCTAssertEqual(kept(8, 4, maxLength: 10), [4, 3])   // the longer keeps it
        XCTAssertEqual(kept(8, 8, maxLength: 10), [3, 4])
        // The Python original gives (8, 7) for both: it removes the odd token from the second.
        XCTAssertEqual(kept(20, 10, maxLength: 18), [8, 7])
        XCTAssertEqual(kept(10, 20, maxLength: 18), [7, 8])
        XCTAssertEqual(kept(20, 3, maxLength: 18), [12, 3])
        XCTAssertEqual(kept(10, 10, maxLength: 3), [0, 0])  // budget 0
        XCTAssertEqual(kept(12, nil, maxLength: 5), [3])
    }

    func testMaxLengthBelowTheSpecialTokensTruncatesNothing() {
        XCTAssertEqual(kept(10, 10, maxLength: 2), [10, 10])
        XCTAssertEqual(kept(10, 10, maxLength: 1), [10, 10])
        XCTAssertEqual(kept(10, nil, maxLength: 1), [10])
        XCTAssertEqual(kept(10, nil, maxLength: 2), [0])
        XCTAssertEqual(tokenizer.encode("one two three", maxLength: 1).ids, [2, 5, 6, 7, 3])
        XCTAssertEqual(tokenizer.encode("one two three", pair: "one", maxLength: 2).ids, [2, 5, 6, 7, 3, 5, 3])
    }

    func testTruncationCountsSpecialTokens() {
        let encoding = tokenizer.encode("one two three one two", pair: "three three", maxLength: 7)
        XCTAssertEqual(encoding.ids, [2, 5, 6, 3, 7, 7, 3])
        XCTAssertEqual(tokenizer.encode("one two three", maxLength: 2).ids, [2, 3])
    }

    func testPadding() {
        XCTAssertEqual(tokenizer.encode("one", maxLength: 5, padding: .maxLength),
                       Encoding(ids: [2, 5, 3, 0, 0], tokenTypeIds: [0, 0, 0, 0, 0], attentionMask: [1, 1, 1, 0, 0]))
        XCTAssertEqual(tokenizer.encode("one", padding: .longest).count, 3)
        XCTAssertEqual(tokenizer.encode("one", padding: .maxLength).count, 512)
        let batch = tokenizer.encodeBatch(["one", "one two three"], pairs: ["two", "three"])
        XCTAssertEqual(batch.map(\.ids), [[2, 5, 3, 6, 3, 0, 0], [2, 5, 6, 7, 3, 7, 3]])
        XCTAssertEqual(batch.map(\.tokenTypeIds), [[0, 0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 1, 1]])
        XCTAssertEqual(batch.map(\.attentionMask), [[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1]])
        XCTAssertEqual(tokenizer.encodeBatch(["one", "two"], padding: .none).map(\.count), [3, 3])
    }

    func testVocabularyLinesFollowPythonUniversalNewlines() {
        XCTAssertEqual(Vocabulary.lines(of: "a\r\nb\rc\n\nd"), ["a", "b", "c", "", "d"])
        XCTAssertEqual(Vocabulary.lines(of: "a\n"), ["a"])
        // A duplicate keeps its last id; the shadowed line has no token.
        let duplicated = Vocabulary(tokens: ["x", "y", "x"])
        XCTAssertEqual(duplicated.id(for: "x"), 2)
        XCTAssertNil(duplicated.token(for: 0))
        XCTAssertEqual(duplicated.token(for: 2), "x")
    }

    func testDecode() {
        let ids = tokenizer.encode("one two! three's").ids
        // The Rust decoder cleans up each token alone: " !" goes, " ' " never occurs.
        XCTAssertEqual(tokenizer.decode(ids), "[CLS] one two! three ' s [SEP]")
        XCTAssertEqual(tokenizer.decode(ids, skipSpecialTokens: true), "one two! three ' s")
        XCTAssertEqual(tokenizer.decode(ids, skipSpecialTokens: true, cleansUpTokenizationSpaces: true),
                       "one two! three's")
        // A leading continuation piece keeps its "##"; ids with no token are left out.
        XCTAssertEqual(tokenizer.decode([9, 5, 9, 999, -1]), "##s ones")
    }

    func testDecodeCleanUpFollowsTheConfiguration() throws {
        var configuration = TokenizerConfiguration()
        configuration.cleansUpTokenizationSpaces = true
        let cleaning = try BertTokenizer(vocabulary: vocabulary, configuration: configuration)
        XCTAssertEqual(cleaning.decode(tokenizer.encode("three's").ids, skipSpecialTokens: true), "three's")
        XCTAssertEqual(cleaning.decode(tokenizer.encode("three's").ids, skipSpecialTokens: true,
                                       cleansUpTokenizationSpaces: false), "three ' s")
    }
}
