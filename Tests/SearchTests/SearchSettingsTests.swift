import Foundation
import Latency
@testable import Search
import Tasks
import XCTest

/// Settings parsed and checked in the library: rungs, promotion, presets.
final class SearchSettingsTests: XCTestCase {
    private let settings = SearchSettings(teacher: "t", task: "toy", space: SearchSpace.bertBase)

    func testRungsParseAndMustGrow() throws {
        XCTAssertEqual(try ProxyRung.list("0.3x1,0.6x2"), [ProxyRung(fraction: 0.3, epochs: 1), ProxyRung(fraction: 0.6, epochs: 2)])
        XCTAssertEqual(try ProxyRung.list("0.5"), [ProxyRung(fraction: 0.5, epochs: 1)])
        XCTAssertThrowsError(try ProxyRung.list("0.3y1")) { XCTAssertTrue("\($0)".contains("--rungs 0.3y1"), "\($0)") }
        var settings = self.settings
        settings.rungs = try ProxyRung.list("0.3x1")
        XCTAssertNoThrow(try settings.validate())
        XCTAssertEqual(settings.allRungs.map(\.fraction), [0.1, 0.3])
        settings.rungs = try ProxyRung.list("0.05x1")  // a smaller budget than the first rung's 0.1 × 1
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--rungs"), "\($0)") }
        settings.rungs = []
        settings.promotion = 1
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--promote"), "\($0)") }
    }

    func testPresetsAndPromotionCounts() throws {
        var settings = self.settings
        try SearchPreset(named: "paper").apply(to: &settings)
        XCTAssertEqual([settings.episodes, settings.candidatesPerEpisode, settings.finalEpochs], [20, 10, 3])
        try SearchPreset(named: "quick").apply(to: &settings)
        XCTAssertEqual([settings.episodes, settings.candidatesPerEpisode, settings.finalTop, settings.finalPareto, settings.finalEpochs], [6, 4, 1, 2, 2])
        XCTAssertEqual(settings.allRungs, [ProxyRung(fraction: 0.1, epochs: 1)])
        XCTAssertEqual(settings.proxyLearningRate, 5e-4)
        XCTAssertEqual(settings.learningRate, 5e-4)
        XCTAssertEqual(settings.finalSpeedups, [3])
        XCTAssertEqual(settings.bandQuota, 3)
        XCTAssertEqual(settings.activeBandQuota, 3)
        // Coverage adds nothing without a band, for a list of shapes, or without a latency model.
        var off = settings
        (off.finalSpeedups, off.baselines) = (nil, false)
        XCTAssertNil(off.activeBandQuota, "no speed-up and no baseline: no band")
        off = settings
        off.strategy = .list
        XCTAssertNil(off.activeBandQuota, "a list is evaluated as given")
        off = settings
        off.latency = .measured(LatencyMeter.Settings())
        XCTAssertNil(off.activeBandQuota, "a measured latency cannot place an architecture without timing it")
        try SearchPreset(named: "paper").apply(to: &settings)
        XCTAssertNil(settings.bandQuota, "the paper's search adds no candidates")
        XCTAssertThrowsError(try SearchPreset(named: "fast")) { XCTAssertTrue("\($0)".contains("quick or paper"), "\($0)") }
        // 8 candidates, then a third of 8 (3), then a third of 3 (1).
        XCTAssertEqual(SearchRun.evaluationsPerEpisode(candidates: 8, rungs: 3, promotion: 1.0 / 3), 12)
        XCTAssertEqual(SearchRun.promotedCount(of: 1, share: 0.1), 1)
        XCTAssertEqual(SearchRun.promotedCount(of: 0, share: 0.5), 0)
    }

    func testAugmentationIsCheckedAndLeavesEarlierSettingsAsTheyWereSaved() throws {
        var settings = self.settings
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // No augmentation: no key, so a store written before the option existed still matches its settings on resume.
        let plain = String(decoding: try encoder.encode(settings), as: UTF8.self)
        XCTAssertFalse(plain.contains("augmentation") || plain.contains("final_speedups") || plain.contains("band_quota"), plain)
        settings.augmentation = TextAugmentation(copies: 2)
        settings.finalSpeedups = try SearchSettings.speedups("3,3,4")
        XCTAssertNoThrow(try settings.validate())
        let decoded = try JSONDecoder().decode(SearchSettings.self, from: try encoder.encode(settings))
        XCTAssertEqual(decoded.augmentation, TextAugmentation(copies: 2))
        XCTAssertEqual(decoded.finalSpeedups, [3, 4], "a repeated speed-up is one band")
        // A saved augmentation without the probabilities (a later setting) takes their defaults.
        XCTAssertEqual(try JSONDecoder().decode(TextAugmentation.self, from: Data(#"{"copies": 1}"#.utf8)), TextAugmentation(copies: 1))
        settings.bandQuota = 100
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--band-quota"), "\($0)") }
        settings.bandQuota = 3
        XCTAssertEqual(try JSONDecoder().decode(SearchSettings.self, from: try encoder.encode(settings)).bandQuota, 3)
        settings.augmentation = TextAugmentation(copies: 500)
        XCTAssertThrowsError(try settings.validate()) {
            XCTAssertEqual("\($0)", "--augment 500: expected 0 to 100 perturbed copies per training example")
        }
    }

    /// Inherited FFN units are ranked by weight norm unless asked (no key saved, so earlier stores match); a
    /// measured ranking is saved with the search.
    func testUnitImportanceIsCheckedAndSavedOnlyWhenAsked() throws {
        var settings = self.settings
        XCTAssertNil(settings.unitImportance)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        XCTAssertFalse(String(decoding: try encoder.encode(settings), as: UTF8.self).contains("unit_importance"))
        settings.unitImportance = 512
        XCTAssertNoThrow(try settings.validate())
        XCTAssertEqual(try JSONDecoder().decode(SearchSettings.self, from: try encoder.encode(settings)).unitImportance, 512)
        settings.unitImportance = 100_001
        XCTAssertThrowsError(try settings.validate()) {
            XCTAssertEqual("\($0)", "--unit-importance 100001: expected 0 (rank FFN units by weight norm) to 100000 training examples")
        }
    }
}
