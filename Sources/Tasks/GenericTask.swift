import Foundation

/// A task from your own files: CSV (RFC 4180 quoting), TSV (tabs, no quoting) or JSON Lines, with
/// named text, optional pair, and label columns.
///
///     let reviews = GenericTask(
///         name: "reviews", files: [.train: trainURL, .dev: devURL],
///         textColumn: "review", labelColumn: "stars", labelNames: ["bad", "good"])
///     let train = try reviews.load(.train)
///
/// CSV and TSV files start with a header naming the columns; JSON Lines rows are objects. Class
/// labels must be one of `labelNames` (a JSON integer label `1` reads as "1"); regression labels
/// are numbers. The label column may be absent from test files (their examples get no label);
/// elsewhere it is required.
public struct GenericTask: TaskSource {
    /// A file format.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Comma-separated, RFC 4180 quoting, header row.
        case csv
        /// Tab-separated, no quoting, header row.
        case tsv
        /// One JSON object per line.
        case jsonl

        /// The format a file name's extension implies (.csv, .tsv, .jsonl / .json), or nil.
        public static func inferred(from url: URL) -> Format? {
            switch url.pathExtension.lowercased() {
            case "csv": return .csv
            case "tsv", "tab": return .tsv
            case "jsonl", "json", "ndjson": return .jsonl
            default: return nil
            }
        }
    }

    /// Name, labels and metrics.
    public let definition: TaskDefinition
    /// The file of each split.
    public let files: [Split: URL]
    /// The column (JSON key) holding the text.
    public let textColumn: String
    /// The column holding the second text, for pair tasks.
    public let pairColumn: String?
    /// The column holding the label.
    public let labelColumn: String
    /// The format of every file; nil infers it from each file's extension (else CSV).
    public let format: Format?

    /// A task from files and column names; `labelNames` are required for classification.
    ///
    /// Metrics default to accuracy (primary), F1 and Matthews correlation for two classes, accuracy
    /// and Matthews correlation for more, Pearson (primary) and Spearman for regression.
    public init(name: String, files: [Split: URL], textColumn: String, pairColumn: String? = nil,
                labelColumn: String = "label", labelNames: [String] = [], isRegression: Bool = false,
                metrics: [Metric]? = nil, primaryMetric: Metric? = nil, format: Format? = nil) {
        let defaultMetrics: [Metric] = isRegression ? [.pearson, .spearman]
            : (labelNames.count == 2 ? [.accuracy, .f1, .matthews] : [.accuracy, .matthews])
        let metrics = metrics ?? defaultMetrics
        self.definition = TaskDefinition(name: name, labelNames: isRegression ? [] : labelNames, isRegression: isRegression,
                                         metrics: metrics, primaryMetric: primaryMetric ?? metrics[0])
        self.files = files
        self.textColumn = textColumn
        self.pairColumn = pairColumn
        self.labelColumn = labelColumn
        self.format = format
    }

    /// The splits that have a file, in `Split` order.
    public var splits: [Split] { Split.allCases.filter { files[$0] != nil } }

    /// Reads `split`'s file.
    public func load(_ split: Split) throws(TaskError) -> Dataset {
        var seen = Set<String>()
        if let repeated = definition.labelNames.first(where: { !seen.insert($0).inserted }) {
            throw .repeatedLabelName(task: definition.name, label: repeated, names: definition.labelNames)
        }
        guard let url = files[split] else { throw .splitNotAvailable(task: definition.name, split: split) }
        let format = self.format ?? Format.inferred(from: url) ?? .csv
        let expected = "the \(split) file of task \(definition.name) (\(format.rawValue.uppercased()))"
        let examples: [Example]
        switch format {
        case .csv:
            let records = try CSVReader(url: url, expected: expected).records
            examples = try table(records.map { ($0.line, $0.fields) }, split: split, url: url)
        case .tsv:
            let rows = try TSVReader(url: url, expected: expected).rows
            var table: [(Int, [String])] = []
            table.reserveCapacity(rows.count)
            for row in rows where !row.fields.isEmpty {
                var fields: [String] = []
                for field in row.fields { fields.append(try TextFile.string(field, url: url, line: row.line)) }
                table.append((row.line, fields))
            }
            examples = try self.table(table, split: split, url: url)
        case .jsonl:
            examples = try jsonLines(try JSONLinesReader(url: url, expected: expected).rows, split: split, url: url)
        }
        guard !examples.isEmpty else { throw .emptySplit(url, split: split) }
        return Dataset(definition: definition, split: split, examples: examples, source: url)
    }

    /// Examples from a header row and data rows (CSV, TSV).
    private func table(_ rows: [(line: Int, fields: [String])], split: Split, url: URL) throws(TaskError) -> [Example] {
        guard let header = rows.first else { throw .emptySplit(url, split: split) }
        func position(_ name: String) throws(TaskError) -> Int {
            guard let index = header.fields.firstIndex(of: name) else {
                throw .missingColumn(url, line: header.line, column: name, available: header.fields)
            }
            return index
        }
        let textIndex = try position(textColumn)
        let pairIndex = try pairColumn.map { (name) throws(TaskError) -> Int in try position(name) }
        let labelIndex: Int?
        if split.hasLabels || header.fields.contains(labelColumn) {
            labelIndex = try position(labelColumn)
        } else {
            labelIndex = nil
        }
        var examples: [Example] = []
        examples.reserveCapacity(rows.count - 1)
        for (line, fields) in rows.dropFirst() {
            guard fields.count == header.fields.count else {
                throw .wrongColumnCount(url, line: line, found: fields.count, expected: header.fields.count)
            }
            let label = try labelIndex.map { (index) throws(TaskError) -> Label in
                try GLUETask.parseLabel(fields[index], definition: definition, column: labelColumn, url: url, line: line)
            }
            examples.append(Example(text: fields[textIndex], pair: pairIndex.map { fields[$0] }, label: label))
        }
        return examples
    }

    /// Examples from JSON objects.
    private func jsonLines(_ rows: [JSONLinesReader.Row], split: Split, url: URL) throws(TaskError) -> [Example] {
        func text(_ row: JSONLinesReader.Row, _ name: String) throws(TaskError) -> String {
            guard let value = row.object[name] else {
                throw .missingColumn(url, line: row.line, column: name, available: row.object.keys.sorted())
            }
            guard case .string(let string) = value else {
                throw .invalidField(url, line: row.line, column: name, reason: "expected a string, found \(value.kind)")
            }
            return string
        }
        var examples: [Example] = []
        examples.reserveCapacity(rows.count)
        for row in rows {
            let first = try text(row, textColumn)
            let pair = try pairColumn.map { (name) throws(TaskError) -> String in try text(row, name) }
            var label: Label?
            switch row.object[labelColumn] {
            case nil where !split.hasLabels, .null? where !split.hasLabels:
                label = nil
            case nil:
                throw .missingColumn(url, line: row.line, column: labelColumn, available: row.object.keys.sorted())
            case .string(let raw)?:
                label = try GLUETask.parseLabel(raw, definition: definition, column: labelColumn, url: url, line: row.line)
            case .integer(let value)?:
                label = try GLUETask.parseLabel(String(value), definition: definition, column: labelColumn, url: url,
                                                line: row.line)
            case .number(let value)? where definition.isRegression:
                guard value.isFinite else {
                    throw .invalidNumber(url, line: row.line, column: labelColumn, value: String(value))
                }
                label = .value(value)
            case let value?:
                throw .invalidField(url, line: row.line, column: labelColumn,
                                    reason: "expected \(definition.isRegression ? "a number" : "a label (string or integer)"), "
                                        + "found \(value.kind)")
            }
            examples.append(Example(text: first, pair: pair, label: label))
        }
        return examples
    }
}
