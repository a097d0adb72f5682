import Foundation
import XCTest
@testable import Tasks

/// RFC 4180 parsing, and the cases RFC 4180 leaves open decided as Python's csv module does.
final class CSVReaderTests: XCTestCase {
    private let url = URL(fileURLWithPath: "/nowhere/test.csv")

    private func parse(_ text: String) throws -> [[String]] {
        try CSVReader.parse(Array(text.utf8), url: url).map(\.fields)
    }

    func testQuotedFieldsHoldDelimitersQuotesAndLineBreaks() throws {
        XCTAssertEqual(try parse("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"\"\n"),
                       [["a", "b"], ["x, y", "say \"hi\""], ["two\nlines", ""]])
        // CRLF records; a CRLF inside quotes is kept as it is.
        XCTAssertEqual(try parse("a,b\r\n\"1\r\n2\",3\r\n"), [["a", "b"], ["1\r\n2", "3"]])
    }

    func testLineNumbersAreThoseOfTheRecordStart() throws {
        let records = try CSVReader.parse(Array("h\n\"a\nb\nc\"\nd\n".utf8), url: url)
        XCTAssertEqual(records.map(\.line), [1, 2, 5])
    }

    func testOpenCasesFollowPython() throws {
        // A quote inside an unquoted field is ordinary; text after a closing quote is appended.
        XCTAssertEqual(try parse("ab\"c\"d,\"x\"y\n"), [["ab\"c\"d", "xy"]])
        // Blank lines are skipped; empty fields are kept; no final newline needed.
        XCTAssertEqual(try parse("a,,\n\n,b"), [["a", "", ""], ["", "b"]])
    }

    func testUnterminatedQuoteIsAnError() {
        XCTAssertThrowsError(try parse("a\n\"open,\nstill open\n")) { error in
            XCTAssertEqual(error as? TaskError, .malformedCSV(url, line: 2, reason: "a quoted field opened in this record is never closed"))
            XCTAssertTrue("\(error)".contains("test.csv:2:"))
        }
    }

    func testTSVSplitsEveryTabAndKeepsQuotes() {
        let rows = TSVReader.split(Array("a\t\"b\tc\"\n\nd\r\ne\t".utf8))
        XCTAssertEqual(rows.map { $0.fields.map { String(decoding: $0, as: UTF8.self) } },
                       [["a", "\"b", "c\""], [], ["d"], ["e", ""]])
        XCTAssertEqual(rows.map(\.line), [1, 2, 3, 4])
    }
}
