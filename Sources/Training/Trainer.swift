import Foundation
import NN
import Tasks
import TensorCore

/// The training loop: AdamW with a linear warm-up/decay schedule, gradient clipping, dropout,
/// a checkpoint after every epoch, and exact resumption.
///
/// The loop knows nothing of tasks or losses: the caller gives the trained tensors, the batches
/// of each epoch (a function of the epoch, so that a resumed run sees the same order), the loss
/// of a batch, and an evaluation. A run resumed from the checkpoint of epoch N repeats nothing
/// and ends with the same bits as an uninterrupted run with the same seed.
public final class Trainer {
    public let configuration: TrainingConfiguration
    /// Every tensor that is trained, with its checkpoint name.
    public let parameters: [(name: String, tensor: Tensor)]
    let batches: (_ epoch: Int) -> [Batch]
    let loss: (_ batch: Batch, _ context: ForwardContext) throws -> Tensor
    let evaluate: () throws -> [String: Double]
    let directory: URL
    public weak var observer: TrainingObserver?
    /// Whether each epoch's state is saved for resumption (a search's short proxy runs skip it).
    public var savesCheckpoints = true

    /// A trainer; `directory` receives the checkpoints and `train_log.jsonl`.
    public init(configuration: TrainingConfiguration, parameters: [(name: String, tensor: Tensor)],
                directory: URL, batches: @escaping (_ epoch: Int) -> [Batch],
                loss: @escaping (_ batch: Batch, _ context: ForwardContext) throws -> Tensor,
                evaluate: @escaping () throws -> [String: Double]) {
        self.configuration = configuration
        self.parameters = parameters
        self.directory = directory
        self.batches = batches
        self.loss = loss
        self.evaluate = evaluate
    }

    /// Trains for the configured epochs, continuing from the newest checkpoint when `resume`.
    /// Returns every epoch's summary.
    @discardableResult
    public func run(resume: Bool = false) throws -> [EpochSummary] {
        try configuration.validate()
        let firstEpoch = batches(1)
        guard !firstEpoch.isEmpty else { throw TrainingError.emptyTrainingSet }
        guard firstEpoch.allSatisfy({ $0.labels != nil }) else { throw TrainingError.unlabeledTrainingSet }
        let stepsPerEpoch = firstEpoch.count
        let examplesPerEpoch = firstEpoch.reduce(0) { $0 + $1.count }
        let totalSteps = stepsPerEpoch * configuration.epochs
        let schedule = LinearSchedule(peak: configuration.learningRate,
                                      warmupSteps: Int((Double(totalSteps) * configuration.warmupRatio).rounded(.up)),
                                      totalSteps: totalSteps)
        let optimizer = AdamW(parameters, weightDecay: configuration.weightDecay)
        var state = TrainingCheckpoint.State(configuration: configuration, stepsPerEpoch: stepsPerEpoch, completedEpochs: 0,
                                             step: 0, dropout: RandomGenerator(seed: configuration.seed &+ 0x5EED), history: [])
        let checkpoint = TrainingCheckpoint.latest(in: directory)
        if let checkpoint {
            guard resume else { throw TrainingError.existingRun(path: directory.path) }
            state = try TrainingCheckpoint.restore(checkpoint, expecting: configuration, stepsPerEpoch: stepsPerEpoch,
                                                   parameters: parameters, optimizer: optimizer)
        }
        if savesCheckpoints { TrainingCheckpoint.removeAll(in: directory, except: checkpoint) }
        let log = try TrainingLog(directory.appendingPathComponent("train_log.jsonl"))
        observer?.trainingWillStart(TrainingPlan(epochs: configuration.epochs, stepsPerEpoch: stepsPerEpoch,
                                                 examplesPerEpoch: examplesPerEpoch, resumedEpochs: state.completedEpochs))
        if state.completedEpochs > 0 { log.write(["event": "resume", "completed_epochs": state.completedEpochs, "step": state.step]) }
        // Trap: a run killed between an epoch's checkpoint and its evaluation left that epoch without
        // metrics; the restored weights are the epoch's, so evaluating them now gives the same numbers.
        if let last = state.history.last, last.metrics.isEmpty {
            let summary = EpochSummary(epoch: last.epoch, meanLoss: last.meanLoss, seconds: last.seconds,
                                       metrics: try Autograd.noGrad { try evaluate() })
            state.history[state.history.count - 1] = summary
            if savesCheckpoints { try TrainingCheckpoint.updateState(state, in: directory) }
            log.write(["event": "epoch", "epoch": summary.epoch, "step": state.step, "mean_loss": summary.meanLoss,
                       "seconds": summary.seconds, "metrics": summary.metrics])
            observer?.trainingDidFinishEpoch(summary)
        }

        let context = ForwardContext(training: true)
        let trained = parameters.map(\.tensor)
        while state.completedEpochs < configuration.epochs {
            let epoch = state.completedEpochs + 1
            let epochBatches = epoch == 1 ? firstEpoch : batches(epoch)
            let start = Date()
            var lossSum = 0.0, examples = 0
            context.generator = state.dropout
            for batch in epochBatches {
                let rate = schedule.rate(state.step)
                let value = try loss(batch, context)
                let lossValue = value.item
                guard lossValue.isFinite else { throw TrainingError.divergence(step: state.step + 1, loss: lossValue) }
                value.backward()
                var gradientScale: Float = 1
                if configuration.maxGradientNorm > 0 {
                    let norm = gradientNorm(trained)
                    guard norm.isFinite else { throw TrainingError.divergence(step: state.step + 1, loss: norm) }
                    gradientScale = clippingScale(norm: norm, maxNorm: configuration.maxGradientNorm)
                }
                Autograd.noGrad { optimizer.update(lr: rate, gradientScale: gradientScale) }
                for p in trained { p.zeroGrad() }
                state.step += 1
                lossSum += Double(lossValue) * Double(batch.count)
                examples += batch.count
                let elapsed = Date().timeIntervalSince(start)
                let speed = Double(examples) / max(elapsed, 1e-9)
                let remainingExamples = Double(totalSteps - state.step) * Double(examplesPerEpoch) / Double(stepsPerEpoch)
                observer?.trainingDidStep(StepProgress(epoch: epoch, step: state.step, totalSteps: totalSteps, loss: lossValue,
                                                       learningRate: rate, examplesPerSecond: speed,
                                                       secondsRemaining: remainingExamples / max(speed, 1e-9)))
                if state.step % configuration.logEvery == 0 {
                    log.write(["event": "step", "epoch": epoch, "step": state.step, "loss": Double(lossValue),
                               "learning_rate": Double(rate), "examples_per_second": speed])
                }
            }
            optimizer.synchronize()  // the word embeddings' held-back rows, before the checkpoint and evaluation read them
            let seconds = Date().timeIntervalSince(start)
            let meanLoss = lossSum / Double(max(examples, 1))
            // The epoch's work is saved before the (possibly long) evaluation, then its metrics.
            state.completedEpochs = epoch
            state.dropout = context.generator
            state.history.append(EpochSummary(epoch: epoch, meanLoss: meanLoss, seconds: seconds, metrics: [:]))
            if savesCheckpoints { try TrainingCheckpoint.save(state, parameters: parameters, optimizer: optimizer, to: directory) }
            let summary = EpochSummary(epoch: epoch, meanLoss: meanLoss, seconds: seconds,
                                       metrics: try Autograd.noGrad { try evaluate() })
            state.history[state.history.count - 1] = summary
            if savesCheckpoints { try TrainingCheckpoint.updateState(state, in: directory) }
            log.write(["event": "epoch", "epoch": epoch, "step": state.step, "mean_loss": meanLoss,
                       "seconds": seconds, "metrics": summary.metrics])
            observer?.trainingDidFinishEpoch(summary)
        }
        return state.history
    }
}

/// `train_log.jsonl`: one JSON object per line, appended.
final class TrainingLog {
    private let handle: FileHandle

    init(_ url: URL) throws {
        try OutputFolder.create(url.deletingLastPathComponent())
        if !FileManager.default.fileExists(atPath: url.path) { _ = AtomicFile.createEmpty(url.path) }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Appends one line; NaN and infinite numbers become null. A failed write (a full disk) is
    /// dropped: the log must not stop a run whose checkpoints are intact.
    func write(_ object: [String: Any]) {
        var line = object.mapValues(Self.finite)
        line["time"] = ISO8601DateFormatter().string(from: Date())
        guard let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) else { return }
        try? handle.write(contentsOf: data + Data("\n".utf8))
    }

    /// `value` with non-finite numbers (also inside dictionaries) replaced by null.
    static func finite(_ value: Any) -> Any {
        if let number = value as? Double { return number.isFinite ? number : NSNull() }
        if let dictionary = value as? [String: Double] { return dictionary.mapValues { $0.isFinite ? $0 as Any : NSNull() } }
        return value
    }
}
