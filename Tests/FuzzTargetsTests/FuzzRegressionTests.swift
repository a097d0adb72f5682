import Foundation
import XCTest
import FuzzTargets

/// Replays the fuzz corpus (`fuzz/corpus/TARGET/`, the seeds from `fuzz/seeds.py`) and every input
/// a fuzzer once crashed on (`fuzz/regressions/TARGET/`) through the targets, in the ordinary build:
/// a trap here fails the test run, so a fixed crash stays fixed.
final class FuzzRegressionTests: XCTestCase {
    private static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz", isDirectory: true)

    private func files(_ kind: String, _ target: FuzzTarget) -> [URL] {
        let folder = Self.fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }

    func testEveryTargetHasSeeds() {
        for target in FuzzTarget.allCases {
            XCTAssertFalse(files("corpus", target).isEmpty, "fuzz/corpus/\(target.rawValue) has no seed; run fuzz/seeds.py")
        }
    }

    func testCorpusAndRegressionsReplayWithoutTrapping() throws {
        var replayed = 0
        for target in FuzzTarget.allCases {
            for file in files("corpus", target) + files("regressions", target) {
                target.run(Array(try Data(contentsOf: file)))
                replayed += 1
            }
        }
        FuzzTarget.removeScratch()
        print("fuzz replay: \(replayed) inputs over \(FuzzTarget.allCases.count) targets")
        XCTAssertGreaterThan(replayed, 0)
    }
}
