import Foundation
import XCTest
@testable import Tasks

/// Tasks from CSV, TSV and JSON Lines files with named columns.
final class GenericTaskTests: XCTestCase {
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws { folder = try TemporaryDirectory() }
    override func tearDown() { folder = nil }

    func testCSVWithQuotesCommasAndNewlines() throws {
        let train = try folder.write("train.csv", """
            id,review,verdict
            1,"Loud, long, and ""fun"".",good
            2,"Two lines:
            the second one, too.",bad
            3,plain text,good

            """)
        let test = try folder.write("test.csv", "id,review\n9,\"unlabelled, quoted\"\n")
        let task = GenericTask(name: "reviews", files: [.train: train, .test: test], textColumn: "review",
                               labelColumn: "verdict", labelNames: ["bad", "good"])
        XCTAssertEqual(task.splits, [.train, .test])
        XCTAssertEqual(try task.load(.train).examples, [
            Example(text: "Loud, long, and \"fun\".", label: .classIndex(1)),
            Example(text: "Two lines:\nthe second one, too.", label: .classIndex(0)),
            Example(text: "plain text", label: .classIndex(1)),
        ])
        XCTAssertEqual(try task.load(.test).examples, [Example(text: "unlabelled, quoted")])
        XCTAssertEqual(task.definition.metrics, [.accuracy, .f1, .matthews])
    }

    func testTSVPairsAndRegression() throws {
        let dev = try folder.write("dev.tsv", "first\tsecond\tscore\nA \"quoted\" start\tB\t4.5\nC\tD\t0\n")
        let task = GenericTask(name: "similarity", files: [.dev: dev], textColumn: "first", pairColumn: "second",
                               labelColumn: "score", isRegression: true)
        XCTAssertEqual(try task.load(.dev).examples, [Example(text: "A \"quoted\" start", pair: "B", label: .value(4.5)),
                                                     Example(text: "C", pair: "D", label: .value(0))])
        XCTAssertEqual(task.definition.primaryMetric, .pearson)
    }

    func testJSONLines() throws {
        let train = try folder.write("train.jsonl", """
            {"premise": "A man sleeps.", "hypothesis": "A person rests.", "label": "entailment"}

            {"premise": "Rain, \\"heavy\\".", "hypothesis": "Dry.", "label": "contradiction", "extra": [1, 2]}
            {"premise": "x", "hypothesis": "y", "label": 2}

            """)
        let test = try folder.write("test.jsonl", "{\"premise\": \"p\", \"hypothesis\": \"h\"}\n{\"premise\": \"q\", \"hypothesis\": \"i\", \"label\": null}\n")
        let task = GenericTask(name: "nli", files: [.train: train, .test: test], textColumn: "premise", pairColumn: "hypothesis",
                               labelNames: ["entailment", "contradiction", "2"])
        XCTAssertEqual(try task.load(.train).examples, [
            Example(text: "A man sleeps.", pair: "A person rests.", label: .classIndex(0)),
            Example(text: "Rain, \"heavy\".", pair: "Dry.", label: .classIndex(1)),
            Example(text: "x", pair: "y", label: .classIndex(2)),
        ])
        XCTAssertEqual(try task.load(.test).examples, [Example(text: "p", pair: "h"), Example(text: "q", pair: "i")])
        XCTAssertEqual(task.definition.metrics, [.accuracy, .matthews])
    }

    func testFormatFollowsTheExtensionUnlessGiven() throws {
        let file = try folder.write("data.txt", "text\tlabel\na, b\t1\n")
        let asTSV = GenericTask(name: "t", files: [.train: file], textColumn: "text", labelNames: ["0", "1"], format: .tsv)
        XCTAssertEqual(try asTSV.load(.train).examples, [Example(text: "a, b", label: .classIndex(1))])
        XCTAssertEqual(GenericTask.Format.inferred(from: URL(fileURLWithPath: "x.JSONL")), .jsonl)
    }
}
