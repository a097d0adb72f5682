@testable import Latency
import Models
import XCTest

/// The external-command path: a script that prints a number, one that fails, one that prints garbage, one that hangs.
final class ExternalLatencyTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-external-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// An executable shell script in the test folder.
    private func script(_ name: String, _ body: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    private func tinyModel() -> BertForSequenceClassification {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize,
         config.maxPositionEmbeddings) = (20, 16, 1, 2, 32, 16)
        return BertForSequenceClassification(config, seed: 1)
    }

    func testReadsTheLastNumberAndSeesTheExportedCheckpoint() throws {
        // The script checks the checkpoint is there, then prints chatter and the number last.
        let path = try script("ok.sh", """
            test -f "$1/config.json" && test -f "$1/model.safetensors" || exit 3
            echo "warming up 5 runs"
            echo "latency: 12.75 ms"
            """)
        let external = try ExternalLatency(command: "\(path) {model_dir}")
        XCTAssertEqual(try external.measure(tinyModel(), tokenizerSource: nil).get(), 12.75)
    }

    func testAFailingCommandIsReportedWithItsStatusAndOutput() throws {
        let path = try script("fail.sh", "echo 'CUDA device not found' >&2\nexit 7")
        let result = try ExternalLatency(command: "\(path) {model_dir}").measure(tinyModel(), tokenizerSource: nil)
        guard case .failure(.failed(let status, let output)) = result else { return XCTFail("expected a failure, got \(result)") }
        XCTAssertEqual(status, 7)
        XCTAssertEqual(output, "CUDA device not found")
        XCTAssertTrue(ExternalLatencyError.failed(status: status, output: output).description.contains("status 7"))
    }

    func testGarbageOutputIsNotANumber() throws {
        let path = try script("garbage.sh", "echo 'fast enough, I think'")
        let result = try ExternalLatency(command: "\(path) {model_dir}").measure(tinyModel(), tokenizerSource: nil)
        XCTAssertEqual(result, .failure(.notANumber(output: "fast enough, I think")))
    }

    func testAHangingCommandTimesOut() throws {
        let result = try ExternalLatency(command: "sleep 30; echo {model_dir}", timeout: 0.5).measure(tinyModel(), tokenizerSource: nil)
        XCTAssertEqual(result, .failure(.timedOut(seconds: 0.5)))
    }

    func testACommandWithoutThePlaceholderIsRefused() {
        XCTAssertThrowsError(try ExternalLatency(command: "echo 3")) { error in
            XCTAssertEqual(error as? ExternalLatencyError, .invalidCommand("echo 3"))
        }
    }

    func testLastNumber() {
        XCTAssertEqual(ExternalLatency.lastNumber(in: "run 1: 3.5\nrun 2: 4\nmedian 3.75ms\n"), 3.75)
        XCTAssertEqual(ExternalLatency.lastNumber(in: "1.2e1"), 12)
        XCTAssertNil(ExternalLatency.lastNumber(in: "none"))
    }

    func testDigitsOfTheModelFolderPathAreNotALatency() throws {
        // The exported folder's name is a UUID, digits included; a command that only echoes it printed no latency.
        let directory = folder.appendingPathComponent("kdnas-latency-1234-5678").path
        let external = try ExternalLatency(command: "echo exported to {model_dir}")
        XCTAssertEqual(external.run(modelDirectory: directory), .failure(.notANumber(output: "exported to \(directory)")))
        XCTAssertEqual(try ExternalLatency(command: "echo {model_dir}: 8.5 ms").run(modelDirectory: directory).get(), 8.5)
    }

    func testANegativeOrNonFiniteTimeoutIsRefused() {
        for timeout in [-1, 0, .infinity, .nan] as [Double] {
            XCTAssertThrowsError(try ExternalLatency(command: "echo {model_dir}", timeout: timeout)) { error in
                XCTAssertTrue("\(error)".hasPrefix("--latency-timeout \(timeout): expected a positive, finite number of seconds"), "\(error)")
            }
        }
    }
}
