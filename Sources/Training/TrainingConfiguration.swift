/// The recipe of a training run: what `kdnas finetune` and every distillation share.
///
/// Defaults follow the usual BERT fine-tuning recipe (Devlin et al. 2019; transformers' Trainer):
/// AdamW with decoupled weight decay, linear warm-up then decay, gradient clipping at norm 1.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// Passes over the training set.
    public var epochs = 3
    /// The peak learning rate.
    public var learningRate: Float = 5e-5
    /// Examples per update.
    public var batchSize = 32
    /// Tokens per example after truncation.
    public var maxLength = 128
    /// Seeds the data order, dropout and any new weights.
    public var seed: UInt64 = 42
    /// The fraction of all steps spent warming up (rounded up to whole steps, as transformers' Trainer).
    public var warmupRatio = 0.1
    /// AdamW's decoupled weight decay (not on biases and LayerNorm weights).
    public var weightDecay: Float = 0.01
    /// The global gradient norm is clipped to this (0: no clipping).
    public var maxGradientNorm: Float = 1
    /// Examples per evaluation batch.
    public var evaluationBatchSize = 64
    /// Log a progress line every this many steps (the progress bar updates every step).
    public var logEvery = 20

    /// The default recipe.
    public init() {}

    /// The first problem with these settings, naming the option.
    /// The most epochs a run takes: far beyond any fine-tuning, and never an overflowing step count.
    public static let maximumEpochs = 1_000_000

    public func validate() throws(TrainingError) {
        func require(_ condition: Bool, _ option: String, _ expected: String) throws(TrainingError) {
            if !condition { throw TrainingError.invalidOption(option, expected: expected) }
        }
        try require(epochs > 0, "--epochs", "a positive integer")
        // Bounded so that the run's step count (epochs × steps per epoch) cannot overflow.
        try require(epochs <= Self.maximumEpochs, "--epochs", "at most \(Self.maximumEpochs)")
        try require(learningRate > 0 && learningRate.isFinite, "--lr", "a positive learning rate")
        try require(batchSize > 0, "--batch-size", "a positive integer")
        try require(maxLength >= 4, "--max-length", "at least 4 (room for [CLS], [SEP] and text)")
        try require(warmupRatio >= 0 && warmupRatio < 1, "--warmup-ratio", "a fraction in [0, 1)")
        try require(weightDecay >= 0, "--weight-decay", "a non-negative number")
        try require(maxGradientNorm >= 0, "--max-grad-norm", "a non-negative number")
        try require(evaluationBatchSize > 0, "--eval-batch-size", "a positive integer")
        try require(logEvery > 0, "--log-every", "a positive integer")
    }
}

/// What can go wrong in a training run that a user can fix.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// An option out of range.
    case invalidOption(String, expected: String)
    /// No training batches.
    case emptyTrainingSet
    /// Training batches without labels (a test split).
    case unlabeledTrainingSet
    /// A checkpoint that cannot be resumed, and why.
    case unusableCheckpoint(path: String, reason: String)
    /// The output folder already holds a run, and `--resume` was not given.
    case existingRun(path: String)
    /// The loss became NaN or infinite at this step.
    case divergence(step: Int, loss: Float)

    public var description: String {
        switch self {
        case .invalidOption(let option, let expected): "\(option): expected \(expected)"
        case .emptyTrainingSet: "the training set has no examples"
        case .unlabeledTrainingSet: "the training split has no labels (test splits cannot be trained on)"
        case .unusableCheckpoint(let path, let reason): "\(path): cannot resume: \(reason)"
        case .existingRun(let path): "\(path): already holds a training run; continue it with --resume, or choose another output folder"
        case .divergence(let step, let loss): "training diverged: loss or gradient norm \(loss) at step \(step); try a lower --lr"
        }
    }
}
