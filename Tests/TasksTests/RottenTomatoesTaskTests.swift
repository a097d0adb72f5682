import Foundation
import TestSupport
import XCTest
@testable import Tasks

/// The bundled Rotten Tomatoes task: the split rules on a small corpus, the cache, and the
/// real corpus against `scripts/reference/rotten_tomatoes_split.py`.
final class RottenTomatoesTaskTests: XCTestCase {
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws { folder = try TemporaryDirectory() }
    override func tearDown() { folder = nil }

    /// What the Python reference prints with `--json`.
    private struct Reference: Decodable {
        struct Item: Decodable {
            let text: String
            let label: Int
        }
        let source_rows: Int
        let plot_rows: Int
        let review_rows: Int
        let distinct_texts: Int
        let duplicate_rows_dropped: Int
        let conflicting_texts_dropped: Int
        let counts: [String: Int]
        let splits: [String: [Item]]
    }

    /// Asserts that the task's three splits equal the Python reference's, example by example.
    private func assertMatchesPython(_ task: RottenTomatoesTask, file: StaticString = #filePath, line: UInt = #line) throws {
        let output = Data(try TestSupport.Reference.run("rotten_tomatoes_split.py", ["--json", "--source", task.sourceFile.path]).utf8)
        let reference = try JSONDecoder().decode(Reference.self, from: output)
        let summary = try task.prepare().summary
        XCTAssertEqual(summary.counts, reference.counts, file: file, line: line)
        XCTAssertEqual(summary.sourceRows, reference.source_rows, file: file, line: line)
        XCTAssertEqual(summary.plotRows, reference.plot_rows, file: file, line: line)
        XCTAssertEqual(summary.duplicateRowsDropped, reference.duplicate_rows_dropped, file: file, line: line)
        XCTAssertEqual(summary.conflictingTextsDropped, reference.conflicting_texts_dropped, file: file, line: line)
        for split in task.splits {
            let examples = try task.load(split).examples
            let expected = reference.splits[split.rawValue] ?? []
            XCTAssertEqual(examples.count, expected.count, "\(split)", file: file, line: line)
            // Compare scalars, not Strings: String equality would forgive a normalisation difference.
            let mismatch = zip(examples, expected).enumerated().first { _, pair in
                !pair.0.text.unicodeScalars.elementsEqual(pair.1.text.unicodeScalars) || pair.0.label != Label.classIndex(pair.1.label)
            }?.offset
            XCTAssertNil(mismatch, "\(split): first difference at \(mismatch ?? -1)", file: file, line: line)
        }
    }

    private func writeSmallCorpus() throws -> URL {
        // Rows: plot (dropped); a duplicate; a text with both labels (dropped); whitespace that
        // Python's strip() removes (NBSP, U+001F) around a text equal to another; NFC and NFD
        // spellings (different texts); a quoted field with a comma and a newline.
        try folder.write("data/rotten_tomatoes_corpus_full.csv", """
            category,text,movie_name,has_plot_and_reviews
            plot,"A long plot, with commas.",m1,True
            fresh,"Great fun, really.",m1,True
            rotten,Dull.,m2,False
            fresh,"Great fun, really.",m3,False
            fresh,Divisive.,m4,False
            rotten,Divisive.,m5,False
            rotten,"\u{A0}Dull.\u{1F} ",m6,False
            fresh,Caf\u{E9} society.,m7,False
            fresh,Cafe\u{301} society.,m7,False
            rotten,"Two
            lines, ""quoted"".",m8,False
            fresh,  Spaced out.\t,m9,False

            """ + (0 ..< 40).map { "\($0 % 3 == 0 ? "rotten" : "fresh"),Filler review number \($0).,f\($0),False\n" }.joined())
    }

    func testSplitRules() throws {
        let source = try writeSmallCorpus()
        let (summary, splits) = try RottenTomatoesTask.makeSplits(sourceFile: source)
        XCTAssertEqual(summary.sourceRows, 51)
        XCTAssertEqual(summary.plotRows, 1)
        XCTAssertEqual(summary.reviewRows, 50)
        XCTAssertEqual(summary.distinctTexts, 47)         // Great fun, Dull, Divisive, Café ×2, Two lines, Spaced out, 40 fillers
        XCTAssertEqual(summary.duplicateRowsDropped, 3)   // Great fun, Divisive, Dull (once stripped)
        XCTAssertEqual(summary.conflictingTextsDropped, 1)
        let all = splits.values.flatMap { $0 }
        XCTAssertEqual(all.count, 46)
        XCTAssertEqual(summary.counts.values.reduce(0, +), 46)
        XCTAssertTrue(splits.values.allSatisfy { !$0.isEmpty })
        XCTAssertFalse(all.contains { $0.text == "Divisive." })
        XCTAssertEqual(all.filter { $0.text.unicodeScalars.elementsEqual("Dull.".unicodeScalars) }.map(\.label), [.classIndex(0)])
        XCTAssertTrue(all.contains { $0.text == "Spaced out." && $0.label == .classIndex(1) })
        XCTAssertTrue(all.contains { $0.text == "Two\nlines, \"quoted\"." })
        XCTAssertEqual(all.filter { $0.text == "Café society." }.count, 2, "NFC and NFD spellings are different texts")
        for (split, examples) in splits {
            let hashes = examples.map { FNV1a.hash64($0.text.utf8) }
            XCTAssertEqual(hashes, hashes.sorted(), "\(split)")
            for hash in hashes {
                XCTAssertEqual(split, hash % 10 <= 7 ? .train : (hash % 10 == 8 ? .dev : .test))
            }
        }
        XCTAssertEqual(FNV1a.hash64("a".utf8), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(RottenTomatoesTask.strip("\u{1C}\u{3000} x \u{85}\u{2028}"), "x")
        try assertMatchesPython(RottenTomatoesTask(sourceFile: source, cacheDirectory: folder.url.appendingPathComponent("cache")))
    }

    func testCacheIsWrittenAtomicallyAndReusedUntilTheSourceChanges() throws {
        let source = try writeSmallCorpus()
        let task = RottenTomatoesTask(cacheRoot: folder.url)
        XCTAssertEqual(task.cacheDirectory.path, folder.url.appendingPathComponent("tasks/rotten-tomatoes").path)
        let first = try task.prepare()
        XCTAssertFalse(first.reusedCache)
        let files = try FileManager.default.contentsOfDirectory(atPath: task.cacheDirectory.path).sorted()
        XCTAssertEqual(files, ["dev.jsonl", "manifest.json", "test.jsonl", "train.jsonl"], "no temporary files left")
        let second = try task.prepare()
        XCTAssertTrue(second.reusedCache)
        XCTAssertEqual(second.summary, first.summary)
        let train = try task.load(.train)
        XCTAssertEqual(train.examples.count, first.summary.counts["train"])
        XCTAssertEqual(train.definition.labelNames, ["rotten", "fresh"])

        // A different source (size and time) invalidates the cache.
        var data = try Data(contentsOf: source)
        data.append(Data("fresh,A new review.,m10,False\n".utf8))
        try data.write(to: source)
        let third = try task.prepare()
        XCTAssertFalse(third.reusedCache)
        XCTAssertEqual(third.summary.reviewRows, first.summary.reviewRows + 1)
        // A missing split file (an interrupted copy, say) also triggers a rebuild.
        try FileManager.default.removeItem(at: task.cacheFile(for: .dev))
        XCTAssertFalse(try task.prepare().reusedCache)
        XCTAssertTrue(try task.prepare().reusedCache)
    }

    func testBadCorpusRows() throws {
        let bad = try folder.write("bad.csv", "category,text,movie_name,has_plot_and_reviews\nfresh,ok,m,False\nsplendid,hm,m,False\n")
        XCTAssertThrowsError(try RottenTomatoesTask.makeSplits(sourceFile: bad)) { error in
            XCTAssertTrue("\(error)".contains("bad.csv:3: unknown label \"splendid\""), "\(error)")
        }
        let header = try folder.write("header.csv", "category,review,movie_name,has_plot_and_reviews\nfresh,ok,m,False\n")
        XCTAssertThrowsError(try RottenTomatoesTask.makeSplits(sourceFile: header)) { error in
            XCTAssertTrue("\(error)".contains("header.csv:1: header column 2 is \"review\", expected \"text\""), "\(error)")
        }
        let missing = RottenTomatoesTask(cacheRoot: folder.url.appendingPathComponent("nowhere"))
        XCTAssertThrowsError(try missing.load(.train)) { error in
            XCTAssertTrue("\(error)".contains("rotten_tomatoes_corpus_full.csv: file not found"), "\(error)")
        }
    }

    func testRealCorpusMatchesThePythonReference() throws {
        let source = try Repository.requireCache("data/rotten_tomatoes_corpus_full.csv", makeWith: "scripts/setup-data.sh")
        let task = RottenTomatoesTask(sourceFile: source, cacheDirectory: folder.url.appendingPathComponent("rotten-tomatoes"))
        let summary = try task.prepare().summary
        print("rotten-tomatoes: train \(summary.counts["train"]!), dev \(summary.counts["dev"]!), test \(summary.counts["test"]!); "
              + "\(summary.plotRows) plot rows, \(summary.duplicateRowsDropped) duplicate rows, "
              + "\(summary.conflictingTextsDropped) texts with both labels dropped")
        try assertMatchesPython(task)
    }
}
