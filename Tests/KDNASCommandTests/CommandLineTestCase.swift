import Foundation
import Models
import NN
import Search
import TensorCore
import Text
import TestSupport
import XCTest

/// Runs the built `kdnas` in a temporary folder; the command-line test cases build on it.
class CommandLineTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// The built `kdnas` executable.
    var executable: URL {
        // The test bundle sits beside the built products (on Linux the bundle URL is that folder).
        let bundle = Bundle(for: Self.self).bundleURL
        return (bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle).appendingPathComponent("kdnas")
    }

    /// Runs the built `kdnas` with `arguments` to the end.
    func kdnas(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// Starts `kdnas` with `arguments` in the background, its output discarded.
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The JSON objects printed one per line.
    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func write(_ lines: [String], to name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A fine-tuned tiny teacher and its toy task options.
    func teacherAndTask() throws -> (teacher: String, task: [String]) {
        let model = try tinyModel()
        let words = ["the", "movie", "was", "great", "dull", "a", "film"]
        let rows = (0..<200).map { i -> String in
            let text = (0..<(3 + i % 5)).map { words[(i * 3 + $0 * 5) % words.count] }.joined(separator: " ")
            return "\"\(text)\",\(text.contains("great") ? "good" : "bad")"
        }
        let train = try write(["text,label"] + rows, to: "train.csv"), dev = try write(["text,label"] + rows.prefix(50), to: "dev.csv")
        let task = ["--task", "toy", "--train-file", train, "--dev-file", dev, "--labels", "bad,good"]
        let teacher = directory.appendingPathComponent("teacher").path
        let finetune = try kdnas(["finetune", "--model", model.path, "--out", teacher, "--epochs", "2", "--batch-size", "8", "--lr", "1e-3"] + task)
        XCTAssertEqual(finetune.status, 0, finetune.errors)
        return (teacher, task)
    }

    func trials(_ run: String) -> [Trial] {
        // Read-only, so the test never creates the store's tables before the search does.
        guard FileManager.default.fileExists(atPath: run + "/search.sqlite") else { return [] }
        return (try? SQLiteTrialStore(path: run + "/search.sqlite", readOnly: true).trials()) ?? []
    }

    /// A latency profile of the tiny teacher's space, so that the searches' latencies are deterministic.
    func latencyProfile(_ teacher: String) throws -> String {
        let profile = directory.appendingPathComponent("profile.json").path
        let calibrate = try kdnas(["latency", "calibrate", "--space", "derived", "--teacher", teacher, "--count", "12", "--runs", "3",
                                   "--seq", "16", "--out", profile, "--threads", "1"])
        XCTAssertEqual(calibrate.status, 0, calibrate.errors)
        return profile
    }

    /// A tiny classifier folder (the committed gelu fixture) with a small vocabulary beside it.
    func tinyModel() throws -> URL {
        let fixtures = Repository.root.appendingPathComponent("Tests/ModelsTests/Fixtures/tiny-gelu")
        let folder = directory.appendingPathComponent("tiny")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "movie", "was", "great", "dull", "a", "film", ",", "."]
        let vocabulary = words + (words.count..<99).map { "w\($0)" }
        try (vocabulary.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        return folder
    }
}

