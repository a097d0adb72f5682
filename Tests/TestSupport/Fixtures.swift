import Foundation
import XCTest

/// Paths of the repository and of the fixtures the set-up scripts generate into `cache/`.
public enum Repository {
    /// The repository root, found from this file's path (Tests/TestSupport/Fixtures.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `cache/<relativePath>` under the root.
    public static func cache(_ relativePath: String) -> URL { root.appendingPathComponent("cache/\(relativePath)") }

    /// A generated fixture that must exist: skips the test when it is missing on a developer's
    /// machine, fails it in CI (where `scripts/test.sh` generates every fixture first).
    public static func requireCache(_ relativePath: String, makeWith script: String) throws -> URL {
        let url = cache(relativePath)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        let message = "cache/\(relativePath) is missing; \(script) generates it (scripts/test.sh runs it)"
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail(message)
            throw XCTSkip("failed: \(message)")
        }
        throw XCTSkip(message)
    }
}

/// Inputs of a reference fixture: `inputs.json` as the reference scripts write it.
public struct FixtureInputs: Decodable {
    public let input_ids: [[Int]]
    public let token_type_ids: [[Int]]
    public let attention_mask: [[Int]]
    public let labels: [Double]?
    public let texts: [String]?

    /// Reads `inputs.json` at `url`.
    public static func read(_ url: URL) throws -> FixtureInputs {
        try JSONDecoder().decode(FixtureInputs.self, from: Data(contentsOf: url))
    }
}

/// The largest |value| of an array, as a scale for relative tolerances.
public func maxMagnitude(_ values: [Float]) -> Double { values.reduce(0) { max($0, Double(abs($1))) } }

/// The Python reference (torch + transformers in `.venv-ref/`, made by scripts/setup-reference.sh).
public enum Reference {
    /// `.venv-ref/bin/python` under the repository root.
    public static let python = Repository.root.appendingPathComponent(".venv-ref/bin/python")

    /// Runs `scripts/reference/<script>` with `arguments`; returns its standard output.
    /// Skips the test when the reference is not installed (fails it in CI, where it must be).
    public static func run(_ script: String, _ arguments: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            let message = ".venv-ref is missing; scripts/setup-reference.sh installs the Python reference"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message) }
            throw XCTSkip(message)
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [Repository.root.appendingPathComponent("scripts/reference/\(script)").path] + arguments
        process.currentDirectoryURL = Repository.root
        // Standard error goes to a file, so that neither pipe can fill up while the other is read.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-reference-\(UUID().uuidString).err")
        guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: errorFile.path])
        }
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            struct ReferenceFailed: Error, CustomStringConvertible { let description: String }
            throw ReferenceFailed(description: "\(script) exited with \(process.terminationStatus): \(errorText)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
