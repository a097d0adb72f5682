import Foundation
import XCTest
import TestSupport
@testable import Text

/// Parity with transformers 5's (Rust-backed) BertTokenizer on every text of the Rotten Tomatoes
/// corpus (reviews and plot rows), single texts and consecutive pairs, truncated to 128 tokens.
///
/// The fixture is not committed; `scripts/reference/make_tokenizer_fixtures.py rotten-tomatoes`
/// writes it to `cache/fixtures/`. Without it the test is skipped.
final class RottenTomatoesParityTests: XCTestCase {
    private struct Fixture: Decodable {
        let reference: String
        let maxLength: Int
        let texts: [String]
        let inputIds: [[Int]]
        let pairs: [[String]]
        let pairInputIds: [[Int]]
        let pairTokenTypeIds: [[Int]]

        enum CodingKeys: String, CodingKey {
            case reference, texts, pairs
            case maxLength = "max_length", inputIds = "input_ids", pairInputIds = "pair_input_ids"
            case pairTokenTypeIds = "pair_token_type_ids"
        }
    }

    func testEveryTextMatchesReference() throws {
        let url = try Repository.requireCache("fixtures/tokenizer_rotten_tomatoes.json", makeWith: "scripts/make-fixtures.sh")
        let tokenizer = try BertTokenizer(directory: try requireMiniLM())
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(fixture.texts.count, fixture.inputIds.count)
        XCTAssertEqual(fixture.pairs.count, fixture.pairInputIds.count)

        var mismatches: [String] = []
        for (text, expected) in zip(fixture.texts, fixture.inputIds) {
            let ids = tokenizer.encode(text, maxLength: fixture.maxLength).ids
            if ids != expected { mismatches.append("\(text.debugDescription): got \(ids), expected \(expected)") }
        }
        for (index, pair) in fixture.pairs.enumerated() {
            let encoding = tokenizer.encode(pair[0], pair: pair[1], maxLength: fixture.maxLength)
            if encoding.ids != fixture.pairInputIds[index] || encoding.tokenTypeIds != fixture.pairTokenTypeIds[index] {
                mismatches.append("pair \(index) \(pair[0].prefix(40).debugDescription): got \(encoding.ids), "
                    + "expected \(fixture.pairInputIds[index])")
            }
        }
        print("Rotten Tomatoes parity: \(fixture.texts.count) texts and \(fixture.pairs.count) pairs compared with "
              + "\(fixture.reference) (max_length \(fixture.maxLength)), \(mismatches.count) mismatches")
        for mismatch in mismatches.prefix(10) { print("  mismatch: \(mismatch)") }
        XCTAssertEqual(mismatches.count, 0)
    }
}
