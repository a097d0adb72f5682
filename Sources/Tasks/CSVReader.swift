import Foundation

/// Comma-separated files with RFC 4180 quoting: a field that starts with `"` runs to the next
/// lone `"`, may hold commas and line breaks, and writes a quote as `""`.
///
/// Where RFC 4180 leaves a case open the reader does what Python's `csv.reader` does with its
/// defaults (`doublequote=True`, `strict=False`), so that the Python reference scripts parse the
/// same records: a `"` inside an unquoted field is an ordinary character; text after a closing
/// quote is appended to the field; records end at "\n", "\r\n" or "\r"; blank lines are skipped.
/// One case is stricter: a quoted field still open at the end of the file is an error.
struct CSVReader {
    /// One record: the 1-based line it starts on and its fields.
    struct Record {
        let line: Int
        let fields: [String]
    }

    /// The file read (without a byte order mark).
    let url: URL
    /// The records in file order, the header included.
    let records: [Record]

    /// Reads and parses `url`; `expected` describes the file for a "not found" message.
    init(url: URL, expected: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(TaskError) {
        self.url = url
        self.records = try Self.parse(try TextFile.bytes(of: url, expected: expected), delimiter: delimiter, url: url)
    }

    private enum State { case startField, unquoted, quoted, quoteInQuoted }

    /// Parses bytes into records.
    static func parse(_ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ","), url: URL) throws(TaskError) -> [Record] {
        let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var state = State.startField
        var line = 1
        var recordLine = 1
        var index = 0

        func endField() throws(TaskError) {
            guard let string = String(validating: field, as: UTF8.self) else {
                throw .unreadableFile(url, reason: "invalid UTF-8 in the record starting on line \(recordLine)")
            }
            fields.append(string)
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() throws(TaskError) {
            try endField()
            // A blank line gives one empty field: skipped, as csv.DictReader skips it.
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
            state = .startField
        }
        // Consumes a line break at `index` ("\r\n" counts once) and counts the line.
        func skipLineBreak() {
            if bytes[index] == carriageReturn && index + 1 < bytes.count && bytes[index + 1] == newline { index += 1 }
            line += 1
        }

        while index < bytes.count {
            let byte = bytes[index]
            let isLineBreak = byte == newline || byte == carriageReturn
            switch state {
            case .startField:
                if fields.isEmpty && field.isEmpty { recordLine = line }
                if byte == quote {
                    state = .quoted
                } else if byte == delimiter {
                    try endField()
                } else if isLineBreak {
                    try endRecord()
                    skipLineBreak()
                } else {
                    field.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                if byte == delimiter {
                    try endField()
                    state = .startField
                } else if isLineBreak {
                    try endRecord()
                    skipLineBreak()
                } else {
                    field.append(byte)
                }
            case .quoted:
                if byte == quote {
                    state = .quoteInQuoted
                } else {
                    field.append(byte)
                    if isLineBreak {
                        if byte == carriageReturn && index + 1 < bytes.count && bytes[index + 1] == newline {
                            field.append(newline)
                            index += 1
                        }
                        line += 1
                    }
                }
            case .quoteInQuoted:
                if byte == quote {
                    field.append(quote)
                    state = .quoted
                } else if byte == delimiter {
                    try endField()
                    state = .startField
                } else if isLineBreak {
                    try endRecord()
                    skipLineBreak()
                } else {
                    field.append(byte)
                    state = .unquoted
                }
            }
            index += 1
        }
        switch state {
        case .quoted:
            throw .malformedCSV(url, line: recordLine, reason: "a quoted field opened in this record is never closed")
        case .startField where fields.isEmpty && field.isEmpty:
            break
        default:
            try endRecord()
        }
        return records
    }
}
