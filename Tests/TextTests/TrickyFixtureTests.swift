import Foundation
import XCTest
import TestSupport
@testable import Text

/// Parity with transformers 5's (Rust-backed) BertTokenizer on hand-picked hard inputs (accents,
/// CJK, emoji, control and format characters, whitespace, long words, punctuation, special tokens,
/// truncation, empty pairs, padding, decoding).
final class TrickyFixtureTests: XCTestCase {
    /// Runs on the vocabulary subset stored in the fixture, so it needs no downloaded files.
    func testFixtureWithStoredVocabularySubset() throws {
        let (fixture, config) = try TrickyFixture.load()
        let configuration = try TokenizerConfiguration(json: config, url: URL(fileURLWithPath: "tokenizer_config.json"))
        let tokenizer = try BertTokenizer(vocabulary: fixture.vocabulary(), configuration: configuration)
        check(tokenizer, against: fixture, label: "vocabulary subset")
    }

    /// Runs on the real MiniLM files in `cache/minilm/` when `scripts/setup-data.sh` has fetched them.
    func testFixtureWithMiniLMFiles() throws {
        let tokenizer = try BertTokenizer(directory: try requireMiniLM())
        let (fixture, _) = try TrickyFixture.load()
        XCTAssertEqual(tokenizer.vocabulary.count, fixture.vocabularySize)
        check(tokenizer, against: fixture, label: "cache/minilm")
    }

    /// The fixture tests tokenisation, not Unicode versions: every code point in it was assigned
    /// by Unicode 8.0 (the Rust tokenizer's category tables) with the category it still has in
    /// Swift's tables, except U+0378 and U+0379, never assigned.
    func testFixtureAvoidsCodePointsWhoseCategoryChangedSinceUnicode8() throws {
        let (fixture, _) = try TrickyFixture.load()
        var texts = fixture.singles.map(\.text)
        texts += fixture.truncations.flatMap { [$0.text] + ($0.pair.map { [$0] } ?? []) }
        texts += fixture.batches.flatMap { $0.texts + ($0.pairs ?? []) }
        var offending = Set<String>()
        for scalar in texts.flatMap(\.unicodeScalars) where scalar.value != 0x378 && scalar.value != 0x379 {
            if scalar.properties.generalCategory != scalar.generalCategoryInUnicode8 {
                offending.insert("U+" + String(scalar.value, radix: 16, uppercase: true))
            }
        }
        XCTAssertEqual(offending, [], "code points assigned after Unicode 8.0 or recategorised since")
    }

    private func check(_ tokenizer: BertTokenizer, against fixture: TrickyFixture, label: String) {
        var mismatches: [String] = []
        func expect<T: Equatable>(_ actual: T, _ expected: T, _ what: @autoclosure () -> String) {
            if actual != expected { mismatches.append("\(what()): got \(actual), expected \(expected)") }
        }
        for single in fixture.singles {
            let text = single.text.debugDescription
            expect(tokenizer.tokenize(single.text), single.tokens, "tokenize(\(text))")
            let encoding = tokenizer.encode(single.text)
            expect(encoding, single.encoded.encoding, "encode(\(text))")
            expect(tokenizer.encode(single.text, maxLength: single.paddedMaxLength, padding: .maxLength),
                   single.padded.encoding, "encode(\(text), maxLength: \(single.paddedMaxLength), padding: .maxLength)")
            expect(tokenizer.decode(encoding.ids), single.decoded, "decode(encode(\(text)))")
            expect(tokenizer.decode(encoding.ids, skipSpecialTokens: true), single.decodedSkippingSpecialTokens,
                   "decode(encode(\(text)), skipSpecialTokens: true)")
            expect(tokenizer.decode(encoding.ids, cleansUpTokenizationSpaces: true), single.decodedCleaningUpSpaces,
                   "decode(encode(\(text)), cleansUpTokenizationSpaces: true)")
        }
        for truncation in fixture.truncations {
            let call = "encode(\(truncation.text.debugDescription), pair: \(String(describing: truncation.pair)), "
                + "maxLength: \(truncation.maxLength)"
            expect(tokenizer.encode(truncation.text, pair: truncation.pair, maxLength: truncation.maxLength),
                   truncation.encoded.encoding, call + ")")
            expect(tokenizer.encode(truncation.text, pair: truncation.pair, maxLength: truncation.maxLength,
                                    padding: .maxLength),
                   truncation.padded.encoding, call + ", padding: .maxLength)")
        }
        for batch in fixture.batches {
            let padding: Padding = batch.padding == "longest" ? .longest : .maxLength
            let encodings = tokenizer.encodeBatch(batch.texts, pairs: batch.pairs, maxLength: batch.maxLength,
                                                  padding: padding)
            let call = "encodeBatch(\(batch.texts.count) texts, pairs: \(batch.pairs != nil), "
                + "maxLength: \(String(describing: batch.maxLength)), padding: \(padding))"
            expect(encodings.map(\.ids), batch.inputIds, call + ".ids")
            expect(encodings.map(\.tokenTypeIds), batch.tokenTypeIds, call + ".tokenTypeIds")
            expect(encodings.map(\.attentionMask), batch.attentionMask, call + ".attentionMask")
        }
        let cases = fixture.singles.count + fixture.truncations.count + fixture.batches.count
        print("tricky fixture (\(label)): \(cases) cases compared (\(fixture.singles.count) texts, "
              + "\(fixture.truncations.count) truncations, \(fixture.batches.count) batches) with "
              + "\(fixture.reference), \(mismatches.count) mismatches")
        for mismatch in mismatches.prefix(20) { print("  mismatch: \(mismatch)") }
        XCTAssertEqual(mismatches.count, 0, "mismatches against the reference (\(label)); first: \(mismatches.first ?? "")")
    }
}
