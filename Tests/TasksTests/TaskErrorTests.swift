import Foundation
import XCTest
@testable import Tasks

/// Bad input gives a typed `TaskError` whose message names the file, the line and what was expected.
final class TaskErrorTests: XCTestCase {
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws { folder = try TemporaryDirectory() }
    override func tearDown() { folder = nil }

    /// Asserts that `body` throws a TaskError whose message contains every one of `fragments`.
    private func assertError(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected an error containing \(fragments)", file: file, line: line)
        } catch let error as TaskError {
            let message = error.description
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "\"\(message)\" lacks \"\(fragment)\"", file: file, line: line)
            }
        } catch {
            XCTFail("expected a TaskError, got \(error)", file: file, line: line)
        }
    }

    private func glue(_ kind: GLUETaskKind) -> GLUETask {
        GLUETask(kind, directory: folder.url.appendingPathComponent(kind.folderName))
    }

    func testMissingFolderAndFile() throws {
        assertError(["RTE: folder not found", "GLUE RTE task folder"]) { _ = try glue(.rte).load(.train) }
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("RTE"), withIntermediateDirectories: true)
        assertError(["RTE/dev.tsv: file not found", "4 tab-separated columns"]) { _ = try glue(.rte).load(.dev) }
        let missing = folder.url.appendingPathComponent("nope.csv")
        assertError(["nope.csv: file not found"]) {
            _ = try GenericTask(name: "g", files: [.train: missing], textColumn: "t", labelNames: ["a", "b"]).load(.train)
        }
    }

    func testWrongColumnCount() throws {
        try folder.writeTSV("RTE/train.tsv", [["index", "sentence1", "sentence2", "label"], ["0", "a", "b", "entailment"],
                                              ["1", "a\tstray tab", "b", "entailment"]])
        assertError(["RTE/train.tsv:3:", "5 columns, expected 4"]) { _ = try glue(.rte).load(.train) }
        // CoLA without its header: line numbers count from the first row.
        try folder.writeTSV("CoLA/train.tsv", [["gj04", "1", "", "Fine."], ["gj04", "1", "Missing the original label."]])
        assertError(["CoLA/train.tsv:2:", "3 columns, expected 4"]) { _ = try glue(.cola).load(.train) }
        let csv = try folder.write("train.csv", "text,label\n\"a, b\",1\nc,1,extra\n")
        assertError(["train.csv:3:", "3 columns, expected 2"]) {
            _ = try GenericTask(name: "g", files: [.train: csv], textColumn: "text", labelNames: ["0", "1"]).load(.train)
        }
    }

    func testHeaderThatDoesNotMatchTheTask() throws {
        // An SST-2 file in the RTE folder: right column count, wrong names.
        try folder.writeTSV("SST-2/train.tsv", [["label", "sentence"], ["1", "good"]])
        assertError(["SST-2/train.tsv:1:", "header column 1 is \"label\", expected \"sentence\""]) { _ = try glue(.sst2).load(.train) }
        try folder.writeTSV("MNLI/dev_matched.tsv", [["index", "sentence1", "sentence2", "gold_label"]])
        assertError(["MNLI/dev_matched.tsv:1:", "4 columns, expected 16"]) { _ = try glue(.mnli).load(.dev) }
    }

    func testUnknownLabelAndInvalidScore() throws {
        try folder.writeTSV("MNLI/train.tsv", [Array(repeating: "h", count: 8) + ["sentence1", "sentence2", "label1", "gold_label"],
                                               Array(repeating: "x", count: 10) + ["neutral", "Neutral"]])
        assertError(["MNLI/train.tsv:2:", "unknown label \"Neutral\"", "contradiction, entailment, neutral"]) {
            _ = try glue(.mnli).load(.train)
        }
        let header = ["index", "genre", "filename", "year", "old_index", "source1", "source2", "sentence1", "sentence2", "score"]
        try folder.writeTSV("STS-B/dev.tsv", [header, Array(repeating: "x", count: 9) + ["4.0"], Array(repeating: "x", count: 9) + ["high"]])
        assertError(["STS-B/dev.tsv:3:", "\"score\" is \"high\", expected a finite number"]) { _ = try glue(.stsb).load(.dev) }
        let jsonl = try folder.write("train.jsonl", "{\"text\": \"a\", \"label\": \"pos\"}\n{\"text\": \"b\", \"label\": \"neutral\"}\n")
        assertError(["train.jsonl:2:", "unknown label \"neutral\"", "neg, pos"]) {
            _ = try GenericTask(name: "g", files: [.train: jsonl], textColumn: "text", labelNames: ["neg", "pos"]).load(.train)
        }
    }

    func testRepeatedLabelNamesAreRefused() throws {
        // --labels pos,neg,pos: the second "pos" could never be predicted, and its rows would read as the first.
        let jsonl = try folder.write("train.jsonl", "{\"text\": \"a\", \"label\": \"pos\"}\n")
        assertError(["task g: label \"pos\" is given twice in the label names (pos,neg,pos); expected distinct names"]) {
            _ = try GenericTask(name: "g", files: [.train: jsonl], textColumn: "text", labelNames: ["pos", "neg", "pos"]).load(.train)
        }
    }

    func testEmptySplit() throws {
        try folder.writeTSV("QNLI/dev.tsv", [["index", "question", "sentence", "label"]])
        assertError(["QNLI/dev.tsv:", "the dev split has no examples"]) { _ = try glue(.qnli).load(.dev) }
        try folder.write("CoLA/train.tsv", "")
        assertError(["CoLA/train.tsv:", "the train split has no examples"]) { _ = try glue(.cola).load(.train) }
        let jsonl = try folder.write("test.jsonl", "\n  \n")
        assertError(["test.jsonl:", "the test split has no examples"]) {
            _ = try GenericTask(name: "g", files: [.test: jsonl], textColumn: "text", labelNames: ["0", "1"]).load(.test)
        }
    }

    func testMissingColumn() throws {
        let csv = try folder.write("dev.csv", "sentence,label\nhello,1\n")
        assertError(["dev.csv:1:", "no column \"text\"", "found: sentence, label"]) {
            _ = try GenericTask(name: "g", files: [.dev: csv], textColumn: "text", labelNames: ["0", "1"]).load(.dev)
        }
        let noLabel = try folder.write("train.csv", "text\nhello\n")
        assertError(["train.csv:1:", "no column \"label\""]) {
            _ = try GenericTask(name: "g", files: [.train: noLabel], textColumn: "text", labelNames: ["0", "1"]).load(.train)
        }
        let jsonl = try folder.write("train.jsonl", "{\"text\": \"a\", \"label\": \"1\"}\n{\"txt\": \"b\", \"label\": \"1\"}\n")
        assertError(["train.jsonl:2:", "no column \"text\"", "found: label, txt"]) {
            _ = try GenericTask(name: "g", files: [.train: jsonl], textColumn: "text", labelNames: ["0", "1"]).load(.train)
        }
        let wrongType = try folder.write("dev.jsonl", "{\"text\": 5, \"label\": \"1\"}\n")
        assertError(["dev.jsonl:1:", "column \"text\": expected a string, found a number"]) {
            _ = try GenericTask(name: "g", files: [.dev: wrongType], textColumn: "text", labelNames: ["0", "1"]).load(.dev)
        }
    }

    func testMalformedJSONLine() throws {
        let jsonl = try folder.write("train.jsonl", "{\"text\": \"a\", \"label\": \"1\"}\n\n{\"text\": \"b\", \"label\": \"1\"\n")
        assertError(["train.jsonl:3:", "malformed JSON line", "one JSON object per line"]) {
            _ = try GenericTask(name: "g", files: [.train: jsonl], textColumn: "text", labelNames: ["0", "1"]).load(.train)
        }
        let array = try folder.write("dev.jsonl", "[\"text\", \"label\"]\n")
        assertError(["dev.jsonl:1:", "not a JSON object"]) {
            _ = try GenericTask(name: "g", files: [.dev: array], textColumn: "text", labelNames: ["0", "1"]).load(.dev)
        }
    }

    func testInvalidUTF8() throws {
        let url = folder.url.appendingPathComponent("SST-2/train.tsv")
        try folder.writeTSV("SST-2/train.tsv", [["sentence", "label"], ["fine", "1"]])
        var data = try Data(contentsOf: url)
        data.append(contentsOf: [0x62, 0xFF, 0x09, 0x30, 0x0A])
        try data.write(to: url)
        assertError(["SST-2/train.tsv", "invalid UTF-8 on line 3"]) { _ = try glue(.sst2).load(.train) }
    }

    func testAMissingSplitIsNamedAsTheOptionSpellsIt() {
        assertError(["task rte has no dev-mismatched split"]) { _ = try glue(.rte).load(.devMismatched) }
    }
}
