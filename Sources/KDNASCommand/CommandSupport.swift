import ArgumentParser
import Foundation
import Latency
import Models
import TensorCore
import Text

/// An error a user can cause from the command line: a file, what is wrong, what was expected.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Options every command that runs a model shares.
struct EngineOptions: ParsableArguments {
    @Option(help: "Threads for kernels and BLAS (default: KDNAS_THREADS or all cores).")
    var threads: Int?
    @Option(help: ArgumentHelp(
        "Matrix library: auto (oneDNN where installed, OpenBLAS for weight gradients and without it), openblas or onednn (default: KDNAS_BLAS or auto).",
        valueName: "library"))
    var blas: MatrixLibrary?

    /// The most threads `--threads` accepts: far beyond any core count, and few enough to start.
    static let maximumThreads = 4096

    /// Applies the thread count and the matrix library.
    func apply() throws {
        Engine.configure()
        if let threads {
            guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
            guard threads <= Self.maximumThreads else {
                throw ValidationError("--threads \(threads): expected at most \(Self.maximumThreads)")
            }
            Engine.threads = threads
        }
        if let blas { try Engine.useMatrixLibrary(blas) }
    }
}

extension MatrixLibrary: ExpressibleByArgument {}

/// One input line: a text, or a TAB-separated text pair.
struct InputLine {
    let text: String
    let pair: String?
    /// The line's number in its file (1-based, blank lines counted).
    let number: Int

    /// Reads `path`: one text per line, or `text<TAB>pair`; blank lines are skipped.
    static func read(_ path: String) throws -> [InputLine] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("\(path): cannot be read; expected a text file with one input per line")
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw CommandError("\(path): is not UTF-8 text")
        }
        // Numbered before blank lines are dropped, so that an error names the line of the file.
        let lines = content.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .enumerated().map { (number: $0.offset + 1, text: $0.element.hasSuffix("\r") ? String($0.element.dropLast()) : String($0.element)) }
            .filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !lines.isEmpty else { throw CommandError("\(path): has no input lines; expected one text (or text<TAB>pair) per line") }
        return try lines.map { line in
            let fields = line.text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count <= 2 else {
                throw CommandError("\(path):\(line.number): \(fields.count) TAB-separated fields; expected a text or a text pair")
            }
            return InputLine(text: fields[0], pair: fields.count == 2 ? fields[1] : nil, number: line.number)
        }
    }
}

/// A Hugging Face model folder: the model and its tokenizer.
struct ModelFolder {
    let url: URL
    let model: BertForSequenceClassification
    let report: BertCheckpoint.LoadReport

    init(_ path: String) throws {
        url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("\(path): is not a folder; expected a Hugging Face model folder (config.json, model.safetensors, vocab.txt)")
        }
        (model, report) = try BertCheckpoint.load(url)
    }

    /// The tokenizer stored beside the weights, checked against the model.
    func tokenizer() throws -> BertTokenizer {
        let tokenizer = try BertTokenizer(directory: url)
        try ModelFolder.check(tokenizer, fits: model.config, folder: url.path)
        return tokenizer
    }

    /// Throws unless every id of `tokenizer` is a row of the model's embeddings.
    static func check(_ tokenizer: BertTokenizer, fits config: BertConfig, folder: String) throws {
        guard tokenizer.vocabulary.count <= config.vocabSize else {
            throw CommandError("\(folder): vocab.txt has \(tokenizer.vocabulary.count) tokens; the model's vocab_size is \(config.vocabSize)")
        }
    }

    /// The truncation length to use (`maxLength`, else 128 or the model's positions if fewer);
    /// throws unless it and `batchSize` are usable with this model.
    func check(maxLength: Int?, batchSize: Int) throws -> Int {
        guard batchSize > 0 else { throw ValidationError("--batch-size \(batchSize): expected a positive integer") }
        return try ModelFolder.check(maxLength: maxLength, positions: model.config.maxPositionEmbeddings)
    }

    /// The truncation length: `maxLength`, else 128 or `positions` if fewer; throws when out of range.
    static func check(maxLength: Int?, positions: Int) throws -> Int {
        let length = maxLength ?? min(128, positions)
        guard length >= 4, length <= positions else {
            throw ValidationError("--max-length \(length): expected 4 to \(positions) (the model's max_position_embeddings)")
        }
        return length
    }

    /// Encodes `lines` (read from `path`) in batches of `batchSize`, padded to the longest of each
    /// batch; throws, naming the line, when an encoding does not fit the model.
    func batches(_ lines: [InputLine], from path: String, tokenizer: BertTokenizer, maxLength: Int, batchSize: Int) throws
        -> [(range: Range<Int>, batch: TokenBatch)]
    {
        try stride(from: 0, to: lines.count, by: batchSize).map { start in
            let range = start..<min(start + batchSize, lines.count)
            // Each line on its own (a line without a pair must not become a pair with an empty
            // second text), then padded to the batch's longest.
            let encodings = try lines[range].map { line in
                let encoding = tokenizer.encode(line.text, pair: line.pair, maxLength: maxLength)
                do { try model.config.check(encoding) } catch let error as ConfigError {
                    var named = error
                    named.file = "\(path):\(line.number)"
                    throw named
                }
                return encoding
            }
            return (range, TokenBatch(encodings, paddingId: tokenizer.paddingTokenId))
        }
    }
}

/// Prints `object` as one line of JSON with sorted keys.
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

/// Floats as Doubles for JSON.
func jsonNumbers(_ values: ArraySlice<Float>) -> [Double] { values.map(Double.init) }

/// Metrics for JSON: NaN (Pearson of constant predictions) and infinities become null.
func jsonMetrics(_ metrics: [String: Double]) -> [String: Any] {
    metrics.mapValues { $0.isFinite ? $0 as Any : NSNull() }
}

/// The options of commands that run a model over a file of inputs (`embed`, `predict`).
struct InferenceOptions: ParsableArguments {
    @Option(help: "Hugging Face model folder.")
    var model: String
    @Option(help: "Text file: one text, or text<TAB>pair, per line.")
    var input: String
    @Option(help: "Truncate inputs to this many tokens (default: 128, or the model's positions if fewer).")
    var maxLength: Int?
    @Option(help: "Inputs per forward pass.")
    var batchSize = 32
    @Flag(help: "Print one JSON object per input line.")
    var json = false
    @OptionGroup var engine: EngineOptions

    /// Applies the engine options and loads the model, its tokenizer and the batches of the input.
    func prepare() throws -> (folder: ModelFolder, batches: [(range: Range<Int>, batch: TokenBatch)]) {
        try engine.apply()
        let folder = try ModelFolder(model)
        let length = try folder.check(maxLength: maxLength, batchSize: batchSize)
        let batches = try folder.batches(try InputLine.read(input), from: input, tokenizer: try folder.tokenizer(), maxLength: length,
                                         batchSize: batchSize)
        return (folder, batches)
    }
}

/// `--model DIR` or `--config JSON` (random weights): the model a timing command measures.
struct ModelSource: ParsableArguments {
    @Option(help: "A Hugging Face model folder.")
    var model: String?
    @Option(help: "A config.json describing the model (random weights).")
    var config: String?

    func validate() throws {
        guard (config == nil) != (model == nil) else { throw ValidationError("give exactly one of --config and --model") }
    }

    /// The model, checked to run with `settings` (batch, sequence length, runs).
    func load(_ settings: LatencyMeter.Settings) throws -> BertForSequenceClassification {
        if let model {
            let network = try ModelFolder(model).model
            try settings.check(fits: network.config)
            return network
        }
        let config = try BertConfig(contentsOf: URL(fileURLWithPath: self.config!))
        try settings.check(fits: config)  // before any allocation: a batch too large to allocate is an error, not a trap
        return BertForSequenceClassification(config, seed: 0)
    }
}

/// A line on standard error: progress and notes, apart from results on standard output.
func log(_ line: String) {
    try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
}
