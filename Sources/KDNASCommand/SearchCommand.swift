import ArgumentParser
import Distill
import Foundation
import Latency
import Models
import Search
import SearchStorage
import Tasks
import TensorCore
import Training

/// `kdnas search`: the KD-NAS pipeline, from a fine-tuned teacher to exported finalists and a report.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search student architectures by distillation and latency, then distil and export the best.",
        discussion: """
            Trials live in RUN/search.sqlite; a run killed at any moment continues with `kdnas search --resume RUN`
            (the saved options are reused). The report is RUN/report.html (rebuild it with `kdnas report RUN`).
            Example: kdnas search --teacher runs/main/teacher --task rotten-tomatoes --preset quick --out runs/main/search
            """)

    @Option(help: "Fine-tuned teacher folder (Hugging Face checkpoint with a classification head).")
    var teacher: String?
    @OptionGroup var taskOptions: TaskOptions
    @Option(help: "Run folder (trials, finalists, report).")
    var out: String?
    @Option(help: "Continue the search in this run folder with its saved options.")
    var resume: String?
    @Option(help: "quick (6 episodes × 4 candidates on 10% of train at --proxy-lr 5e-4; 1 top + 2 front bands + the 3× band + the baselines' bands + 2 baselines, 2 epochs at --lr 5e-4: the main job) or paper (20 × 10, 3 proxy epochs on 10%, 5 + 5 finalists, 3 epochs at 1e-4); other options override it.")
    var preset = "quick"
    @Option(help: "Search space: derived (from the teacher), inherited (derived with the teacher's head size and activation), bert-base, or a JSON file.")
    var space = "derived"
    @Option(help: "lstm, random, evolution, or list (the architectures of --architectures, in order).")
    var strategy = "lstm"
    @Option(help: "A JSON array of architectures (Hugging Face config keys) for --strategy list.")
    var architectures: String?
    @Option(help: "Episodes.") var episodes: Int?
    @Option(help: "Candidates distilled per episode (K).") var candidates: Int?
    @Option(help: "Seed of the whole search.") var seed: UInt64 = 1
    @Option(help: "Reward: soft or hard.") var reward = "soft"
    @Option(help: "Soft reward exponent α (≤ 0).") var alpha = -0.07
    @Option(help: "Latency target as a share of the teacher's latency.") var beta = 0.6
    @Option(help: "Latency target in milliseconds (instead of --beta).") var targetMs: Double?
    @Option(help: "calibrated (a latency model fitted on this machine when the search starts, cached in the cache folder; each candidate also measured) or measured (each candidate timed once).") var latency = "calibrated"
    @Option(help: "Architectures measured to calibrate the latency model.") var latencyCalibration = 60
    @Option(help: "Predict latency with this profile (kdnas latency calibrate) instead.") var latencyProfile: String?
    @Option(help: "Time candidates with this command instead ('CMD {model_dir}', last number printed = ms).") var latencyCommand: String?
    @Option(help: "Seconds before a latency command is killed.") var latencyTimeout: Double = 600
    @Option(help: "Latency measurement: sequences per call.") var latencyBatch = 1
    @Option(help: "Latency measurement: tokens per sequence.") var latencySeq = 128
    @Option(help: "Latency measurement: timed runs.") var latencyRuns = 10
    @Option(name: .customLong("init"), help: "Student initialisation: inherit or random.") var initialization = "inherit"
    @Option(help: "Distillation losses (ce, od, hs, mha, att).") var losses = "od,mha"
    @Option(help: "Layer mapping of hs/att losses.") var mapping = "uniform"
    @Option(help: "Share of the training set each candidate is distilled on.") var proxyFraction: Double?
    @Option(help: "Where candidates are scored: dev (a held-out part of dev; the rest of dev is reported) or train (held-out training examples, which the teacher was fine-tuned on).") var scoring = "dev"
    @Option(help: "Scoring examples (at most half of dev when scoring on dev).") var proxyDev = 500
    @Option(help: "Epochs of each candidate's distillation.") var proxyEpochs: Int?
    @Option(help: "Successive halving: later rungs as SHARExEPOCHS, e.g. 0.3x1 (the first rung is --proxy-fraction × --proxy-epochs; \"\" for none).") var rungs: String?
    @Option(help: "Successive halving: the share of an episode's candidates promoted to the next rung.") var promote: Double?
    @Option(help: "Peak learning rate of the finalists' distillations (quick 5e-4, paper 1e-4), and of the candidates' where no proxy rate is set (paper).") var lr: Float?
    @Option(help: "Peak learning rate of the candidates' proxy distillations (quick 5e-4; paper: --lr).") var proxyLr: Float?
    @Option(help: "Batch size.") var batchSize = 32
    @Option(help: "Longest tokenized input.") var maxLength = 128
    @Option(help: "LSTM: ε falls by this much per episode (from 1 to 0.05).") var epsilonDecay: Double?
    @Option(help: "LSTM: controller training steps after each episode.") var controllerSteps = 300
    @Option(help: "Finalists: the top N by reward (quick 1, paper 5).") var finalTop: Int?
    @Option(help: "Finalists: the best student (of those scoring within 0.05 of the best, the largest of those with the teacher's head size and activation and more than one layer if any) of each of this many latency bands from the fastest candidate to the target (quick 2, paper 5); each baseline's latency has a band of its own.") var finalPareto: Int?
    @Option(help: "Epochs of each finalist's distillation on the full training set (quick 2, paper 3).") var finalEpochs: Int?
    @Option(help: "Speed-ups over the teacher that each add the best student at least that fast, within 20% (quick 3, paper none), e.g. 2,4, or none.")
    var finalSpeedups: String?
    @Option(help: "From the second episode on, each episode adds a candidate to every finalist band (the speed-ups', the baselines') that holds fewer than N students with the teacher's head size and activation (any, once none is left to try) (quick 3, paper none; 0 for none).")
    var bandQuota: Int?
    @Option(help: "Perturbed copies of each training example added to the finalists' transfer set (quick 0, paper 0; 0 for none).")
    var augment: Int?
    @Option(help: "Rank the teacher's FFN units for inherited students by their activations on this many training examples, e.g. 512 (default 0: by weight norm).")
    var unitImportance: Int?
    @Flag(help: "Skip the hand-crafted baseline students.") var noBaselines = false
    @OptionGroup var storageOptions: StorageOptions
    @OptionGroup var work: WorkOptions
    /// Set by `kdnas worker`: join the study in the storage, never create one.
    @Flag(help: .hidden) var join = false
    /// Set by `--resume RUN` with placement options only, and implied by `--join`: the search's settings are the
    /// ones saved in its store, not the ones its saved command line gives today (a preset's values may have
    /// changed since the run started).
    @Flag(help: .hidden) var asSaved = false
    @OptionGroup var engine: EngineOptions

    /// `kdnas search --resume RUN [--threads N]`: the saved arguments of RUN, then these.
    static func expandingResume(_ arguments: [String]) throws -> [String] {
        guard arguments.first == "search", let flag = arguments.firstIndex(of: "--resume"), flag + 1 < arguments.count,
              !arguments.contains("--task") else { return arguments }
        let run = arguments[flag + 1]
        let path = URL(fileURLWithPath: run).appendingPathComponent("search.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(run): no search to resume (no search.sqlite)") }
        // Read-write: a store left by kill -9 may hold a hot journal that only a writer can roll back.
        guard let data = try SQLiteTrialStore(path: path).value("arguments"), let saved = try? JSONDecoder().decode([String].self, from: data) else {
            throw CommandError("\(path): holds no saved search options; resume it with its original options and --resume")
        }
        // Nothing but where and how to run: the run's saved settings are used as they are (see `asSaved`).
        let onlyPlacement = Self.placementOnly(Array(arguments.dropFirst()))
        return ["search"] + saved + Array(arguments.dropFirst()) + (onlyPlacement ? ["--as-saved"] : [])
    }

    /// The options each process chooses for itself (its threads and matrix library, where it finds the store, its
    /// lease and poll), never saved.
    static let placementOptions: Set<String> = ["--threads", "--blas", "--resume", "--storage", "--study", "--storage-retry", "--lease", "--poll"]

    /// Whether `arguments` are placement options and their values only.
    static func placementOnly(_ arguments: [String]) -> Bool {
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let word = arguments[index]
            if let equals = word.firstIndex(of: "="), placementOptions.contains(String(word[..<equals])) { index += 1; continue }
            guard placementOptions.contains(word), index + 1 < arguments.endIndex else { return false }
            index += 2
        }
        return true
    }

    /// The settings saved in the search's store: `store` where it is open, else the run folder's SQLite file.
    static func savedSettings(location: StorageLocation, store: TrialStore?) throws -> SearchSettings? {
        let data: Data?
        if let store {
            data = try store.value("settings")
        } else if case .sqlite(let path) = location, FileManager.default.fileExists(atPath: path) {
            data = try SQLiteTrialStore(path: path, readOnly: true).value("settings")
        } else {
            data = nil
        }
        guard let data else { return nil }
        do { return try JSONDecoder().decode(SearchSettings.self, from: data) } catch {
            throw CommandError("\(location): its saved search settings are unreadable (\(error)); start a new search in another folder")
        }
    }

    /// Whether the store at `path` holds a search's settings (an empty or half-created store does not).
    static func holdsSearch(_ path: String) -> Bool {
        // A read-only open refuses an empty file (`SQLiteTrialStore`).
        return (try? SQLiteTrialStore(path: path, readOnly: true).value("settings")) != nil
    }

    /// The options that name a file or folder.
    static let pathOptions: Set<String> = ["--teacher", "--out", "--train-file", "--dev-file", "--test-file", "--data", "--cache",
                                           "--latency-profile", "--space", "--architectures"]

    /// The command line saved for `--resume`: `--threads` dropped (a resumed run picks its own), every
    /// path made absolute against `directory` and the cache folder named, so a run resumes from any directory.
    func savedArguments(_ arguments: [String], from directory: URL) -> [String] {
        // "--option=value" as two words, so each option is seen one way.
        let words = arguments.flatMap { word -> [String] in
            guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return [word] }
            return [String(word[..<equals]), String(word[word.index(after: equals)...])]
        }
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL.path }
        var saved: [String] = []
        var index = words.startIndex
        while index < words.endIndex {
            let (word, value) = (words[index], index + 1 < words.endIndex ? words[index + 1] : nil)
            switch (word, value) {
            case (_, .some) where Self.placementOptions.contains(word):
                index += 2
            case ("--as-saved", _), ("--join", _):
                index += 1
            case (_, let value?) where Self.pathOptions.contains(word):
                let builtIn = word == "--space" && SearchSpace.builtInNames.contains(value)
                saved += [word, builtIn ? value : absolute(value)]
                index += 2
            default:
                saved.append(word)
                index += 1
            }
        }
        if !saved.contains("--cache") { saved += ["--cache", absolute(taskOptions.cache)] }
        return saved
    }

    func validate() throws {
        guard teacher != nil else { throw ValidationError("--teacher is required (or --resume RUN of an earlier search)") }
        guard out != nil || resume != nil else { throw ValidationError("give --out RUN (or --resume RUN)") }
        guard latencyProfile == nil || latencyCommand == nil else { throw ValidationError("give at most one of --latency-profile and --latency-command") }
        guard latencyBatch > 0, latencySeq > 0, latencyRuns > 0 else { throw ValidationError("--latency-batch, --latency-seq and --latency-runs must be positive") }
        guard latencyTimeout > 0 else { throw ValidationError("--latency-timeout must be a positive number of seconds") }
        guard controllerSteps >= 0 else { throw ValidationError("--controller-steps must be 0 or more") }
        guard batchSize > 0, maxLength > 3, (lr ?? 1) > 0 else { throw ValidationError("--batch-size must be positive, --max-length above 3 and --lr positive") }
        if let epsilonDecay, epsilonDecay < 0 { throw ValidationError("--epsilon-decay must be 0 or more") }
    }

    func settings(teacherConfig: BertConfig) throws -> SearchSettings {
        let teacherPath = URL(fileURLWithPath: teacher!).standardizedFileURL.path
        let (loadedSpace, notice) = try SearchSpace.loadWithNotice(space, teacher: teacherConfig)
        if let notice { log("search: \(notice)") }
        var settings = SearchSettings(teacher: teacherPath, task: taskOptions.task, space: loadedSpace)
        guard let kind = StrategyKind(rawValue: strategy) else { throw ValidationError("--strategy \(strategy): expected lstm, random, evolution or list") }
        guard let rewardKind = Reward.Kind(rawValue: reward) else { throw ValidationError("--reward \(reward): expected soft or hard") }
        guard let scoringSplit = ScoringSplit(rawValue: scoring) else { throw ValidationError("--scoring \(scoring): expected dev or train") }
        settings.strategy = kind
        settings.seed = seed
        settings.reward = Reward(kind: rewardKind, alpha: alpha, beta: beta, targetMs: targetMs)
        try SearchPreset(named: preset).apply(to: &settings)
        if let architectures {
            guard kind == .list else { throw ValidationError("--architectures is for --strategy list") }
            settings.architectures = try StudentArchitecture.list(file: architectures)
            if episodes == nil, candidates == nil { (settings.episodes, settings.candidatesPerEpisode) = (1, settings.architectures!.count) }
        }
        if let episodes { settings.episodes = episodes }
        if let candidates { settings.candidatesPerEpisode = candidates }
        if let proxyFraction { settings.proxyFraction = proxyFraction }
        if let proxyEpochs { settings.proxyEpochs = proxyEpochs }
        if let epsilonDecay { settings.epsilonDecay = epsilonDecay }
        if let rungs { settings.rungs = try ProxyRung.list(rungs) }
        if let proxyLr { settings.proxyLearningRate = proxyLr }
        if let promote { settings.promotion = promote }
        let meter = LatencyMeter.Settings(batch: latencyBatch, sequenceLength: latencySeq, warmup: 2, runs: latencyRuns)
        if latencyProfile == nil && latencyCommand == nil {
            do { try meter.check(fits: teacherConfig) } catch {
                // The meter's options are --batch, --seq, --runs; search spells them --latency-….
                let option = "--latency-" + error.option.dropFirst(2)
                throw ValidationError("\(option) \(error.value): expected \(error.expected)")
            }
        }
        if let latencyProfile {
            settings.latency = .predicted(profile: URL(fileURLWithPath: latencyProfile).standardizedFileURL.path)
        } else if let latencyCommand {
            settings.latency = .external(command: latencyCommand, timeout: latencyTimeout)
        } else {
            switch latency {
            case "calibrated": settings.latency = .calibrated(meter, count: latencyCalibration)
            case "measured": settings.latency = .measured(meter)
            default: throw ValidationError("--latency \(latency): expected calibrated or measured")
            }
            settings.threads = Engine.threads  // latencies timed here are comparable only at one thread count
        }
        switch initialization {
        case "inherit": settings.inherit = true
        case "random": settings.inherit = false
        default: throw ValidationError("--init \(initialization): expected inherit or random")
        }
        var recipe = DistillationRecipe()
        recipe.losses = try DistillationRecipe.losses(losses)
        recipe.mapping = try DistillationRecipe.mapping(mapping)
        recipe.relationHeads = SearchSettings.relationHeads(teacherHidden: teacherConfig.hiddenSize, space: settings.space,
                                                            architectures: settings.architectures)
        settings.recipe = recipe
        (settings.scoringSplit, settings.proxyDevSize, settings.batchSize, settings.maxLength, settings.controllerSteps) =
            (scoringSplit, proxyDev, batchSize, maxLength, controllerSteps)
        if let lr { settings.learningRate = lr }
        if let finalTop { settings.finalTop = finalTop }
        if let finalPareto { settings.finalPareto = finalPareto }
        if let finalEpochs { settings.finalEpochs = finalEpochs }
        if let finalSpeedups { settings.finalSpeedups = try SearchSettings.speedups(finalSpeedups) }
        if let bandQuota { settings.bandQuota = bandQuota == 0 ? nil : bandQuota }
        if let unitImportance { settings.unitImportance = unitImportance == 0 ? nil : unitImportance }
        if let augment { settings.augmentation = augment == 0 ? nil : TextAugmentation(copies: augment) }
        settings.baselines = !noBaselines
        try settings.validate()
        return settings
    }

    func run() throws {
        try engine.apply()
        let runFolder = URL(fileURLWithPath: resume ?? out!)
        let location = try storageOptions.location(runFolder: runFolder)
        var store: TrialStore?  // the run folder's own SQLite file is created by SearchRun, once every option is checked
        if case .sqlite(let storePath) = location, storageOptions.url == nil, !join {
            // A store left by a run killed before it wrote its settings (empty, or tables only) holds no search: start again.
            if resume == nil, FileManager.default.fileExists(atPath: storePath), !Self.holdsSearch(storePath) {
                try? FileManager.default.removeItem(atPath: storePath)
            }
            let existing = FileManager.default.fileExists(atPath: storePath)
            if existing && resume == nil {
                throw CommandError("\(runFolder.path): holds a search already; continue it with kdnas search --resume \(runFolder.path), or choose another --out")
            }
            if resume != nil && !existing { throw CommandError("\(runFolder.path): no search to resume (no search.sqlite)") }
        } else {
            if case .sqlite(let path) = location { try OutputFolder.create(URL(fileURLWithPath: path).deletingLastPathComponent()) }
            store = try SearchStorage.open(location, study: storageOptions.study, mustExist: join, retryFor: storageOptions.storageRetry)
            if try store?.value("settings") != nil { log("search: joining study \(storageOptions.study ?? "") in \(location)") }
        }
        let teacherFolder = try ModelFolder(teacher!)
        guard !teacherFolder.report.headInitialized else {
            throw CommandError("\(teacher!): the teacher has no classification head; fine-tune it first with kdnas finetune")
        }
        var settings = try settings(teacherConfig: teacherFolder.model.config)
        if asSaved || join, let saved = try Self.savedSettings(location: location, store: store) {
            // The process's own thread count is kept, so a measured search still refuses another one.
            (settings, settings.threads) = (saved, settings.threads)
        }
        let positions = teacherFolder.model.config.maxPositionEmbeddings
        guard maxLength <= positions else {
            throw CommandError("--max-length \(maxLength) must be at most the teacher's max_position_embeddings \(positions)")
        }
        let source = try taskOptions.source()
        let tokenizer = try teacherFolder.tokenizer()
        let trainSet = try source.load(.train)
        let train = EncodedDataset(trainSet, tokenizer: tokenizer, maxLength: settings.maxLength)
        let dev = EncodedDataset(try source.load(.dev), tokenizer: tokenizer, maxLength: settings.maxLength)
        // Students take the teacher's vocabulary and token types (StudentArchitecture.config(from:)).
        for data in [train, dev] { try teacherFolder.model.config.check(data, file: teacherFolder.url.appendingPathComponent("config.json").path) }
        let finalTrain = settings.augmentation?.encoded(trainSet, tokenizer: tokenizer, maxLength: settings.maxLength, seed: settings.seed)
        let data = try SearchData(train: train, finalTrain: finalTrain, dev: dev, test: labelledTest(source, tokenizer: tokenizer, maxLength: settings.maxLength),
                                  proxyCount: settings.rungExamples(trainCount: train.count).max()!,
                                  scoringSize: settings.proxyDevSize,
                                  scoringSplit: settings.scoringSplit, seed: settings.seed)
        let arguments = savedArguments(Array(CommandLine.arguments.dropFirst().drop { $0 != "search" }.dropFirst()),
                                       from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        var firstValues = ["arguments": try JSONEncoder().encode(arguments), "metric": Data(source.definition.primaryMetricName().utf8)]
        if let study = storageOptions.study { firstValues["study"] = Data(study.utf8) }
        let search = try SearchRun(directory: runFolder, settings: settings, teacher: teacherFolder.model,
                                   tokenizerSource: URL(fileURLWithPath: teacher!), data: data, store: store,
                                   calibrationCache: URL(fileURLWithPath: taskOptions.cache).appendingPathComponent("latency"),
                                   firstValues: firstValues)
        let progress = SearchProgress(metric: source.definition.primaryMetricName())
        search.observer = progress
        let coverage = settings.activeBandQuota.map { " (+ up to one per finalist band per episode, until each holds \($0) with the teacher's head size and activation)" } ?? ""
        log("search: \(settings.strategy.rawValue) over \(settings.space.name) (\(settings.space.validCount) architectures), "
            + "\(settings.episodes) episodes × \(settings.candidatesPerEpisode) candidates\(coverage); rungs "
            + zip(settings.rungExamples(trainCount: train.count), settings.allRungs).map { "\($0) train examples × \($1.epochs) epoch(s)" }
                .joined(separator: ", then ")
            + (settings.rungs.isEmpty ? "" : String(format: " (top %.0f%% promoted)", 100 * settings.promotion))
            + ", scored on \(data.scoring.count) \(settings.scoringSplit.rawValue) examples (dev reported on the other \(data.reportDev.count)), losses \(losses); run \(runFolder.path)")
        try search.run(policy: work.policy)
        if join {
            log("worker: the study is finished")
            return
        }
        let exported = try SearchReport.exportFinalists(from: search.store, to: runFolder)
        if exported > 0 { log("search: fetched \(exported) finalists' files from \(location)") }
        let report = try SearchReport(store: search.store, metric: source.definition.primaryMetricName())
        try report.write(to: runFolder)
        print("report: \(runFolder.appendingPathComponent("report.html").path)")
    }
}

/// Progress of a search on standard error: one line per candidate (with the episode, the result and an ETA), finalists' training bars.
final class SearchProgress: SearchObserver, TrainingObserver {
    let metric: String
    private var started = Date()
    private var finishedAtStart = 0
    private var finalist: ProgressReporter?

    init(metric: String) { self.metric = metric }

    func latencyCalibrationWillStart(count: Int) {
        log("search: calibrating this machine's latency model on \(count) architectures of the space (kept in the cache folder for later runs)")
    }

    func searchDidStart(settings: SearchSettings, teacherLatencyMs: Double, target: Double, resumedTrials: Int) {
        started = Date()
        finishedAtStart = resumedTrials
        log(String(format: "search: teacher latency %.2f ms, target %.2f ms%@", teacherLatencyMs, target,
                   resumedTrials > 0 ? ", resuming after \(resumedTrials) finished trials" : ""))
    }

    func trialDidStart(_ trial: Trial, finished: Int, total: Int) {
        let what = trial.rung > 0 ? "promoted to rung \(trial.rung)" : trial.explored ? "explore"
            : trial.predictedReward.map { String(format: "predicted reward %.4f", $0) } ?? "listed"
        log("search: episode \(trial.episode) candidate \(trial.slot + 1) (\(finished + 1)/\(total)): \(trial.architecture) (\(what))")
    }

    func trialDidFinish(_ trial: Trial, finished: Int, total: Int) {
        let rate = Date().timeIntervalSince(started) / Double(max(finished - finishedAtStart, 1))
        let eta = ProgressReporter.duration(rate * Double(total - finished))
        if trial.state == .done {
            let measured = trial.measuredMs.map { String(format: " (measured %.2f)", $0) } ?? ""
            log(String(format: "search: %d/%d %@ → %@ %.4f, %.2f ms%@, reward %.4f (%.0f s; search ETA %@)", finished, total,
                       trial.architecture.description, metric, trial.accuracy ?? .nan, trial.latencyMs ?? .nan, measured, trial.reward ?? .nan,
                       trial.seconds ?? 0, eta))
        } else {
            log("search: \(finished)/\(total) \(trial.architecture) failed: \(trial.error ?? "?") (search ETA \(eta))")
        }
    }

    func episodeDidFinish(_ episode: Int, trials: [Trial]) {
        let best = trials.compactMap(\.reward).max()
        log("search: episode \(episode) done" + (best.map { String(format: ", best reward %.4f", $0) } ?? ""))
    }

    func finalistDidStart(_ name: String, architecture: StudentArchitecture, index: Int, total: Int) {
        log("final \(index)/\(total): \(name) \(architecture), distilled on the full training set")
        finalist = ProgressReporter(label: name, logEvery: 50)
    }

    func finalistDidFinish(_ finalist: Finalist) {
        log(String(format: "final: %@ dev %@ %.4f, test %.4f, %.2f ms, %d parameters", finalist.name, metric,
                   finalist.dev[metric] ?? .nan, finalist.test?[metric] ?? .nan, finalist.latencyMs, finalist.parameters))
    }

    func trainingWillStart(_ plan: TrainingPlan) { finalist?.trainingWillStart(plan) }
    func trainingDidStep(_ progress: StepProgress) { finalist?.trainingDidStep(progress) }
    func trainingDidFinishEpoch(_ summary: EpochSummary) { finalist?.trainingDidFinishEpoch(summary) }
}
