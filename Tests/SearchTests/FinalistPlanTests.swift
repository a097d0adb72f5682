@testable import Search
import Models
import XCTest

/// The final stage's choice on a synthetic front: top by reward, the best student of each latency band from the
/// fastest candidate to the target (the most parameters among those scoring near the band's best), one at each
/// baseline's latency, then the baselines.
final class FinalistPlanTests: XCTestCase {
    /// Sizes students by a small vocabulary; tells none apart by heads or activation.
    private let prior = StudentPrior(vocabulary: 100, positions: 16, tokenTypes: 2, labels: 2)

    private func architecture(_ layers: Int, _ hidden: Int) -> StudentArchitecture {
        StudentArchitecture(layers: layers, hiddenSize: hidden, heads: 4, intermediateSize: 2 * hidden, activation: .gelu)
    }

    /// A done trial of `accuracy` and `latency`, its reward the soft reward against a 10 ms target.
    private func trial(_ id: Int, _ architecture: StudentArchitecture, accuracy: Double, latency: Double) -> Trial {
        var trial = Trial(id: id, episode: 1, slot: id, architecture: architecture)
        (trial.state, trial.accuracy, trial.latencyMs) = (.done, accuracy, latency)
        trial.reward = Reward().value(accuracy: accuracy, latencyMs: latency, target: 10)
        return trial
    }

    func testTopThenTheBestStudentOfEachBandThenBaselines() {
        let trials = [
            trial(1, architecture(1, 64), accuracy: 0.60, latency: 1.0),    // the fastest: band [1, 3.16], scores too low
            trial(2, architecture(1, 128), accuracy: 0.70, latency: 2.9),   // band [1, 3.16]: within 0.05 of 3, larger, one layer
            trial(3, architecture(2, 64), accuracy: 0.74, latency: 3.0),    // band [1, 3.16]: its one student of two layers
            trial(4, architecture(2, 128), accuracy: 0.85, latency: 9.5),   // best reward: top-1
            trial(5, architecture(3, 128), accuracy: 0.79, latency: 9.0),   // band (3.16, 10]: the largest left after top-1
            trial(6, architecture(3, 64), accuracy: 0.78, latency: 6.0),    // the baseline's band (5.6, 7], not the front's best
            trial(7, architecture(4, 128), accuracy: 0.82, latency: 30),    // slower than the target: no band
        ]
        var failed = Trial(id: 8, episode: 1, slot: 8, architecture: architecture(4, 64))
        failed.state = .failed
        let baseline = architecture(4, 32)
        let plan = FinalistPlan(trials: trials + [failed], top: 1, front: 2, target: 10, prior: prior,
                                baselines: [(name: "baseline-small", architecture: baseline, latencyMs: 7.0)])
        XCTAssertEqual(plan.entries.map(\.name), ["top-1", "front-1", "front-2", "match-small", "baseline-small"])
        XCTAssertEqual(plan.entries.map(\.trialId), [4, 3, 5, 6, nil])
        XCTAssertEqual(plan.entries.map(\.origin), [.top, .pareto, .pareto, .pareto, .baseline])
        XCTAssertEqual(plan.entries.last?.architecture, baseline)
    }

    func testEmptyBandsAndChosenArchitecturesAreSkipped() {
        let trials = [trial(1, architecture(1, 64), accuracy: 0.6, latency: 1.0), trial(2, architecture(2, 64), accuracy: 0.8, latency: 9.0)]
        // Bands [1, 3.16] and (3.16, 10]: the first holds the fastest; the second's only member is already top-1.
        let plan = FinalistPlan(trials: trials, top: 1, front: 2, target: 10, prior: prior, baselines: [])
        XCTAssertEqual(plan.entries.map(\.trialId), [2, 1])
        // A baseline band with no candidate adds nothing.
        XCTAssertEqual(FinalistPlan(trials: trials, top: 0, front: 0, target: 10, prior: prior,
                                    baselines: [(name: "b", architecture: architecture(5, 64), latencyMs: 5)]).entries.map(\.trialId), [nil])
    }

    func testASpeedUpAnchorsABandOfItsOwn() throws {
        // Teacher 21 ms; a 3× anchor is 7 ms: its band (5.6, 7] takes the best candidate at least 3× as fast,
        // which the front's geometric bands [1, 3.16], (3.16, 10] would pass over for the larger 9 ms one.
        let trials = [
            trial(1, architecture(1, 64), accuracy: 0.60, latency: 1.0),
            trial(2, architecture(2, 128), accuracy: 0.84, latency: 9.0),
            trial(3, architecture(2, 64), accuracy: 0.80, latency: 6.9),
            trial(4, architecture(3, 64), accuracy: 0.82, latency: 7.2),   // 2.9×: outside the anchor's band
        ]
        let plan = FinalistPlan(trials: trials, top: 0, front: 2, target: 10, prior: prior,
                                anchors: [(FinalistPlan.speedupName(3), 21.0 / 3), (FinalistPlan.speedupName(2.9), 21.0 / 2.9)], baselines: [])
        XCTAssertEqual(plan.entries.map(\.trialId), [1, 2, 3, 4])
        XCTAssertEqual(plan.entries.map(\.name), ["front-1", "front-2", "speedup-3x", "speedup-2.9x"])
        // Speed-ups that print alike still name two folders.
        let alike = FinalistPlan(trials: trials, top: 0, front: 0, target: 10, prior: prior,
                                 anchors: [(FinalistPlan.speedupName(3), 21.0 / 3), (FinalistPlan.speedupName(3.0000001), 21.0 / 2.9)], baselines: [])
        XCTAssertEqual(alike.entries.map(\.name), ["speedup-3x", "speedup-3x-2"])
        XCTAssertEqual(try SearchSettings.speedups("2, 3"), [2, 3])
        XCTAssertNil(try SearchSettings.speedups("none"))
        XCTAssertThrowsError(try SearchSettings.speedups("3,x")) { XCTAssertTrue("\($0)".contains("--final-speedups 3,x"), "\($0)") }
        var settings = SearchSettings(teacher: "t", task: "toy", space: SearchSpace.bertBase)
        settings.finalSpeedups = try SearchSettings.speedups("3,1")
        XCTAssertThrowsError(try settings.validate()) { XCTAssertTrue("\($0)".contains("--final-speedups"), "\($0)") }
    }

    func testASearchedCandidateOfAHandCraftedShapeIsLeftToItsBaseline() {
        let handCrafted = architecture(3, 128)
        let trials = [trial(1, handCrafted, accuracy: 0.85, latency: 7.0),             // best reward, best of its band
                      trial(2, architecture(2, 128), accuracy: 0.80, latency: 6.5),
                      trial(3, architecture(1, 64), accuracy: 0.60, latency: 1.0)]
        let plan = FinalistPlan(trials: trials, top: 1, front: 1, target: 10, prior: prior,
                                baselines: [(name: "baseline-every-other-layer", architecture: handCrafted, latencyMs: 7.0)])
        // top-1 goes to the next best by reward, the front band's and the baseline band's best are other shapes.
        XCTAssertEqual(plan.entries.map(\.name), ["top-1", "front-1", "baseline-every-other-layer"])
        XCTAssertEqual(plan.entries.map(\.trialId), [2, 3, nil])
        XCTAssertEqual(plan.entries.filter { $0.architecture == handCrafted }.map(\.origin), [.baseline])
    }
}

/// A band's finalist: among the members within `FinalistPlan.scoreGuard` of the band's best proxy score, the ones
/// that inherit the teacher whole (its head size and activation) if any, of those the ones of more than one layer if
/// any, the largest of them, then the best score.
final class BandFinalistTests: XCTestCase {
    private func student(_ layers: Int, _ hidden: Int, heads: Int = 4, _ activation: BertConfig.Activation = .gelu) -> StudentArchitecture {
        StudentArchitecture(layers: layers, hiddenSize: hidden, heads: heads, intermediateSize: 2 * hidden, activation: activation)
    }

    private func done(_ id: Int, _ architecture: StudentArchitecture, score: Double) -> Trial {
        var trial = Trial(id: id, episode: 1, slot: id, architecture: architecture)
        (trial.state, trial.accuracy, trial.latencyMs, trial.reward) = (.done, score, 5, score)
        return trial
    }

    func testTheLargestWholeInheritingStudentNearTheBestScoreWins() throws {
        // A teacher of 32-wide heads and GELU: L2-H128-A4-gelu inherits it whole, L2-H128-A2-relu (as large) does not.
        let whole = StudentPrior(vocabulary: 100, positions: 16, tokenTypes: 2, labels: 2, headSize: 32, activation: .gelu)
        let members = [
            done(1, student(1, 64), score: 0.85),                        // the best score, the smallest student
            done(2, student(2, 128), score: 0.81),                       // 0.04 below the best: still a contender
            done(3, student(2, 128, heads: 2, .relu), score: 0.82),      // as large as 2, scores better, regrouped heads
            done(4, student(4, 128), score: 0.54),                       // the largest, but a failed distillation
        ]
        XCTAssertTrue(whole.inheritsWhole(members[1].architecture))
        XCTAssertFalse(whole.inheritsWhole(members[2].architecture))
        XCTAssertEqual(whole.parameters(members[1].architecture), whole.parameters(members[2].architecture))
        XCTAssertGreaterThan(whole.parameters(members[3].architecture), whole.parameters(members[1].architecture))
        XCTAssertEqual(FinalistPlan.best(of: members, prior: whole)?.id, 2)
        // A prior that tells no student whole leaves the tie to the score; in any order of the members.
        let sizeOnly = StudentPrior(vocabulary: 100, positions: 16, tokenTypes: 2, labels: 2)
        XCTAssertEqual(FinalistPlan.best(of: members, prior: sizeOnly)?.id, 3)
        XCTAssertEqual(FinalistPlan.best(of: members.reversed(), prior: sizeOnly)?.id, 3)
        XCTAssertEqual(FinalistPlan.best(of: members.reversed(), prior: whole)?.id, 2)
        // The guard is relative to the band's best: without the 0.85, the 0.54 is still 0.28 below the best.
        XCTAssertEqual(FinalistPlan.best(of: Array(members.dropFirst()), prior: whole)?.id, 2)
        // Alone within the guard, the best score wins however small; no member, no finalist.
        XCTAssertEqual(FinalistPlan.best(of: [members[0], members[3]], prior: whole)?.id, 1)
        XCTAssertNil(FinalistPlan.best(of: [], prior: whole))
        // A gap of exactly the guard is inside it, however the scores round: 245/500 is 0.05 below 270/500.
        let edge = [done(5, student(1, 64), score: 270.0 / 500), done(6, student(2, 128), score: 245.0 / 500)]
        XCTAssertEqual(FinalistPlan.best(of: edge, prior: sizeOnly)?.id, 6)
        // A teacher's own prior: MiniLM's 12 heads of 32 and GELU.
        var teacher = BertConfig()
        (teacher.hiddenSize, teacher.numAttentionHeads, teacher.hiddenAct) = (384, 12, .gelu)
        let minilm = StudentPrior(teacher: teacher)
        XCTAssertTrue(minilm.inheritsWhole(StudentArchitecture(layers: 3, hiddenSize: 384, heads: 12, intermediateSize: 384, activation: .gelu)))
        XCTAssertFalse(minilm.inheritsWhole(StudentArchitecture(layers: 3, hiddenSize: 384, heads: 6, intermediateSize: 384, activation: .gelu)))
        XCTAssertFalse(minilm.inheritsWhole(StudentArchitecture(layers: 3, hiddenSize: 384, heads: 12, intermediateSize: 384, activation: .silu)))
        // A whole-inheriting student beats a regrouped one 4% larger that scores better.
        let regrouped = StudentArchitecture(layers: 2, hiddenSize: 384, heads: 4, intermediateSize: 1536, activation: .gelu)
        let narrower = StudentArchitecture(layers: 2, hiddenSize: 384, heads: 12, intermediateSize: 1152, activation: .gelu)
        XCTAssertLessThan(Double(minilm.parameters(narrower)), 0.97 * Double(minilm.parameters(regrouped)))
        XCTAssertEqual(FinalistPlan.best(of: [done(1, regrouped, score: 0.82), done(2, narrower, score: 0.80)], prior: minilm)?.id, 2)
        // Two whole students within 1% of each other's size are one size: the better score wins, though 2,688
        // parameters (biases) smaller; 2% apart, the larger wins.
        let deep = StudentArchitecture(layers: 3, hiddenSize: 384, heads: 12, intermediateSize: 768, activation: .gelu)
        let wide = StudentArchitecture(layers: 2, hiddenSize: 384, heads: 12, intermediateSize: 1536, activation: .gelu)
        XCTAssertEqual(minilm.parameters(deep) - minilm.parameters(wide), 2_688)
        XCTAssertEqual(FinalistPlan.best(of: [done(1, deep, score: 0.80), done(2, wide, score: 0.81)], prior: minilm)?.id, 2)
        let shallow = StudentArchitecture(layers: 3, hiddenSize: 384, heads: 12, intermediateSize: 384, activation: .gelu)
        XCTAssertLessThan(Double(minilm.parameters(shallow)), 0.99 * Double(minilm.parameters(narrower)))
        XCTAssertEqual(FinalistPlan.best(of: [done(1, narrower, score: 0.80), done(2, shallow, score: 0.82)], prior: minilm)?.id, 1)
        // A one-layer student comes last, however large: L1-H384-F1536 has 2% more parameters than L2-H384-F192
        // (mostly word embeddings); alone, it is still the band's finalist.
        let single = StudentArchitecture(layers: 1, hiddenSize: 384, heads: 12, intermediateSize: 1536, activation: .gelu)
        let double = StudentArchitecture(layers: 2, hiddenSize: 384, heads: 12, intermediateSize: 192, activation: .gelu)
        XCTAssertGreaterThan(Double(minilm.parameters(single)), 1.01 * Double(minilm.parameters(double)))
        XCTAssertEqual(FinalistPlan.best(of: [done(1, single, score: 0.72), done(2, double, score: 0.70)], prior: minilm)?.id, 2)
        XCTAssertEqual(FinalistPlan.best(of: [done(1, single, score: 0.72)], prior: minilm)?.id, 1)
        // ... but a whole-inheriting one-layer student still comes before a regrouped deeper one.
        let regroupedDouble = StudentArchitecture(layers: 2, hiddenSize: 384, heads: 4, intermediateSize: 192, activation: .gelu)
        XCTAssertEqual(FinalistPlan.best(of: [done(1, single, score: 0.72), done(2, regroupedDouble, score: 0.72)], prior: minilm)?.id, 1)
    }
}

/// Kendall's τ-b on cases whose value follows from its definition.
final class RankCorrelationTests: XCTestCase {
    func testKendallTau() throws {
        XCTAssertEqual(RankCorrelation.kendall([1, 2, 3, 4], [10, 20, 30, 40]), 1)
        XCTAssertEqual(RankCorrelation.kendall([1, 2, 3, 4], [4, 3, 2, 1]), -1)
        // One discordant pair (2, 3) of six: (5 − 1) / 6.
        XCTAssertEqual(try XCTUnwrap(RankCorrelation.kendall([1, 2, 3, 4], [1, 3, 2, 4])), 4.0 / 6.0, accuracy: 1e-12)
        // A tie in y: pairs (1,2) C, (1,3) C, (2,3) tied in y → (2 − 0) / √(3 · 2).
        XCTAssertEqual(try XCTUnwrap(RankCorrelation.kendall([1, 2, 3], [1, 2, 2])), 2 / 6.0.squareRoot(), accuracy: 1e-12)
        XCTAssertNil(RankCorrelation.kendall([1], [1]))
        XCTAssertNil(RankCorrelation.kendall([1, 1], [2, 3]), "no variation in x")
    }
}
