import Distill
import Foundation
import Latency
import Models
import Tasks
import TensorCore
import Training

/// What a search reports while it runs (the CLI draws progress from it).
public protocol SearchObserver: AnyObject {
    func latencyCalibrationWillStart(count: Int)
    func searchDidStart(settings: SearchSettings, teacherLatencyMs: Double, target: Double, resumedTrials: Int)
    func trialDidStart(_ trial: Trial, finished: Int, total: Int)
    func trialDidFinish(_ trial: Trial, finished: Int, total: Int)
    func episodeDidFinish(_ episode: Int, trials: [Trial])
    func finalistDidStart(_ name: String, architecture: StudentArchitecture, index: Int, total: Int)
    func finalistDidFinish(_ finalist: Finalist)
}

/// A KD-NAS search: episodes of proposals, proxy distillation and rewards, then the final stage, kept in
/// a store that one process or several share (`run()`: SearchRun+Worker). Every step is saved in the
/// store before the next begins, so a run killed at any moment continues with `run()` and ends as an
/// uninterrupted run would (exactly so with predicted latency; measured latency of a redone trial is
/// measured again). `directory` is this process's own folder: trial logs and finalists' checkpoints.
public final class SearchRun {
    public let directory: URL
    public let settings: SearchSettings
    public let store: TrialStore
    let evaluator: CandidateEvaluator
    let data: SearchData
    let strategy: SearchStrategy
    /// Where this machine's latency calibrations are kept across runs (nil: calibrate in every run).
    let calibrationCache: URL?
    public weak var observer: SearchObserver?

    /// Opens `directory` (creating its store) for `settings`; a folder holding another search's settings is refused.
    /// Every option is checked (the evaluator built) before the store is touched; a new run's settings and
    /// `firstValues` (the saved command line, the metric's name) are written in one transaction.
    public init(directory: URL, settings given: SearchSettings, teacher: BertForSequenceClassification, tokenizerSource: URL,
                data: SearchData, store: TrialStore? = nil, calibrationCache: URL? = nil, firstValues: [String: Data] = [:]) throws {
        var settings = given
        try settings.validate()
        try Distiller.checkTeacher(teacher.config, path: settings.teacher, fits: data.train.dataset.definition)
        for architecture in settings.architectures ?? [] {
            var config = architecture.config(from: teacher.config)
            config.numLabels = teacher.config.numLabels
            do {
                try config.validate()
                if settings.inherit { try StudentInitializer.checkInheritable(config, from: teacher.config) }
            } catch {
                throw SearchError.invalid("--architectures \(architecture)", "a student the teacher can give (\(error))")
            }
        }
        for (rung, count) in settings.rungExamples(trainCount: data.train.count).enumerated() where count < 8 || count > data.proxyTrain.count {
            throw SearchError.invalid(rung == 0 ? "--proxy-fraction" : "--rungs", "at least 8 training examples per rung, within the proxy set "
                                      + "of \(data.proxyTrain.count) (rung \(rung) has \(count))")
        }
        let evaluator = try CandidateEvaluator(settings: settings, teacher: teacher, tokenizerSource: tokenizerSource, importanceSource: data.train)
        try OutputFolder.create(directory)
        let store = try store ?? SQLiteTrialStore(path: directory.appendingPathComponent("search.sqlite").path)
        if try !store.trials().isEmpty && store.workItems().isEmpty {
            throw SearchError.corruptState("\(store.location): holds a search of an earlier KDNAS version (trials without work items), "
                                           + "which this one cannot continue; start a new search in another folder")
        }
        // A process joining a calibrated search predicts from the study's calibration, so its own thread count
        // changes only the measurements kept beside the predictions: it takes the study's.
        if case .calibrated = settings.latency, let saved = try store.value("settings"),
           let savedSettings = try? JSONDecoder().decode(SearchSettings.self, from: saved) {
            settings.threads = savedSettings.threads
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let encoded = try encoder.encode(settings)
        // Equal settings may encode differently when a later version added a field with a default.
        if let saved = try store.initialize(firstValues.merging(["settings": encoded]) { $1 }), saved != encoded,
           (try? JSONDecoder().decode(SearchSettings.self, from: saved)) != settings {
            throw SearchError.mismatch("\(store.location): holds a search with other settings (\(Self.differences(saved, encoded))); "
                                       + "resume it with `kdnas search --resume \(directory.path)` and no other search options, or choose another --out")
        }
        (self.directory, self.settings, self.store, self.data, self.evaluator, self.calibrationCache) =
            (directory, settings, store, data, evaluator, calibrationCache)
        switch settings.strategy {
        case .list: strategy = ListStrategy(architectures: settings.architectures ?? [])
        case .random: strategy = RandomStrategy(space: settings.space)
        case .evolution: strategy = EvolutionStrategy(space: settings.space, population: settings.population, tournament: settings.tournament)
        case .lstm:
            let lstm = LSTMStrategy(space: settings.space, seed: settings.seed &+ 0xC0DE)
            (lstm.epsilonStart, lstm.epsilonDecay, lstm.trainingSteps) = (settings.epsilonStart, settings.epsilonDecay, settings.controllerSteps)
            strategy = lstm
        }
    }

    /// The top-level settings that differ between two encodings: "key: saved → given".
    static func differences(_ saved: Data, _ given: Data) -> String {
        guard let a = try? JSONSerialization.jsonObject(with: saved) as? [String: Any],
              let b = try? JSONSerialization.jsonObject(with: given) as? [String: Any] else { return "unreadable saved settings" }
        func text(_ value: Any?) -> String {
            guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) else { return "none" }
            let string = String(decoding: data, as: UTF8.self)
            return string.count > 80 ? String(string.prefix(80)) + "…" : string
        }
        return Set(a.keys).union(b.keys).sorted().filter { text(a[$0]) != text(b[$0]) }
            .map { "\($0): \(text(a[$0])) → \(text(b[$0]))" }.joined(separator: "; ")
    }

    /// A calibrated search's latency model: the run's own once it has one (so a resumed run predicts exactly
    /// as before), else this machine's cached calibration, else a new calibration (then cached).
    public func prepareLatencyModel() throws {
        guard case .calibrated(let meter, let count) = settings.latency, evaluator.latencyModel == nil else { return }
        if let saved = try store.value("latency_profile") {
            evaluator.latencyModel = try JSONDecoder().decode(LatencyProfile.self, from: saved).model
            return
        }
        let rounds = 2
        let cached = calibrationCache?.appendingPathComponent(LatencyCalibration.cacheName(space: settings.space, base: evaluator.teacher.config,
                                                                                         settings: meter, count: count, rounds: rounds))
        let profile: LatencyProfile
        if let cached, let kept = try? LatencyProfile.read(cached.path) {
            profile = kept
        } else {
            observer?.latencyCalibrationWillStart(count: count)
            profile = try LatencyCalibration.calibrate(space: settings.space, base: evaluator.teacher.config, settings: meter, count: count,
                                                   rounds: rounds)
            if let cached { try? profile.write(to: cached) }  // a cache that cannot be written costs the next run a calibration, nothing more
        }
        try store.setValue(try JSONEncoder().encode(profile), for: "latency_profile")
        evaluator.latencyModel = profile.model
    }

    /// The teacher's latency by the run's source, once per run and kept: the reward's target depends on it.
    /// A calibrated run also times the teacher five times, for the report's measurement noise.
    public func teacherLatency() throws -> Double {
        if let saved = try store.value("teacher_latency_ms"), let value = Double(String(decoding: saved, as: UTF8.self)) { return value }
        if evaluator.latencyModel == nil { try prepareLatencyModel() }
        let figure = try evaluator.latency(of: evaluator.teacher).get()
        var values = ["teacher_latency_ms": Data(String(figure.milliseconds).utf8)]
        if case .calibrated(let meter, _) = settings.latency {
            let session = InferenceSession(evaluator.teacher)
            let repeats = (0..<5).map { _ in LatencyMeter.measure(session, settings: meter).medianMs }
            values["teacher_latency_repeats"] = try JSONEncoder().encode(repeats)
        }
        try store.setValues(values)
        return figure.milliseconds
    }

    /// The teacher's metrics on the scoring set, dev as reported and (labelled) test, computed once per run and kept.
    public func teacherMetrics() throws -> TeacherMetrics {
        if let saved = try store.value("teacher_metrics") { return try JSONDecoder().decode(TeacherMetrics.self, from: saved) }
        let teacher = evaluator.teacher
        let metrics = TeacherMetrics(
            proxyDev: ClassifierEvaluator.evaluate(teacher, on: data.scoring).values,
            dev: ClassifierEvaluator.evaluate(teacher, on: data.reportDev).values,
            test: data.test.flatMap { $0.dataset.isLabeled && $0.count > 0 ? ClassifierEvaluator.evaluate(teacher, on: $0).values : nil },
            parameters: teacher.parameterCount, architecture: StudentArchitecture(teacher.config),
            examples: ["scoring": data.scoring.count, "dev": data.reportDev.count, "test": data.test?.count ?? 0],
            scoringMajority: Self.constantPredictorScore(on: data.scoring))
        try store.setValue(try JSONEncoder().encode(metrics), for: "teacher_metrics")
        return metrics
    }

    /// The primary metric of a student that always predicts the scoring set's most common label: what a
    /// candidate that learnt nothing scores (accuracy: the majority share; Matthews: 0; F1: that of "all positive").
    static func constantPredictorScore(on scoring: EncodedDataset) -> Double? {
        let definition = scoring.dataset.definition
        guard !definition.isRegression, let labels = scoring.labels, !labels.isEmpty else { return nil }
        let counts = Dictionary(grouping: labels.map { Int($0) }, by: { $0 }).mapValues(\.count)
        let majority = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
        return definition.evaluate(predictions: Array(repeating: majority, count: labels.count), labels: labels.map { Int($0) }).values[
            definition.primaryMetricName()]
    }

    /// Candidates distilled per episode over all rungs: K, then the promoted share of the previous rung's.
    static func evaluationsPerEpisode(candidates: Int, rungs: Int, promotion: Double) -> Int {
        var (count, total) = (candidates, 0)
        for rung in 0..<rungs {
            if rung > 0 { count = Self.promotedCount(of: count, share: promotion) }
            total += count
        }
        return total
    }

    /// How many of `count` finished candidates move up a rung: the share, rounded, at least one.
    static func promotedCount(of count: Int, share: Double) -> Int { count == 0 ? 0 : max(1, Int((Double(count) * share).rounded())) }

    /// Distils a candidate on rung `rung`'s share of the proxy set and records its metric, latency (on the
    /// first rung), parameters and reward. A failure on the first rung fails the trial; on a later rung the
    /// trial keeps the previous rung's result, with the error noted. Never throws.
    func evaluate(_ proposed: Trial, rung: Int, target: Double) -> Trial {
        var trial = proposed
        let started = Date()
        let folder = directory.appendingPathComponent("trials/\(trial.id)")
        let budget = settings.allRungs[rung]
        do {
            try? FileManager.default.removeItem(at: folder)  // a trial cut short is redone from the start
            let train = data.proxyTrain(count: settings.rungExamples(trainCount: data.train.count)[rung])
            let outcome = try evaluator.distill(trial.architecture, train: train, cacheSource: data.proxyTrain, dev: data.scoring,
                                                cacheKey: "proxy", epochs: budget.epochs, learningRate: settings.proxyLearningRate,
                                                seed: trialSeed(trial.id), directory: folder,
                                                checkpoints: false, scoreBeforeTraining: rung == 0)
            let primary = data.scoring.dataset.definition.primaryMetricName()
            guard let metric = outcome.metrics[primary], metric.isFinite else {
                throw SearchError.invalid("proxy-dev \(primary)", "a finite value (got \(outcome.metrics[primary] ?? .nan))")
            }
            if rung == 0 {
                trial.initialScore = outcome.initialMetrics?[primary]
                trial.parameters = outcome.student.parameterCount
                let figure = try evaluator.latency(of: outcome.student).get()
                (trial.latencyMs, trial.measuredMs) = (figure.milliseconds, figure.measured)
            }
            // A correlation metric can be negative, which would flip the latency term: it counts as 0.
            let reward = settings.reward.value(accuracy: max(metric, 0), latencyMs: trial.latencyMs!, target: target)
            (trial.accuracy, trial.reward, trial.trainLoss, trial.state) = (metric, reward, outcome.trainLoss, .done)
            trial.rungResults.append(RungResult(accuracy: metric, reward: reward, trainLoss: outcome.trainLoss,
                                                seconds: Date().timeIntervalSince(started)))
        } catch {
            trial.error = (rung > 0 ? "rung \(rung): " : "") + String(describing: error)
            trial.state = rung > 0 && trial.reward != nil ? .done : .failed
        }
        trial.seconds = (trial.seconds ?? 0) + Date().timeIntervalSince(started)
        return trial
    }

    /// A trial's seed: the run's seed mixed with its id, so a redone trial repeats itself exactly.
    func trialSeed(_ id: Int) -> UInt64 {
        var random = SearchRandom(seed: settings.seed &+ UInt64(id) &* 0x9E37_79B9)
        return random.next() >> 1
    }
}

/// The teacher's scores, for the report.
public struct TeacherMetrics: Codable, Sendable {
    public var proxyDev: [String: Double]
    public var dev: [String: Double]
    public var test: [String: Double]?
    public var parameters: Int
    public var architecture: StudentArchitecture
    /// Examples in the scoring set, in dev as reported and in test.
    public var examples: [String: Int]?
    /// The share of the scoring set's most common label: the score of a student that learnt nothing.
    public var scoringMajority: Double?

    enum CodingKeys: String, CodingKey {
        case proxyDev = "proxy_dev", dev, test, parameters, architecture, examples, scoringMajority = "scoring_majority"
    }
}
