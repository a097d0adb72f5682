import Foundation

/// JSON Lines files: one JSON object per line. Lines holding only whitespace are skipped.
struct JSONLinesReader {
    /// A JSON value as far as tasks need it: scalars, and anything else as `.other`.
    enum Value: Decodable, Equatable {
        case string(String)
        case integer(Int)
        case number(Double)
        case bool(Bool)
        case null
        /// An array or an object.
        case other

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null; return }
            if let value = try? container.decode(Bool.self) { self = .bool(value); return }
            if let value = try? container.decode(Int.self) { self = .integer(value); return }
            if let value = try? container.decode(Double.self) { self = .number(value); return }
            if let value = try? container.decode(String.self) { self = .string(value); return }
            self = .other
        }

        /// What the value is, for messages.
        var kind: String {
            switch self {
            case .string: return "a string"
            case .integer, .number: return "a number"
            case .bool: return "a boolean"
            case .null: return "null"
            case .other: return "an array or object"
            }
        }
    }

    /// One line: its 1-based number and its object's members.
    struct Row {
        let line: Int
        let object: [String: Value]
    }

    /// The file read.
    let url: URL
    /// The objects in file order.
    let rows: [Row]

    /// Reads and parses `url`; `expected` describes the file for a "not found" message.
    init(url: URL, expected: String) throws(TaskError) {
        self.url = url
        let bytes = try TextFile.bytes(of: url, expected: expected)
        let decoder = JSONDecoder()
        var rows: [Row] = []
        for (offset, lineBytes) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = offset + 1
            if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let text = try TextFile.string(lineBytes, url: url, line: line)
            let object: [String: Value]
            do {
                object = try decoder.decode([String: Value].self, from: Data(text.utf8))
            } catch DecodingError.typeMismatch {
                throw .malformedJSON(url, line: line, reason: "not a JSON object")
            } catch {
                throw .malformedJSON(url, line: line, reason: Self.reason(error))
            }
            rows.append(Row(line: line, object: object))
        }
        self.rows = rows
    }

    /// A short reason from a decoding error.
    private static func reason(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}
