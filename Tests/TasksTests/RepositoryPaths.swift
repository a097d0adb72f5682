import Foundation
import XCTest

/// Paths of the repository that holds these tests, found from this file's location.
enum RepositoryPaths {
    /// The repository root: this file is `Tests/TasksTests/RepositoryPaths.swift`.
    ///
    /// Symlinks are resolved first, so a scratch package that links `Tests/TasksTests` still
    /// finds the real repository (and its git-ignored `cache/`).
    static let root: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `cache/data/rotten_tomatoes_corpus_full.csv`, written by `scripts/setup-data.sh`.
    static let rottenTomatoesCorpus = root.appendingPathComponent("cache/data/rotten_tomatoes_corpus_full.csv")

    /// The Rotten Tomatoes corpus, or an `XCTSkip` saying how to get it.
    static func requireRottenTomatoesCorpus() throws -> URL {
        guard FileManager.default.fileExists(atPath: rottenTomatoesCorpus.path) else {
            throw XCTSkip("cache/data/rotten_tomatoes_corpus_full.csv not found; run scripts/setup-data.sh")
        }
        return rottenTomatoesCorpus
    }

    /// The path of `python3` on PATH, or nil.
    static func python3() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs `python3 arguments...` in the repository root and returns its standard output.
    static func runPython(_ arguments: [String]) throws -> Data {
        guard let python = python3() else { throw XCTSkip("python3 not found on PATH") }
        let process = Process()
        process.executableURL = python
        process.arguments = arguments
        process.currentDirectoryURL = root
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting: the JSON is larger than a pipe's buffer.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            XCTFail("python3 \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(errorText)")
            return Data()
        }
        return data
    }
}
