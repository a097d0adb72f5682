import Foundation
import Latency
import Models
import NN
import Search
import Tasks
import Text

/// The parsers that read users' files, each as a function of arbitrary bytes for libFuzzer.
///
/// A target returns normally both when its parser accepts the bytes and when it refuses them with
/// a typed error; a trap, a hang or a broken invariant is the failure the fuzzer looks for. The
/// invariants checked after a successful parse are the ones the rest of KDNAS relies on (a config
/// that validated has an exact parameter count that fits an Int and reads back as it was written, a
/// tokenizer's ids are in its vocabulary, a sampled architecture is in its space, a predicted
/// latency is finite and non-negative).
///
///     scripts/fuzz.sh safetensors 600      # libFuzzer, 10 minutes
///     kdnas-fuzz safetensors crash-1234     # replays files (any build)
///
/// `FuzzRegressionTests` replays every file of `fuzz/corpus/TARGET/` and `fuzz/regressions/TARGET/`
/// through the same functions in the ordinary test build.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A safetensors file: the 8-byte length, the JSON header and the data.
    case safetensors
    /// A `config.json`, then the checks done before a model is allocated.
    case config
    /// The tokenizer on arbitrary bytes, as text and as a text pair, and `tokenizer_config.json`.
    case tokenizer
    /// A task's CSV, TSV or JSONL file, or a GLUE TSV file (the first byte picks which).
    case taskFile = "task-file"
    /// A search-space JSON file, clipped to a teacher and sampled.
    case searchSpace = "search-space"
    /// A latency profile from `kdnas latency calibrate`, then predictions from it.
    case latencyProfile = "latency-profile"

    /// Runs the target on `bytes`; traps only where KDNAS has a bug.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .safetensors: Self.safetensors(bytes)
        case .config: Self.config(bytes)
        case .tokenizer: Self.tokenizer(bytes)
        case .taskFile: Self.taskFile(bytes)
        case .searchSpace: Self.searchSpace(bytes)
        case .latencyProfile: Self.latencyProfile(bytes)
        }
    }

    // MARK: Targets

    private static func safetensors(_ bytes: [UInt8]) {
        guard let tensors = try? SafeTensors.decode(Data(bytes), file: "fuzz.safetensors") else { return }
        for (name, tensor) in tensors {
            check(tensor.shape.reduce(1, *) == tensor.count, "tensor \(name): shape \(tensor.shape) and \(tensor.count) values")
        }
    }

    private static func config(_ bytes: [UInt8]) {
        guard let config = try? BertConfig(json: Data(bytes)), (try? config.validate()) != nil else { return }
        // What a validated config promises: its exact parameter count fits an Int (the Int arithmetic
        // traps on an overflow), and it writes and reads back unchanged.
        _ = StudentArchitecture(config).parameterCount(vocabulary: config.vocabSize, positions: config.maxPositionEmbeddings,
                                                       tokenTypes: config.typeVocabSize, labels: config.numLabels)
        // The round trip is linear in the labels (each has a name): past 1,000 it only costs the
        // fuzzer time (100,000 labels take seconds under AddressSanitizer).
        guard config.numLabels <= 1_000 else { return }
        let reread = try? BertConfig(json: config.jsonData())
        check(reread == config, "a config that does not read back as written")
    }

    private static func tokenizer(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let options = input.byte()
        var configuration = TokenizerConfiguration()
        configuration.doLowerCase = options & 1 != 0
        configuration.stripAccents = options & 2 != 0 ? (options & 4 != 0) : nil
        configuration.tokenizeChineseChars = options & 8 != 0
        configuration.cleansUpTokenizationSpaces = options & 16 != 0
        if options & 32 != 0 {
            // The rest is a tokenizer_config.json; its parse must fail cleanly or give a configuration.
            _ = try? TokenizerConfiguration(json: Data(input.rest()), url: URL(fileURLWithPath: "tokenizer_config.json"))
            return
        }
        let maxLength = Int(input.byte())
        guard let tokenizer = try? BertTokenizer(vocabulary: vocabulary, configuration: configuration) else {
            fatalError("fuzz: the built-in vocabulary lacks a special token")
        }
        let text = String(decoding: input.rest(), as: UTF8.self)
        let parts = text.split(separator: "\u{1}", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let pair = options & 64 != 0 && parts.count == 2 ? parts[1] : nil
        let length: Int? = options & 128 != 0 && maxLength >= 4 ? maxLength : nil
        let encoding = tokenizer.encode(parts[0], pair: pair, maxLength: length, padding: length == nil ? .none : .maxLength)
        check(encoding.ids.allSatisfy { $0 >= 0 && $0 < vocabulary.count }, "an id outside the vocabulary")
        if let length { check(encoding.ids.count <= length, "\(encoding.ids.count) ids past max length \(length)") }
        _ = tokenizer.decode(encoding.ids, skipSpecialTokens: maxLength & 1 != 0)
    }

    private static func taskFile(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let selector = Int(input.byte())
        let contents = input.rest()
        let folder = scratch.appendingPathComponent("task", isDirectory: true)
        switch selector % 4 {
        case 0, 1, 2:
            let format = [GenericTask.Format.csv, .tsv, .jsonl][selector % 4]
            let file = folder.appendingPathComponent("train.\(format.rawValue)")
            write(contents, to: file)
            let task = GenericTask(name: "fuzz", files: [.train: file], textColumn: "sentence",
                                   pairColumn: selector & 4 != 0 ? "pair" : nil, labelColumn: "label",
                                   labelNames: selector & 8 != 0 ? [] : ["neg", "pos"], isRegression: selector & 8 != 0,
                                   format: format)
            _ = try? task.load(.train)
        default:
            let kinds = GLUETaskKind.allCases
            let kind = kinds[(selector / 4) % kinds.count]
            let task = GLUETask(kind, directory: folder, skipMalformedRows: selector & 128 != 0)
            let split = task.splits[(selector / 4 / kinds.count) % task.splits.count]
            guard let file = task.url(for: split) else { return }
            write(contents, to: file)
            _ = try? task.load(split)
        }
    }

    private static func searchSpace(_ bytes: [UInt8]) {
        let file = scratch.appendingPathComponent("space.json")
        write(bytes, to: file)
        guard let (space, _) = try? SearchSpace.loadWithNotice(file.path, teacher: teacher) else { return }
        check(space.validCount > 0, "a loaded space without a valid architecture")
        var random = SearchRandom(seed: 1)
        for _ in 0..<4 {
            let architecture = space.sample(&random)
            check(space.contains(architecture), "a sample outside its space: \(architecture)")
            check(architecture.layers <= teacher.numHiddenLayers, "a sample deeper than the teacher: \(architecture)")
            _ = architecture.config(from: teacher)
        }
    }

    private static func latencyProfile(_ bytes: [UInt8]) {
        let file = scratch.appendingPathComponent("latency.json")
        write(bytes, to: file)
        guard let profile = try? LatencyProfile.read(file.path) else { return }
        for config in [teacher, StudentArchitecture(layers: 2, hiddenSize: 128, heads: 2, intermediateSize: 256,
                                                    activation: .gelu).config(from: teacher)] {
            let milliseconds = profile.model.predict(config)
            check(milliseconds.isFinite && milliseconds >= 0, "a predicted latency of \(milliseconds) ms")
        }
    }

    // MARK: Support

    /// A broken invariant: a trap the fuzzer reports with its input.
    private static func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() { fatalError("fuzz invariant: \(message())") }
    }

    /// MiniLM's shape, 6 layers: the teacher spaces are clipped to and architectures are built from.
    private static let teacher: BertConfig = {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize) =
            (30522, 384, 6, 12, 1536)
        return config
    }()

    /// A small vocabulary with the special tokens, whole words, `##` pieces and single characters.
    private static let vocabulary: Vocabulary = {
        var tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        tokens += ["the", "a", "film", "is", "un", "##believ", "##able", "##s", "##ing", "good", "bad", "movie", "é", "日", "本"]
        tokens += (33...126).map { String(UnicodeScalar(UInt8($0))) }
        tokens += (33...126).map { "##" + String(UnicodeScalar(UInt8($0))) }
        return Vocabulary(tokens: tokens)
    }()

    /// Removes this process's scratch folder (the replay and the tests call it when done; a libFuzzer
    /// run ends in `exit`, and its folder in /dev/shm goes with the machine).
    public static func removeScratch() {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// A folder of this process's own for the file-based parsers (in memory where /dev/shm exists).
    private static let scratch: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return URL(fileURLWithPath: base).appendingPathComponent("kdnas-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
    }()

    private static func write(_ bytes: [UInt8], to url: URL) {
        if !FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path) {  // the first write, or after removeScratch
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        guard FileManager.default.createFile(atPath: url.path, contents: Data(bytes)) else {
            fatalError("fuzz: cannot write the scratch file \(url.path)")
        }
    }
}
