import ArgumentParser
import Foundation
import Tasks

/// Where a task's data comes from: a registered task (`--task`, `--data`, `--cache`), or your
/// own CSV, TSV or JSONL files (`--task NAME --train-file … --dev-file …` with column names).
struct TaskOptions: ParsableArguments {
    @Option(help: "Task: rotten-tomatoes (bundled), a GLUE task (cola, sst-2, mrpc, sts-b, qqp, mnli, qnli, rte, wnli), or a name for your own files.")
    var task: String
    @Option(help: "Your own task: the training file (.csv, .tsv or .jsonl, with a header or JSON keys).")
    var trainFile: String?
    @Option(help: "Your own task: the dev file.")
    var devFile: String?
    @Option(help: "Your own task: the test file (optional; may lack labels).")
    var testFile: String?
    @Option(help: "Your own task: the text column.")
    var textColumn = "text"
    @Option(help: "Your own task: the second text's column, for pair tasks.")
    var pairColumn: String?
    @Option(help: "Your own task: the label column.")
    var labelColumn = "label"
    @Option(help: "Your own task: the label names in class order, comma-separated (e.g. negative,positive).")
    var labels: String?
    @Flag(help: "Your own task: the label is a number to regress.")
    var regression = false
    @Option(help: "GLUE data: the glue_data folder, or the task's own folder (default: CACHE/glue_data).")
    var data: String?
    @Option(help: "The cache folder: downloaded data, split caches.")
    var cache = "cache"
    @Flag(help: "Skip malformed rows of GLUE files (as transformers does for QQP) instead of stopping.")
    var skipMalformedRows = false

    /// The task source.
    func source() throws -> any TaskSource {
        guard trainFile != nil || devFile != nil || testFile != nil else {
            return try TaskRegistry.task(named: task, glueDirectory: data.map { URL(fileURLWithPath: $0) },
                                         cacheRoot: URL(fileURLWithPath: cache), skipMalformedRows: skipMalformedRows)
        }
        let names = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        guard regression || names.count >= 2 else {
            throw ValidationError("--labels: give the class names in order (at least two), or --regression")
        }
        var files: [Split: URL] = [:]
        for (split, path) in [(Split.train, trainFile), (.dev, devFile), (.test, testFile)] {
            if let path { files[split] = URL(fileURLWithPath: path) }
        }
        return GenericTask(name: task, files: files, textColumn: textColumn, pairColumn: pairColumn, labelColumn: labelColumn,
                           labelNames: names, isRegression: regression)
    }
}

extension Split: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "train": self = .train
        case "dev", "dev-matched", "validation": self = .dev
        case "dev-mismatched": self = .devMismatched
        case "test", "test-matched": self = .test
        case "test-mismatched": self = .testMismatched
        default: return nil
        }
    }
}
