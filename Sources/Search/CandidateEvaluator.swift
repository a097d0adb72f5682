import Distill
import Foundation
import Latency
import Models
import NN
import Tasks
import TensorCore
import Training

/// Distils, scores and times one student: what every candidate of a search, and every finalist, goes through.
public final class CandidateEvaluator {
    public let settings: SearchSettings
    public let teacher: BertForSequenceClassification
    let tokenizerSource: URL
    /// The model that predicts latency: the profile's (predicted), or this machine's calibration (set by the run).
    public internal(set) var latencyModel: LatencyModel?
    let external: ExternalLatency?
    /// Teacher outputs on the data set in use (proxy, then full), by request: computed once and shared by every candidate.
    private var caches: (dataset: String, byRequest: [String: TeacherCache]) = ("", [:])
    /// The training set, on `settings.unitImportance` examples of which the teacher's FFN units are ranked.
    private let importanceSource: EncodedDataset?
    /// The ranking of the teacher's FFN units for inherited students (`settings.unitImportance` only validates with
    /// `settings.inherit`): measured on first use, by every
    /// process of a search on the same examples of the same training set (processes with another matrix library
    /// or instruction set may round the activations differently, and so order near-tied units differently).
    private lazy var unitImportance: UnitImportance? = importanceSource.flatMap { data in
        settings.unitImportance.map { UnitImportance.measure(teacher, on: data, examples: $0) }
    }

    /// `importanceSource`: the training set (nil: FFN units ranked by weight norm).
    public init(settings: SearchSettings, teacher: BertForSequenceClassification, tokenizerSource: URL, importanceSource: EncodedDataset? = nil) throws {
        (self.settings, self.teacher, self.tokenizerSource, self.importanceSource) = (settings, teacher, tokenizerSource, importanceSource)
        switch settings.latency {
        case .measured, .calibrated: (latencyModel, external) = (nil, nil)
        case .predicted(let profile): (latencyModel, external) = (try LatencyProfile.read(profile).model, nil)
        case .external(let command, let timeout): (latencyModel, external) = (nil, try ExternalLatency(command: command, timeout: timeout))
        }
    }

    /// What one distillation gave.
    public struct Outcome {
        public var student: BertForSequenceClassification
        public var metrics: [String: Double]
        /// The student's metrics on `dev` before training (when asked for).
        public var initialMetrics: [String: Double]?
        /// Mean training loss of the last epoch.
        public var trainLoss: Double?
        public var seconds: Double
    }

    /// Builds `architecture` (inherited or random, seeded), distils it on `train` for `epochs` and evaluates it on `dev`.
    /// `directory` receives the training log (and checkpoints, when `checkpoints`, for a resumable final run).
    /// The teacher's outputs are cached on `cacheSource` (default `train`), of which `train` must be a prefix:
    /// the rungs of successive halving share the largest rung's cache.
    public func distill(_ architecture: StudentArchitecture, train: EncodedDataset, cacheSource: EncodedDataset? = nil,
                        dev: EncodedDataset, cacheKey: String,
                        epochs: Int, learningRate: Float? = nil, seed: UInt64, directory: URL, checkpoints: Bool, scoreBeforeTraining: Bool = false,
                        observer: TrainingObserver? = nil) throws -> Outcome {
        let started = Date()
        // Each candidate has its own shapes: the buffers kept for one are not carried into the next.
        defer { Engine.releaseIdleMemory() }
        var config = architecture.config(from: teacher.config)
        config.numLabels = teacher.config.numLabels
        let student = try StudentInitializer.make(config, from: teacher, initialization: settings.inherit
                                                  ? .inherit(mapping: .uniform, importance: unitImportance) : .random, seed: seed)
        student.relabel(train.dataset.definition.labelNames, regression: train.dataset.definition.isRegression)
        let initialMetrics = scoreBeforeTraining
            ? Autograd.noGrad { ClassifierEvaluator.evaluate(student, on: dev, batchSize: TrainingConfiguration().evaluationBatchSize).values } : nil
        let distiller = try Distiller(student: student, teacherConfig: teacher.config, recipe: settings.recipe, seed: seed)
        if let cacheSource, train.count > cacheSource.count {
            throw SearchError.invalid("teacher cache", "a training set within its cached source (\(train.count) > \(cacheSource.count) examples)")
        }
        let cache = settings.recipe.losses == [.ce] ? nil : try teacherCache(distiller.teacherRequest, dataset: cacheSource ?? train, key: cacheKey)
        var training = TrainingConfiguration()
        (training.epochs, training.learningRate, training.batchSize, training.maxLength, training.seed) =
            (epochs, learningRate ?? settings.learningRate, settings.batchSize, settings.maxLength, seed)
        let batcher = Batcher(dataset: train, batchSize: training.batchSize, order: .bucketed(seed: seed, chunkBatches: 50))
        let trainer = Trainer(configuration: training, parameters: distiller.parameters, directory: directory,
                              batches: { epoch in Array(batcher.batches(epoch: epoch)) },
                              loss: { batch, context in distiller.loss(batch, teacher: try cache?.outputs(for: batch), context: context) },
                              evaluate: { ClassifierEvaluator.evaluate(student, on: dev, batchSize: training.evaluationBatchSize).values })
        trainer.savesCheckpoints = checkpoints
        trainer.observer = observer
        let history = try trainer.run(resume: checkpoints)
        let metrics = history.last?.metrics ?? [:]  // a run killed before an epoch's evaluation re-evaluates on resume (Trainer)
        return Outcome(student: student, metrics: metrics, initialMetrics: initialMetrics, trainLoss: history.last?.meanLoss,
                       seconds: Date().timeIntervalSince(started))
    }

    /// The teacher's outputs on `dataset` (named `key`) for `request`, computed on first use. Moving to
    /// another data set (the search's proxy set, then the full set for the finalists) frees the previous one's.
    func teacherCache(_ request: TeacherRequest, dataset: EncodedDataset, key: String) throws -> TeacherCache {
        if caches.dataset != key { caches = (key, [:]) }
        let name = "\(request.hiddenLayers) \(request.queryKeyValueLayer ?? -1) \(request.attentionLayers)"
        if let cache = caches.byRequest[name] { return cache }
        let cache = try TeacherCache(teacher: teacher, dataset: dataset, request: request,
                                     spillDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-teacher-cache"))
        caches.byRequest[name] = cache
        return cache
    }

    /// The latency of a shape, without training it: predicted where the run predicts, else timed on random weights.
    public func latency(of architecture: StudentArchitecture) -> Result<LatencyFigure, ExternalLatencyError> {
        var config = architecture.config(from: teacher.config)
        config.numLabels = teacher.config.numLabels
        switch settings.latency {
        case .calibrated, .predicted: return .success(LatencyFigure(milliseconds: latencyModel!.predict(config)))
        case .measured, .external: return latency(of: BertForSequenceClassification(config, seed: 0))
        }
    }

    /// A latency as the reward uses it, and a measurement kept beside a prediction.
    public struct LatencyFigure: Sendable, Equatable {
        public var milliseconds: Double
        public var measured: Double?
    }

    /// The latency of `model` by the configured source: measured; predicted by a profile; predicted by this
    /// machine's calibration, with a measurement beside it; or external.
    public func latency(of model: BertForSequenceClassification) -> Result<LatencyFigure, ExternalLatencyError> {
        switch settings.latency {
        case .measured(let meter):
            return .success(LatencyFigure(milliseconds: LatencyMeter.measure(InferenceSession(model), settings: meter).medianMs))
        case .calibrated(let meter, _):
            guard let latencyModel else { preconditionFailure("a calibrated search sets its latency model before timing a model") }
            return .success(LatencyFigure(milliseconds: latencyModel.predict(model.config),
                                          measured: LatencyMeter.measure(InferenceSession(model), settings: meter).medianMs))
        case .predicted:
            return .success(LatencyFigure(milliseconds: latencyModel!.predict(model.config)))
        case .external:
            return external!.measure(model, tokenizerSource: tokenizerSource).map { LatencyFigure(milliseconds: $0) }
        }
    }
}
