import Distill
import Foundation
import Latency
import Tasks

/// Everything that defines a search run. Saved in the run's store when it starts; a resumed run
/// must be given the same (or nothing, to reuse them).
public struct SearchSettings: Codable, Sendable, Equatable {
    /// How candidates' latency is obtained.
    public enum LatencySource: Codable, Sendable, Equatable {
        /// Measured here with the inference session, once per candidate (noisy on a shared machine).
        case measured(LatencyMeter.Settings)
        /// Predicted by a latency model calibrated on this machine when the search starts (cached per
        /// machine, thread count, shape and space): repeatable, so the reward and the Pareto front do not
        /// follow machine noise. Each candidate is measured too, and the figure kept beside the prediction.
        case calibrated(LatencyMeter.Settings, count: Int)
        /// Predicted by a calibrated profile (deterministic: a resumed search repeats it exactly).
        case predicted(profile: String)
        /// Printed by a user's command run on the exported candidate.
        case external(command: String, timeout: Double)
    }

    public var teacher: String
    public var task: String
    public var space: SearchSpace
    public var strategy: StrategyKind = .lstm
    public var episodes = 6
    public var candidatesPerEpisode = 4
    public var seed: UInt64 = 1
    public var reward = Reward()
    public var latency: LatencySource = .calibrated(LatencyMeter.Settings(), count: 60)
    /// Student initialisation: inherited from the teacher, or random.
    public var inherit = true
    /// The training examples on which the teacher's FFN units are ranked for inherited students (`UnitImportance`);
    /// nil: by weight norm (the default, and every search saved before the option existed).
    public var unitImportance: Int?
    /// The distillation of every candidate and finalist.
    public var recipe = DistillationRecipe()
    /// Share of the training set each candidate is distilled on, and for how many epochs.
    public var proxyFraction = 0.1
    public var proxyEpochs = 1
    /// Successive halving: the rungs after the first (the first is `proxyFraction` × `proxyEpochs`); after each
    /// rung the best `promotion` share of an episode's candidates by reward (at least one) is distilled again on
    /// the next rung's larger set, which contains the smaller one. Empty: one rung.
    public var rungs: [ProxyRung] = []
    public var promotion = 1.0 / 3.0
    /// Where candidates are scored, and on how many examples.
    public var scoringSplit: ScoringSplit = .dev
    public var proxyDevSize = 500
    /// The architectures of the `list` strategy, in the order they are evaluated.
    public var architectures: [StudentArchitecture]?
    public var learningRate: Float = 1e-4
    /// The peak learning rate of the candidates' short proxy distillations (nil: `learningRate`, as the final stage).
    public var proxyLearningRate: Float?
    public var batchSize = 32
    public var maxLength = 128
    /// LSTM strategy: ε schedule and controller training steps per episode.
    public var epsilonStart = 1.0
    public var epsilonDecay = 0.05
    public var controllerSteps = 300
    /// Evolution strategy: population and tournament sizes.
    public var population = 10
    public var tournament = 3
    /// Final stage: the top N by reward, up to this many more spread over the front's latency range (the best
    /// student of each latency band, `FinalistPlan`), the baselines, and their epochs.
    public var finalTop = 2
    public var finalPareto = 2
    public var finalEpochs = 1
    /// Speed-ups over the teacher that anchor a finalist band each (3: the best student within (0.8, 1] of the
    /// teacher's latency / 3, `FinalistPlan`); nil: none.
    public var finalSpeedups: [Double]?
    /// The search stage's coverage of those bands and the baselines': from the second episode on, each episode adds
    /// one candidate to every band holding fewer than this many students that inherit the teacher whole (any
    /// students once those are all tried; see `BandCoverage`); nil: none added.
    public var bandQuota: Int?
    /// The final stage's transfer set: the training set and perturbed copies of it (nil: the training set alone).
    public var augmentation: TextAugmentation?
    public var baselines = true
    /// Threads of a search with measured latency (a resumed search must time at the same count); nil otherwise.
    public var threads: Int?

    public init(teacher: String, task: String, space: SearchSpace) {
        (self.teacher, self.task, self.space) = (teacher, task, space)
    }

    enum CodingKeys: String, CodingKey {
        case teacher, task, space, strategy, episodes, seed, reward, latency, inherit, recipe, baselines
        case candidatesPerEpisode = "candidates_per_episode", proxyFraction = "proxy_fraction", proxyDevSize = "proxy_dev_size"
        case proxyEpochs = "proxy_epochs", rungs, promotion, scoringSplit = "scoring_split", architectures, learningRate = "learning_rate",
             proxyLearningRate = "proxy_learning_rate", batchSize = "batch_size", maxLength = "max_length"
        case epsilonStart = "epsilon_start", epsilonDecay = "epsilon_decay", controllerSteps = "controller_steps"
        case population, tournament, threads, finalTop = "final_top", finalPareto = "final_pareto", finalEpochs = "final_epochs", augmentation,
             finalSpeedups = "final_speedups", bandQuota = "band_quota", unitImportance = "unit_importance"
    }

    /// Whether `trial` is one of the candidates band coverage added (its slot lies past the episode's count).
    public func isBandTopUp(_ trial: Trial) -> Bool { trial.slot >= candidatesPerEpisode }

    /// The band quota the search stage applies (`BandCoverage`), nil when it adds nothing: no quota, no band (no
    /// speed-up and no baseline), a list of shapes, or no latency model to place an architecture without timing it.
    public var activeBandQuota: Int? {
        guard let bandQuota, bandQuota > 0, strategy != .list, finalSpeedups != nil || baselines else { return nil }
        switch latency {
        case .calibrated, .predicted: return bandQuota
        case .measured, .external: return nil
        }
    }

    /// "3" or "2,3,5" → speed-ups (`--final-speedups`; `validate` checks each is above 1); "none" → nil. The error names the option.
    public static func speedups(_ text: String) throws(SearchError) -> [Double]? {
        if text.trimmingCharacters(in: .whitespaces).lowercased() == "none" { return nil }
        var values: [Double] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Double(item.trimmingCharacters(in: .whitespaces)) else {
                throw .invalid("--final-speedups \(text)", "comma-separated speed-ups above 1, e.g. 3 or 2,4, or none (got \(item))")
            }
            if !values.contains(value) { values.append(value) }
        }
        return values
    }

    /// The share of train and the epochs of each rung, the first one included.
    public var allRungs: [ProxyRung] { [ProxyRung(fraction: proxyFraction, epochs: proxyEpochs)] + rungs }

    /// The training examples of each rung, from a training set of `trainCount`; the last is the proxy set's size.
    public func rungExamples(trainCount: Int) -> [Int] { allRungs.map { Int((Double(trainCount) * $0.fraction).rounded()) } }

    /// The largest of 4, 2, 1 relation heads dividing the teacher's hidden size and every student's the search can try.
    public static func relationHeads(teacherHidden: Int, space: SearchSpace, architectures: [StudentArchitecture]?) -> Int {
        let sizes = [teacherHidden] + space.hiddenSizes + (architectures ?? []).map(\.hiddenSize)
        return [4, 2, 1].first { r in sizes.allSatisfy { $0 % r == 0 } } ?? 1
    }

    /// Throws the first setting that cannot work.
    public func validate() throws(SearchError) {
        guard (1...100_000).contains(episodes) else { throw .invalid("--episodes", "1 to 100000 episodes") }
        guard epsilonStart.isFinite, epsilonDecay.isFinite, epsilonDecay >= 0 else { throw .invalid("--epsilon-decay", "a finite number ≥ 0") }
        guard (0...1_000_000).contains(controllerSteps) else { throw .invalid("--controller-steps", "0 to 10^6 steps") }
        guard (1...999).contains(candidatesPerEpisode) else { throw .invalid("--candidates", "1 to 999 candidates per episode") }
        guard proxyFraction > 0, proxyFraction <= 1 else { throw .invalid("--proxy-fraction", "a share in (0, 1]") }
        guard proxyDevSize > 0 else { throw .invalid("--proxy-dev", "a positive number of examples") }
        guard learningRate > 0, learningRate.isFinite, (proxyLearningRate ?? 1) > 0, (proxyLearningRate ?? 1).isFinite else {
            throw .invalid("--lr/--proxy-lr", "positive learning rates")
        }
        var previous = proxyFraction * Double(proxyEpochs)
        for rung in rungs {
            guard rung.fraction > 0, rung.fraction <= 1, rung.epochs > 0, rung.fraction * Double(rung.epochs) > previous else {
                throw .invalid("--rungs", "shares in (0, 1] × positive epochs, each rung a larger budget than the one before (got \(rung))")
            }
            previous = rung.fraction * Double(rung.epochs)
        }
        guard promotion > 0, promotion < 1 else { throw .invalid("--promote", "a share in (0, 1)") }
        if strategy == .list {
            guard let architectures, !architectures.isEmpty else { throw .invalid("--architectures", "a non-empty list for --strategy list") }
            guard episodes * candidatesPerEpisode >= architectures.count else {
                throw .invalid("--episodes × --candidates", "room for all \(architectures.count) listed architectures")
            }
        }
        if case .calibrated(_, let count) = latency, count < 8 { throw .invalid("--latency-calibration", "at least 8 architectures") }
        guard proxyEpochs > 0, finalEpochs > 0 else { throw .invalid("--proxy-epochs/--final-epochs", "positive numbers") }
        do { try augmentation?.validate() } catch {
            if case .invalidOption(let option, let expected) = error { throw .invalid(option, expected) }
            throw .invalid("--augment", "\(error)")
        }
        guard (finalSpeedups ?? []).allSatisfy({ $0 > 1 && $0.isFinite }) else {
            throw .invalid("--final-speedups", "speed-ups above 1 (e.g. 3 for a student 3× as fast as the teacher)")
        }
        guard (0...99).contains(bandQuota ?? 0) else { throw .invalid("--band-quota", "0 to 99 candidates per band") }
        do { try UnitImportance.check(examples: unitImportance ?? 0, inherits: inherit) } catch {
            if case .invalid(let option, let expected) = error { throw .invalid(option, expected) }
        }
        guard finalTop >= 0, finalPareto >= 0 else { throw .invalid("--final-top/--final-pareto", "numbers ≥ 0") }
        try reward.validate()
    }
}

/// One fidelity of successive halving: a share of the training set, for some epochs.
public struct ProxyRung: Codable, Sendable, Equatable, CustomStringConvertible {
    public var fraction: Double
    public var epochs: Int

    public init(fraction: Double, epochs: Int) { (self.fraction, self.epochs) = (fraction, epochs) }

    public var description: String { "\(fraction)x\(epochs)" }

    /// "0.3x1,0.6x2" (share × epochs; "0.3" alone is one epoch) → rungs; the error names --rungs.
    public static func list(_ text: String) throws(SearchError) -> [ProxyRung] {
        var rungs: [ProxyRung] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "x", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let fraction = Double(parts[0].trimmingCharacters(in: .whitespaces)),
                  let epochs = parts.count == 2 ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : 1 else {
                throw .invalid("--rungs \(text)", "comma-separated SHARExEPOCHS items, e.g. 0.3x1,0.6x1 (got \(item))")
            }
            rungs.append(ProxyRung(fraction: fraction, epochs: epochs))
        }
        return rungs
    }
}
