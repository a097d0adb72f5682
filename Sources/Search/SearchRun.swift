import Distill
import Foundation
import Latency
import Models
import Tasks
import TensorCore
import Training

/// What a search reports while it runs (the CLI draws progress from it).
public protocol SearchObserver: AnyObject {
    func searchDidStart(settings: SearchSettings, teacherLatencyMs: Double, target: Double, resumedTrials: Int)
    func trialDidStart(_ trial: Trial, finished: Int, total: Int)
    func trialDidFinish(_ trial: Trial, finished: Int, total: Int)
    func episodeDidFinish(_ episode: Int, trials: [Trial])
    func finalistDidStart(_ name: String, architecture: StudentArchitecture, index: Int, total: Int)
    func finalistDidFinish(_ finalist: Finalist)
}

/// The data a search runs on: the proxy split of the training set, and the full splits for the final stage.
public struct SearchData {
    public let train: EncodedDataset
    public let dev: EncodedDataset
    public let test: EncodedDataset?
    public let proxyTrain: EncodedDataset
    public let proxyDev: EncodedDataset

    /// Splits `train` by a seeded shuffle: the first `fraction` for proxy training, the next `devSize` for proxy-dev.
    public init(train: EncodedDataset, dev: EncodedDataset, test: EncodedDataset?, fraction: Double, devSize: Int, seed: UInt64) throws {
        var random = SearchRandom(seed: seed ^ 0x9E0C_5EED)
        var order = Array(0..<train.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.index(i + 1)) }
        let proxyCount = max(1, Int((Double(train.count) * fraction).rounded()))
        let devCount = min(devSize, train.count - proxyCount)
        guard proxyCount >= 8, devCount >= 8 else {
            throw SearchError.invalid("--proxy-fraction/--proxy-dev", "at least 8 proxy training and 8 proxy-dev examples "
                                      + "(the training set has \(train.count))")
        }
        (self.train, self.dev, self.test) = (train, dev, test)
        proxyTrain = train.subset(Array(order.prefix(proxyCount)))
        proxyDev = train.subset(Array(order.dropFirst(proxyCount).prefix(devCount)), split: .dev)
    }
}

/// A KD-NAS search over one run folder: episodes of proposals, proxy distillation and rewards,
/// then the final stage. Every step is saved in the store before the next begins, so a run killed
/// at any moment continues with `run()` on the same folder and ends as an uninterrupted run would
/// (exactly so with predicted latency; measured latency of a redone trial is measured again).
public final class SearchRun {
    public let directory: URL
    public let settings: SearchSettings
    public let store: TrialStore
    let evaluator: CandidateEvaluator
    let data: SearchData
    let strategy: SearchStrategy
    public weak var observer: SearchObserver?

    /// Opens `directory` (creating its store) for `settings`; a folder holding another search's settings is refused.
    /// Every option is checked (the evaluator built) before the store is touched; a new run's settings and
    /// `firstValues` (the saved command line, the metric's name) are written in one transaction.
    public init(directory: URL, settings: SearchSettings, teacher: BertForSequenceClassification, tokenizerSource: URL,
                data: SearchData, store: TrialStore? = nil, firstValues: [String: Data] = [:]) throws {
        try settings.validate()
        let evaluator = try CandidateEvaluator(settings: settings, teacher: teacher, tokenizerSource: tokenizerSource)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try store ?? SQLiteTrialStore(path: directory.appendingPathComponent("search.sqlite").path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let encoded = try encoder.encode(settings)
        if let saved = try store.value("settings") {
            guard saved == encoded else {
                throw SearchError.mismatch("\(directory.path): holds a search with other settings (\(Self.differences(saved, encoded))); "
                                           + "resume it with `kdnas search --resume \(directory.path)` and no other search options, or choose another --out")
            }
        } else {
            try store.setValues(firstValues.merging(["settings": encoded]) { $1 })
        }
        (self.directory, self.settings, self.store, self.data, self.evaluator) = (directory, settings, store, data, evaluator)
        switch settings.strategy {
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

    /// The teacher's latency by the run's source (measured, predicted or external), once per run and kept:
    /// the reward's target depends on it.
    public func teacherLatency() throws -> Double {
        if let saved = try store.value("teacher_latency_ms"), let value = Double(String(decoding: saved, as: UTF8.self)) { return value }
        let value = try evaluator.latency(of: evaluator.teacher).get()
        try store.setValue(Data(String(value).utf8), for: "teacher_latency_ms")
        return value
    }

    /// The teacher's metrics on proxy-dev, dev and (labelled) test, computed once per run and kept.
    public func teacherMetrics() throws -> TeacherMetrics {
        if let saved = try store.value("teacher_metrics") { return try JSONDecoder().decode(TeacherMetrics.self, from: saved) }
        let teacher = evaluator.teacher
        let metrics = TeacherMetrics(
            proxyDev: ClassifierEvaluator.evaluate(teacher, on: data.proxyDev).values,
            dev: ClassifierEvaluator.evaluate(teacher, on: data.dev).values,
            test: data.test.flatMap { $0.dataset.isLabeled && $0.count > 0 ? ClassifierEvaluator.evaluate(teacher, on: $0).values : nil },
            parameters: teacher.parameterCount, architecture: StudentArchitecture(teacher.config))
        try store.setValue(try JSONEncoder().encode(metrics), for: "teacher_metrics")
        return metrics
    }

    /// Runs (or continues) the episodes, then the final stage.
    public func run() throws {
        let teacherMs = try teacherLatency()
        _ = try teacherMetrics()
        let target = settings.reward.target(teacherMs: teacherMs)
        var state = try store.state() ?? SearchState(random: SearchRandom(seed: settings.seed))
        if let saved = state.strategy { try strategy.restore(saved) }
        var trials = try store.trials()
        observer?.searchDidStart(settings: settings, teacherLatencyMs: teacherMs, target: target,
                                 resumedTrials: trials.filter { $0.state == .done || $0.state == .failed }.count)
        let total = settings.episodes * settings.candidatesPerEpisode
        for episode in 1...settings.episodes {
            if state.proposedEpisode < episode {
                var random = state.random
                let proposals = strategy.propose(episode: episode, count: settings.candidatesPerEpisode, history: trials, random: &random)
                state.random = random
                state.proposedEpisode = episode
                try store.propose(proposals, state: state)
                trials += proposals
            }
            for index in trials.indices where trials[index].episode == episode && trials[index].state != .done && trials[index].state != .failed {
                let finished = trials.filter { $0.state == .done || $0.state == .failed }.count
                trials[index].state = .running
                try store.update(trials[index])
                observer?.trialDidStart(trials[index], finished: finished, total: total)
                trials[index] = evaluate(trials[index], target: target)
                try store.update(trials[index])
                observer?.trialDidFinish(trials[index], finished: finished + 1, total: total)
            }
            if state.learnedEpisode < episode {
                strategy.learn(from: trials)
                state.learnedEpisode = episode
                state.strategy = strategy.state()
                try store.saveState(state)
            }
            observer?.episodeDidFinish(episode, trials: trials.filter { $0.episode == episode })
        }
        try finalStage(trials: trials, teacherMs: teacherMs)
    }

    /// Distils a candidate on the proxy set and records its metric, latency, parameters and reward; a failure is recorded, not thrown.
    func evaluate(_ proposed: Trial, target: Double) -> Trial {
        var trial = proposed
        let started = Date()
        let folder = directory.appendingPathComponent("trials/\(trial.id)")
        do {
            try? FileManager.default.removeItem(at: folder)  // a trial cut short is redone from the start
            let outcome = try evaluator.distill(trial.architecture, train: data.proxyTrain, dev: data.proxyDev, cacheKey: "proxy",
                                                epochs: settings.proxyEpochs, seed: trialSeed(trial.id), directory: folder, checkpoints: false)
            let primary = data.proxyDev.dataset.definition.primaryMetricName()
            guard let metric = outcome.metrics[primary], metric.isFinite else {
                throw SearchError.invalid("proxy-dev \(primary)", "a finite value (got \(outcome.metrics[primary] ?? .nan))")
            }
            trial.accuracy = metric
            trial.parameters = outcome.student.parameterCount
            switch evaluator.latency(of: outcome.student) {
            case .success(let milliseconds):
                trial.latencyMs = milliseconds
                // A correlation metric can be negative, which would flip the latency term: it counts as 0.
                trial.reward = settings.reward.value(accuracy: max(metric, 0), latencyMs: milliseconds, target: target)
                trial.state = .done
            case .failure(let error):
                trial.error = error.description
                trial.state = .failed
            }
        } catch {
            trial.error = String(describing: error)
            trial.state = .failed
        }
        trial.seconds = Date().timeIntervalSince(started)
        return trial
    }

    /// A trial's seed: the run's seed mixed with its id, so a redone trial repeats itself exactly.
    func trialSeed(_ id: Int) -> UInt64 {
        var random = SearchRandom(seed: settings.seed &+ UInt64(id) &* 0x9E37_79B9)
        return random.next() >> 1
    }

    /// The finalists: top N by reward, then up to M more from the Pareto front (best reward first), then the baselines.
    public func finalistPlan(trials: [Trial]) -> [(name: String, origin: Finalist.Origin, architecture: StudentArchitecture, trialId: Int?)] {
        let done = trials.filter { $0.state == .done && $0.reward != nil }
        var plan: [(String, Finalist.Origin, StudentArchitecture, Int?)] = []
        var chosen = Set<StudentArchitecture>()
        for trial in done.sorted(by: { $0.reward! != $1.reward! ? $0.reward! > $1.reward! : $0.id < $1.id }) where plan.count < settings.finalTop {
            if chosen.insert(trial.architecture).inserted { plan.append(("top-\(plan.count + 1)", .top, trial.architecture, trial.id)) }
        }
        // Pareto members by reward: the front's fastest end is often a student too small to learn the task.
        let front = ParetoFront.indices(accuracy: done.map { $0.accuracy! }, latency: done.map { $0.latencyMs! })
            .sorted { done[$0].reward! != done[$1].reward! ? done[$0].reward! > done[$1].reward! : done[$0].id < done[$1].id }
        var added = 0
        for index in front where added < settings.finalPareto {
            if chosen.insert(done[index].architecture).inserted {
                added += 1
                plan.append(("pareto-\(added)", .pareto, done[index].architecture, done[index].id))
            }
        }
        if settings.baselines {
            for (name, architecture) in Self.baselines(teacher: evaluator.teacher.config) {
                plan.append((name, .baseline, architecture, nil))
            }
        }
        return plan
    }

    /// Hand-crafted students: the teacher with every other layer (as DistilBERT), and a fixed small shape (4 layers, hidden ½, FFN 4×).
    public static func baselines(teacher: BertConfig) -> [(String, StudentArchitecture)] {
        let every = StudentArchitecture(layers: max(1, teacher.numHiddenLayers / 2), hiddenSize: teacher.hiddenSize,
                                        heads: teacher.numAttentionHeads, intermediateSize: teacher.intermediateSize, activation: teacher.hiddenAct)
        let hidden = max(64, teacher.hiddenSize / 2 / 64 * 64)
        let small = StudentArchitecture(layers: min(4, teacher.numHiddenLayers), hiddenSize: hidden, heads: max(1, hidden / 64),
                                        intermediateSize: min(4 * hidden, teacher.intermediateSize), activation: teacher.hiddenAct)
        return [("baseline-every-other-layer", every), ("baseline-small", small)]
    }

    /// Distils each finalist on the full training set (resumable per epoch), evaluates and exports it.
    func finalStage(trials: [Trial], teacherMs: Double) throws {
        let done = Set(try store.finalists().map(\.name))
        let plan = finalistPlan(trials: trials)
        for (index, entry) in plan.enumerated() where !done.contains(entry.name) {
            observer?.finalistDidStart(entry.name, architecture: entry.architecture, index: index + 1, total: plan.count)
            let folder = directory.appendingPathComponent("finalists/\(entry.name)")
            let outcome = try evaluator.distill(entry.architecture, train: data.train, dev: data.dev, cacheKey: "full",
                                                epochs: settings.finalEpochs, seed: settings.seed &+ UInt64(index), directory: folder,
                                                checkpoints: true, observer: observer as? TrainingObserver)
            try BertCheckpoint.save(outcome.student, to: folder, tokenizerSource: evaluator.tokenizerSource)
            let test = data.test.flatMap { $0.dataset.isLabeled && $0.count > 0
                ? ClassifierEvaluator.evaluate(outcome.student, on: $0, batchSize: 64).values : nil }
            let finalist = Finalist(name: entry.name, origin: entry.origin, architecture: entry.architecture, trialId: entry.trialId,
                                    parameters: outcome.student.parameterCount, latencyMs: try evaluator.latency(of: outcome.student).get(),
                                    dev: outcome.metrics, test: test, seconds: outcome.seconds, path: "finalists/\(entry.name)")
            try store.saveFinalist(finalist)
            observer?.finalistDidFinish(finalist)
        }
    }
}

/// The teacher's scores, for the report.
public struct TeacherMetrics: Codable, Sendable {
    public var proxyDev: [String: Double]
    public var dev: [String: Double]
    public var test: [String: Double]?
    public var parameters: Int
    public var architecture: StudentArchitecture

    enum CodingKeys: String, CodingKey {
        case proxyDev = "proxy_dev", dev, test, parameters, architecture
    }
}
