@testable import Search
import XCTest

/// The search stage's coverage of the finalist bands, on a synthetic latency (layers × hidden / 32 ms) and the
/// closed-form parameter count of a small vocabulary.
final class BandCoverageTests: XCTestCase {
    let space = SearchSpace(name: "test", layers: [1, 2, 3, 4, 6], hiddenSizes: [32, 64, 96], heads: [2, 4], intermediateSizes: [64, 128],
                            activations: [.gelu, .relu])
    let latency: (StudentArchitecture) -> Double = { Double($0.layers * $0.hiddenSize) / 32 }
    /// Sizes students by a small vocabulary; tells none whole, so every student of a band is eligible.
    let prior = StudentPrior(vocabulary: 1000, positions: 64, tokenTypes: 2, labels: 2)

    private func makeCoverage(_ anchors: [Double], quota: Int, excluded: Set<StudentArchitecture> = [],
                              prior: StudentPrior? = nil) -> BandCoverage {
        BandCoverage(anchors: anchors, quota: quota, space: space, excluded: excluded, prior: prior ?? self.prior, latency: latency)
    }

    /// Layers, hidden size and FFN width: the parameter count does not depend on heads or activation.
    private func size(_ trial: Trial) -> [Int] {
        [trial.architecture.layers, trial.architecture.hiddenSize, trial.architecture.intermediateSize]
    }

    private func trials(_ architectures: [StudentArchitecture], episode: Int = 1) -> [Trial] {
        architectures.enumerated().map { Trial(id: episode * 1000 + $0, episode: episode, slot: $0, architecture: $1) }
    }

    private func architecture(_ layers: Int, _ hidden: Int, _ heads: Int = 2) -> StudentArchitecture {
        StudentArchitecture(layers: layers, hiddenSize: hidden, heads: heads, intermediateSize: 64, activation: .gelu)
    }

    func testEachShortBandGetsOneCandidateInsideItFromTheSecondEpisode() {
        // Bands (4.8, 6] and (2.4, 3]: latencies 6 (L2-H96, L3-H64, L6-H32) and 3 (L1-H96, L3-H32), none tried yet.
        let excluded = architecture(3, 64)
        let coverage = makeCoverage([6, 3], quota: 2, excluded: [excluded])
        let history = trials([architecture(1, 32), architecture(4, 96)])
        let proposals = trials([architecture(2, 32)], episode: 2)
        var random = SearchRandom(seed: 7)
        XCTAssertTrue(coverage.topUps(episode: 1, history: [], proposals: history, strategy: RandomStrategy(space: space), random: &random).isEmpty,
                      "the first episode trains the controller: nothing added")
        for strategy in [RandomStrategy(space: space), EvolutionStrategy(space: space), LSTMStrategy(space: space, seed: 3)] as [SearchStrategy] {
            var random = SearchRandom(seed: 7)
            let added = coverage.topUps(episode: 2, history: history, proposals: proposals, strategy: strategy, random: &random)
            XCTAssertEqual(added.map(\.slot), [1, 2], "\(strategy): slots after the proposals")
            XCTAssertEqual(added.map(\.id), [2001, 2002])
            XCTAssertTrue(coverage.contains(coverage.bands[0], added[0].architecture), "\(added[0].architecture) in (4.8, 6]")
            XCTAssertTrue(coverage.contains(coverage.bands[1], added[1].architecture), "\(added[1].architecture) in (2.4, 3]")
            XCTAssertFalse(added.contains { $0.architecture == excluded }, "a hand-crafted student is never proposed")
            XCTAssertTrue(added.allSatisfy { space.isValid($0.architecture) })
            // The largest untried students of each band: (4.8, 6] holds L2-H96 and L6-H32 (L3-H64 is excluded), of
            // which L2-H96 with FFN 128 has the most parameters; (2.4, 3] holds L1-H96 and L3-H32.
            XCTAssertEqual(added.map(size), [[2, 96, 128], [1, 96, 128]], "\(strategy)")
            if strategy is LSTMStrategy { XCTAssertTrue(added.allSatisfy { $0.predictedReward != nil && !$0.explored }) }
        }
    }

    func testTheLargestUntriedStudentIsProposedNeverAnExcludedOne() {
        // (4.8, 6] holds L2-H96 (F64 and F128, two heads, two activations), L3-H64 and L6-H32. With every
        // L2-H96-F128 variant excluded (as a hand-crafted shape would be), the largest left is L2-H96-F64; with
        // those tried too, L3-H64-F128.
        let largest = space.all.filter { $0.layers == 2 && $0.hiddenSize == 96 && $0.intermediateSize == 128 }
        XCTAssertEqual(largest.count, 4)
        let coverage = makeCoverage([6], quota: 10, excluded: Set(largest))
        for strategy in [RandomStrategy(space: space), LSTMStrategy(space: space, seed: 5)] as [SearchStrategy] {
            var random = SearchRandom(seed: 11)
            let first = coverage.topUps(episode: 2, history: [], proposals: [], strategy: strategy, random: &random)
            XCTAssertEqual(first.map(size), [[2, 96, 64]])
            let tried = trials(space.all.filter { $0.layers == 2 && $0.hiddenSize == 96 && $0.intermediateSize == 64 })
            let next = coverage.topUps(episode: 3, history: tried, proposals: [], strategy: strategy, random: &random)
            XCTAssertEqual(next.map(size), [[3, 64, 128]])
        }
    }

    func testAShapeTheBandHoldsIsSkippedForTheNextLargest() {
        // (4.8, 6] holds one L2-H96-F128 variant already: its other heads and activations are passed over for the
        // next largest shape, L2-H96-F64, until no other shape is left untried.
        let coverage = makeCoverage([6], quota: 100)
        let held = StudentArchitecture(layers: 2, hiddenSize: 96, heads: 2, intermediateSize: 128, activation: .gelu)
        for strategy in [RandomStrategy(space: space), LSTMStrategy(space: space, seed: 5)] as [SearchStrategy] {
            var random = SearchRandom(seed: 3)
            let next = coverage.topUps(episode: 2, history: trials([held]), proposals: [], strategy: strategy, random: &random)
            XCTAssertEqual(next.map(size), [[2, 96, 64]], "\(strategy)")
            // Every other shape of the band tried: a variant of the held shape is the only new student left.
            let others = space.all.filter { coverage.contains(coverage.bands[0], $0) && BandCoverage.Shape($0) != BandCoverage.Shape(held) }
            let last = coverage.topUps(episode: 3, history: trials([held] + others), proposals: [], strategy: strategy, random: &random)
            XCTAssertEqual(last.map(size), [[2, 96, 128]], "\(strategy)")
            XCTAssertNotEqual(last.first?.architecture, held)
        }
    }

    func testAFullBandGetsNothingAndTheListAddsNothing() {
        let coverage = makeCoverage([6], quota: 2)
        let history = trials([architecture(2, 96), architecture(6, 32)])  // both at 6 ms: the band holds its quota
        var random = SearchRandom(seed: 1)
        XCTAssertTrue(coverage.topUps(episode: 3, history: history, proposals: [], strategy: RandomStrategy(space: space), random: &random).isEmpty)
        let list = ListStrategy(architectures: [architecture(1, 32)])
        XCTAssertTrue(coverage.topUps(episode: 3, history: Array(history.prefix(1)), proposals: [], strategy: list, random: &random).isEmpty,
                      "a list is evaluated as given")
        XCTAssertEqual(coverage.topUps(episode: 3, history: Array(history.prefix(1)), proposals: [], strategy: RandomStrategy(space: space),
                                   random: &random).count, 1)
    }

    func testABandNoArchitectureReachesIsSkipped() {
        // Nothing lies in (0.08, 0.1] ms: the band is left as it is and the next one still gets its candidate.
        let coverage = makeCoverage([0.1, 3], quota: 1)
        var random = SearchRandom(seed: 2)
        let added = coverage.topUps(episode: 2, history: [], proposals: [], strategy: RandomStrategy(space: space), random: &random)
        XCTAssertEqual(added.count, 1)
        XCTAssertEqual(latency(added[0].architecture), 3)
        XCTAssertEqual(added[0].slot, 0)
    }

    func testOnlyWholeInheritingStudentsFillABandThatHasAny() {
        // A teacher of 32-wide heads and GELU: of the space's hidden sizes, only H64 with 2 heads inherits it whole.
        // (4.8, 6] holds L3-H64-A2-gelu (F64 and F128), whole, beside L2-H96 and L6-H32; (2.4, 3] (L1-H96, L3-H32)
        // holds no whole student, so every student of it counts.
        let whole = StudentPrior(vocabulary: 1000, positions: 64, tokenTypes: 2, labels: 2, headSize: 32, activation: .gelu)
        let coverage = makeCoverage([6, 3], quota: 2, prior: whole)
        let regrouped = [StudentArchitecture(layers: 2, hiddenSize: 96, heads: 2, intermediateSize: 128, activation: .relu),
                         StudentArchitecture(layers: 2, hiddenSize: 96, heads: 4, intermediateSize: 128, activation: .gelu),
                         architecture(6, 32), architecture(1, 96), architecture(3, 32)]
        for strategy in [RandomStrategy(space: space), LSTMStrategy(space: space, seed: 5)] as [SearchStrategy] {
            var random = SearchRandom(seed: 4)
            // Three regrouped students fill (4.8, 6] beyond its quota, yet it gets its largest whole student;
            // (2.4, 3] holds its two.
            let first = coverage.topUps(episode: 2, history: trials(regrouped), proposals: [], strategy: strategy, random: &random)
            XCTAssertEqual(first.map(\.architecture),
                           [StudentArchitecture(layers: 3, hiddenSize: 64, heads: 2, intermediateSize: 128, activation: .gelu)], "\(strategy)")
            let second = coverage.topUps(episode: 3, history: trials(regrouped + first.map(\.architecture)), proposals: [],
                                         strategy: strategy, random: &random)
            XCTAssertEqual(second.map(\.architecture),
                           [StudentArchitecture(layers: 3, hiddenSize: 64, heads: 2, intermediateSize: 64, activation: .gelu)], "\(strategy)")
            // Two whole students: the band holds its quota.
            let third = coverage.topUps(episode: 4, history: trials(regrouped + (first + second).map(\.architecture)), proposals: [],
                                        strategy: strategy, random: &random)
            XCTAssertTrue(third.isEmpty, "\(strategy): \(third.map(\.architecture))")
        }
    }

    func testABandWhoseWholeStudentsAreAllTriedTakesAnyStudentAndHandCraftedOnesNeverCount() {
        let whole = StudentPrior(vocabulary: 1000, positions: 64, tokenTypes: 2, labels: 2, headSize: 32, activation: .gelu)
        let coverage = makeCoverage([6], quota: 2, prior: whole)
        // Both whole students of (4.8, 6] tried, one failed: the band holds one, so any student is eligible and
        // the largest shape left, L2-H96-F128, is proposed.
        var history = trials([StudentArchitecture(layers: 3, hiddenSize: 64, heads: 2, intermediateSize: 128, activation: .gelu),
                              StudentArchitecture(layers: 3, hiddenSize: 64, heads: 2, intermediateSize: 64, activation: .gelu)])
        history[0].state = .failed
        var random = SearchRandom(seed: 8)
        let added = coverage.topUps(episode: 2, history: history, proposals: [], strategy: RandomStrategy(space: space), random: &random)
        XCTAssertEqual(added.map(size), [[2, 96, 128]])
        // A hand-crafted student in the band is distilled as its baseline: it does not fill the band.
        let handCrafted = architecture(6, 32)
        let sizeOnly = makeCoverage([6], quota: 2, excluded: [handCrafted])
        let held = trials([handCrafted, architecture(2, 96)])
        XCTAssertEqual(sizeOnly.topUps(episode: 2, history: held, proposals: [], strategy: RandomStrategy(space: space), random: &random).count, 1)
        XCTAssertTrue(makeCoverage([6], quota: 2).topUps(episode: 2, history: held, proposals: [], strategy: RandomStrategy(space: space),
                                                     random: &random).isEmpty, "counted when not excluded")
    }
}
