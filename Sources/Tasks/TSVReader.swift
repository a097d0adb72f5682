import Foundation

/// Tab-separated files as GLUE distributes them: one row per line, fields split on every tab,
/// no quoting at all.
///
/// This is what transformers' `DataProcessor._read_tsv` reads (`csv.reader(f, delimiter="\t",
/// quotechar=None)` on a file opened with `encoding="utf-8-sig"`): a `"` is an ordinary
/// character (MRPC and SST-2 texts contain stray quotes that a quoting reader would merge into
/// other rows), and lines end at "\n", "\r\n" or a lone "\r" (Python's universal newlines). An
/// empty line is a row with no fields; the final line ending does not start a row.
struct TSVReader {
    /// One line of the file: its 1-based line number and its fields as UTF-8 bytes.
    struct Row {
        let line: Int
        let fields: [ArraySlice<UInt8>]
    }

    /// The file read (without a byte order mark).
    let url: URL
    /// The rows in file order.
    let rows: [Row]

    /// Reads and splits `url`; `expected` describes the file for a "not found" message.
    init(url: URL, expected: String) throws(TaskError) {
        self.url = url
        self.rows = Self.split(try TextFile.bytes(of: url, expected: expected))
    }

    /// Splits bytes into rows and fields.
    static func split(_ bytes: [UInt8]) -> [Row] {
        var rows: [Row] = []
        var fields: [ArraySlice<UInt8>] = []
        var fieldStart = 0
        var line = 1
        var index = 0
        let count = bytes.count
        func endRow(at end: Int) {
            fields.append(bytes[fieldStart ..< end])
            // An empty line is a row with no fields, as Python's csv.reader gives [].
            if fields.count == 1 && fields[0].isEmpty { fields = [] }
            rows.append(Row(line: line, fields: fields))
            fields = []
            line += 1
        }
        while index < count {
            switch bytes[index] {
            case UInt8(ascii: "\t"):
                fields.append(bytes[fieldStart ..< index])
                fieldStart = index + 1
            case UInt8(ascii: "\n"):
                endRow(at: index)
                fieldStart = index + 1
            case UInt8(ascii: "\r"):
                endRow(at: index)
                if index + 1 < count && bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
                fieldStart = index + 1
            default:
                break
            }
            index += 1
        }
        if fieldStart < count || !fields.isEmpty { endRow(at: count) }
        return rows
    }
}
