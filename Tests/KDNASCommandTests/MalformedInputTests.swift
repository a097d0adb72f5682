import Foundation
import TestSupport
import XCTest

/// The malformed-input suite (`scripts/malformed_inputs.py`) on the built `kdnas`: every broken
/// file and bad option is a non-zero exit with a message naming the input, never a trap or a hang.
final class MalformedInputTests: CommandLineTestCase {
    func testEveryMalformedInputIsANamedErrorNotATrapOrAHang() throws {
        let script = Repository.root.appendingPathComponent("scripts/malformed_inputs.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--kdnas", executable.path, "--timeout", "30"]
        let output = Pipe()
        (process.standardOutput, process.standardError) = (output, output)
        let started = Date()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let summary = text.split(separator: "\n").last.map(String.init) ?? "(no output)"
        print("malformed inputs: \(summary) in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(summary.contains(" passed, 0 failed"), text)
    }
}
