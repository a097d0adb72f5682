import Foundation
import Search
import XCTest

final class SQLiteTrialStoreTests: XCTestCase {
    func testRoundTripsTrialsStateAndFinalistsAcrossReopening() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("search.sqlite").path
        let architecture = StudentArchitecture(layers: 2, hiddenSize: 64, heads: 4, intermediateSize: 128, activation: .relu)
        var trial = Trial(id: 1001, episode: 1, slot: 1, architecture: architecture, explored: true, predictedReward: 0.5)
        var state = SearchState(random: SearchRandom(seed: 3))
        state.proposedEpisode = 1
        state.strategy = Data([1, 2, 3])
        do {
            let store = try SQLiteTrialStore(path: path)
            XCTAssertTrue(try store.commit(trials: [trial], state: state, values: [:], publish: ["trial/1001/0", "finalist/top-1"], expecting: nil))
            let worker = WorkerRecord.current(threads: 1)
            let claim = try XCTUnwrap(try store.claim(for: worker, lease: 60))
            trial.state = .done
            (trial.accuracy, trial.latencyMs, trial.reward, trial.parameters, trial.seconds) = (0.8, 3.5, 0.81, 1234, 2)
            XCTAssertTrue(try store.complete(claim, trial: trial, finalist: nil, files: [:]))
            let finalistClaim = try XCTUnwrap(try store.claim(for: worker, lease: 60))
            XCTAssertTrue(try store.complete(finalistClaim, trial: nil, finalist: Finalist(
                name: "top-1", origin: .top, architecture: architecture, trialId: 1001, parameters: 1234,
                latencyMs: 3.4, dev: ["accuracy": 0.79], test: nil, seconds: 10, path: "finalists/top-1"), files: [:]))
        }
        let reopened = try SQLiteTrialStore(path: path)
        XCTAssertEqual(try reopened.trials(), [trial])
        XCTAssertEqual(try reopened.state(), state)
        XCTAssertEqual(try reopened.finalists().map(\.name), ["top-1"])
        XCTAssertNil(try reopened.value("nothing"))
        XCTAssertEqual(try reopened.workItems().map(\.state), [.done, .done])
    }

    func testAFileThatIsNotAStoreIsATypedError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-not-a-store-\(UUID().uuidString).sqlite")
        try Data("this is not sqlite".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertThrowsError(try SQLiteTrialStore(path: file.path)) { error in
            XCTAssertTrue(String(describing: error).contains(file.path), String(describing: error))
        }
    }
}
