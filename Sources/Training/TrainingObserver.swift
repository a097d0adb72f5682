/// Receives a training run's progress; the command line draws it, tests record it.
public protocol TrainingObserver: AnyObject {
    /// Before the first step: the plan, and the epoch the run resumes after (0 for a new run).
    func trainingWillStart(_ plan: TrainingPlan)
    /// After every update.
    func trainingDidStep(_ progress: StepProgress)
    /// After every epoch, its evaluation included.
    func trainingDidFinishEpoch(_ summary: EpochSummary)
}

/// The shape of a run.
public struct TrainingPlan: Sendable {
    public let epochs: Int
    public let stepsPerEpoch: Int
    public let examplesPerEpoch: Int
    /// Epochs already done by the checkpoint the run resumed from.
    public let resumedEpochs: Int
    public var totalSteps: Int { epochs * stepsPerEpoch }
}

/// One update.
public struct StepProgress: Sendable {
    public let epoch: Int
    /// 1-based step over the whole run.
    public let step: Int
    public let totalSteps: Int
    public let loss: Float
    public let learningRate: Float
    /// Examples per second since this epoch (or the resumed run) started.
    public let examplesPerSecond: Double
    /// Estimated seconds until the last step.
    public let secondsRemaining: Double
}

/// One finished epoch.
public struct EpochSummary: Codable, Sendable, Equatable {
    public let epoch: Int
    public let meanLoss: Double
    public let seconds: Double
    /// Evaluation metrics on the dev split, by name.
    public let metrics: [String: Double]
}
