import Foundation

/// One GLUE task read from its folder in the exact format of the distributed `glue_data/`.
///
///     let mnli = GLUETask(.mnli, directory: glueData.appendingPathComponent("MNLI"))
///     let matched = try mnli.load(.dev)             // dev_matched.tsv
///     let mismatched = try mnli.load(.devMismatched) // dev_mismatched.tsv
///
/// Files are tab-separated without quoting (see `TSVReader`); `GLUEFileLayout` lists the columns
/// read and where each was confirmed. Texts are kept exactly as in the file (SST-2's have a
/// trailing space). A row with the wrong number of columns is an error naming the file and line.
public struct GLUETask: TaskSource {
    /// Which GLUE task.
    public let kind: GLUETaskKind
    /// The task folder (e.g. `glue_data/QQP`).
    public let directory: URL
    /// Skip rows with the wrong number of columns instead of throwing; the skipped rows are listed in
    /// `Dataset.skippedRows`.
    ///
    /// This is what transformers does for QQP, whose train.tsv has a few questions broken over two
    /// lines (e.g. line 97,931 holds the tail of a row: 3 fields): its `QqpProcessor` drops rows too
    /// short to index (`except IndexError: continue`), and Hugging Face datasets drops rows with
    /// missing values. Here rows with too many columns are skipped as well.
    public var skipMalformedRows: Bool

    /// The task `kind` in `directory`, the folder holding its .tsv files.
    public init(_ kind: GLUETaskKind, directory: URL, skipMalformedRows: Bool = false) {
        self.kind = kind
        self.directory = directory
        self.skipMalformedRows = skipMalformedRows
    }

    /// Name, labels and metrics.
    public var definition: TaskDefinition { kind.definition }

    /// train, dev, test (and MNLI's mismatched dev and test).
    public var splits: [Split] { kind.splits }

    /// The file of `split`, or nil if the task has no such split.
    public func url(for split: Split) -> URL? {
        kind.fileName(for: split).map { directory.appendingPathComponent($0) }
    }

    /// Reads `split`'s file; test splits come without labels.
    public func load(_ split: Split) throws(TaskError) -> Dataset {
        guard let url = url(for: split) else { throw .splitNotAvailable(task: kind.name, split: split) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingDirectory(directory, task: "GLUE \(kind.folderName)")
        }
        let layout = GLUEFileLayout.of(kind, split)
        let reader = try TSVReader(url: url, expected: layout.expectation(kind, split))
        let definition = kind.definition
        var rows = reader.rows[...]
        if layout.hasHeader {
            guard let header = rows.popFirst() else { throw .emptySplit(url, split: split) }
            try checkHeader(header, layout: layout, url: url)
        }
        var examples: [Example] = []
        examples.reserveCapacity(rows.count)
        var skipped: [TaskError] = []
        for row in rows {
            guard row.fields.count == layout.columnCount else {
                let error = TaskError.wrongColumnCount(url, line: row.line, found: row.fields.count, expected: layout.columnCount)
                if skipMalformedRows { skipped.append(error); continue }
                throw error
            }
            let text = try TextFile.string(row.fields[layout.text.index], url: url, line: row.line)
            let pair = try layout.pair.map { (column) throws(TaskError) -> String in
                try TextFile.string(row.fields[column.index], url: url, line: row.line)
            }
            var label: Label?
            if let column = layout.label {
                let raw = try TextFile.string(row.fields[column.index], url: url, line: row.line)
                label = try Self.parseLabel(raw, definition: definition, column: column.name, url: url, line: row.line)
            }
            examples.append(Example(text: text, pair: pair, label: label))
        }
        guard !examples.isEmpty else { throw .emptySplit(url, split: split) }
        return Dataset(definition: definition, split: split, examples: examples, source: url, skippedRows: skipped)
    }

    private func checkHeader(_ header: TSVReader.Row, layout: GLUEFileLayout, url: URL) throws(TaskError) {
        guard header.fields.count == layout.columnCount else {
            throw .wrongColumnCount(url, line: header.line, found: header.fields.count, expected: layout.columnCount)
        }
        for column in [layout.text, layout.pair, layout.label].compactMap({ $0 }) {
            let found = String(decoding: header.fields[column.index], as: UTF8.self)
            guard found == column.name else {
                throw .unexpectedHeader(url, line: header.line, column: column.index, found: found, expected: column.name)
            }
        }
    }

    /// A class label must be one of the label names exactly; a regression label a finite number.
    static func parseLabel(_ raw: String, definition: TaskDefinition, column: String, url: URL, line: Int)
        throws(TaskError) -> Label
    {
        if definition.isRegression {
            guard let value = Double(raw.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw .invalidNumber(url, line: line, column: column, value: raw)
            }
            return .value(value)
        }
        guard let index = definition.labelNames.firstIndex(of: raw) else {
            throw .unknownLabel(url, line: line, label: raw, expected: definition.labelNames)
        }
        return .classIndex(index)
    }
}
