import Foundation

/// An error a user can cause when loading a task: a missing or malformed file, a bad row or label.
///
/// Every message names the file, the line (1-based, counting the header) and what was expected.
public enum TaskError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No task of that name is registered.
    case unknownTask(String, known: [String])
    /// The task folder does not exist.
    case missingDirectory(URL, task: String)
    /// A split's file does not exist.
    case missingFile(URL, expected: String)
    /// The file exists but cannot be read as UTF-8 text.
    case unreadableFile(URL, reason: String)
    /// The task has no such split (e.g. `.devMismatched` outside MNLI).
    case splitNotAvailable(task: String, split: Split)
    /// A row has the wrong number of tab- or comma-separated columns.
    case wrongColumnCount(URL, line: Int, found: Int, expected: Int)
    /// The header row does not name the expected column at a position.
    case unexpectedHeader(URL, line: Int, column: Int, found: String, expected: String)
    /// A named column is missing from a CSV/TSV header or a JSON object.
    case missingColumn(URL, line: Int, column: String, available: [String])
    /// A label that is not one of the task's label names.
    case unknownLabel(URL, line: Int, label: String, expected: [String])
    /// A regression target (or numeric label) that is not a finite number.
    case invalidNumber(URL, line: Int, column: String, value: String)
    /// A field of the wrong kind, e.g. a JSON text that is not a string.
    case invalidField(URL, line: Int, column: String, reason: String)
    /// A JSON Lines row that is not a JSON object.
    case malformedJSON(URL, line: Int, reason: String)
    /// A CSV record that cannot be parsed (an unterminated quoted field).
    case malformedCSV(URL, line: Int, reason: String)
    /// A split file with no examples.
    case emptySplit(URL, split: Split)
    /// Writing the task cache failed (nothing half-written is left behind).
    case cacheWriteFailed(URL, reason: String)
    /// A label name given more than once: its examples could not be told apart.
    case repeatedLabelName(task: String, label: String, names: [String])
    /// A data option out of range: the option and what was expected.
    case invalidOption(String, expected: String)

    /// A message naming the file, the line and what was expected.
    public var description: String {
        switch self {
        case .unknownTask(let name, let known):
            return "unknown task \"\(name)\"; expected one of: \(known.joined(separator: ", "))"
        case .missingDirectory(let url, let task):
            return "\(url.path): folder not found; expected the \(task) task folder"
        case .missingFile(let url, let expected):
            return "\(url.path): file not found; expected \(expected)"
        case .unreadableFile(let url, let reason):
            return "\(url.path): cannot read the file (\(reason)); expected UTF-8 text"
        case .splitNotAvailable(let task, let split):
            return "task \(task) has no \(split.optionName) split"
        case .wrongColumnCount(let url, let line, let found, let expected):
            return "\(url.path):\(line): \(found) columns, expected \(expected)"
        case .unexpectedHeader(let url, let line, let column, let found, let expected):
            return "\(url.path):\(line): header column \(column + 1) is \"\(found)\", expected \"\(expected)\""
        case .missingColumn(let url, let line, let column, let available):
            return "\(url.path):\(line): no column \"\(column)\"; found: \(available.joined(separator: ", "))"
        case .unknownLabel(let url, let line, let label, let expected):
            return "\(url.path):\(line): unknown label \"\(label)\"; expected one of: \(expected.joined(separator: ", "))"
        case .invalidNumber(let url, let line, let column, let value):
            return "\(url.path):\(line): column \"\(column)\" is \"\(value)\", expected a finite number"
        case .invalidField(let url, let line, let column, let reason):
            return "\(url.path):\(line): column \"\(column)\": \(reason)"
        case .malformedJSON(let url, let line, let reason):
            return "\(url.path):\(line): malformed JSON line (\(reason)); expected one JSON object per line"
        case .malformedCSV(let url, let line, let reason):
            return "\(url.path):\(line): malformed CSV (\(reason))"
        case .emptySplit(let url, let split):
            return "\(url.path): the \(split) split has no examples; expected at least one row"
        case .cacheWriteFailed(let url, let reason):
            return "\(url.path): cannot write the task cache (\(reason))"
        case .repeatedLabelName(let task, let label, let names):
            return "task \(task): label \"\(label)\" is given twice in the label names (\(names.joined(separator: ","))); expected distinct names, in class order"
        case .invalidOption(let option, let expected):
            return "\(option): expected \(expected)"
        }
    }
}
