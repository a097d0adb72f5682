/// One candidate of a search: what was proposed, and what it measured.
public struct Trial: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        case pending, running, done, failed
    }

    /// Unique in the run: episode × 1000 + slot.
    public var id: Int
    public var episode: Int
    public var slot: Int
    public var architecture: StudentArchitecture
    public var state: State = .pending
    /// Replaced by a uniformly random candidate (epsilon-greedy), not chosen by the controller.
    public var explored = false
    /// The controller's prediction when it was chosen (lstm only).
    public var predictedReward: Double?
    /// The task's metric on the scoring set after the proxy distillation.
    public var accuracy: Double?
    /// The latency the reward uses: predicted by the run's latency model, measured, or external.
    public var latencyMs: Double?
    /// A measurement kept beside a predicted `latencyMs` (calibrated latency), to show the noise.
    public var measuredMs: Double?
    /// Cheap signals recorded for proxy studies: the inherited student's metric on the scoring set before
    /// any training, and the mean training loss of the proxy distillation's last epoch.
    public var initialScore: Double?
    public var trainLoss: Double?
    /// The highest rung of successive halving this candidate was promoted to (0: the first), and what each
    /// rung it finished gave; `accuracy` and `reward` are those of the last.
    public var rung = 0
    public var rungResults: [RungResult] = []
    public var parameters: Int?
    public var reward: Double?
    public var seconds: Double?
    public var error: String?
    /// The host and thread count of the process that evaluated it (and timed it, where latency is measured).
    public var host: String?
    public var threads: Int?

    public init(id: Int, episode: Int, slot: Int, architecture: StudentArchitecture, explored: Bool = false, predictedReward: Double? = nil) {
        (self.id, self.episode, self.slot, self.architecture, self.explored, self.predictedReward) =
            (id, episode, slot, architecture, explored, predictedReward)
    }

    enum CodingKeys: String, CodingKey {
        case id, episode, slot, architecture, state, explored, accuracy, parameters, reward, seconds, error
        case predictedReward = "predicted_reward", latencyMs = "latency_ms", measuredMs = "measured_ms"
        case initialScore = "initial_score", trainLoss = "train_loss", rung, rungResults = "rung_results", host, threads
    }
}

/// What one rung of a candidate's proxy distillation gave.
public struct RungResult: Codable, Sendable, Equatable {
    public var accuracy: Double
    public var reward: Double
    public var trainLoss: Double?
    public var seconds: Double

    public init(accuracy: Double, reward: Double, trainLoss: Double?, seconds: Double) {
        (self.accuracy, self.reward, self.trainLoss, self.seconds) = (accuracy, reward, trainLoss, seconds)
    }

    enum CodingKeys: String, CodingKey { case accuracy, reward, seconds, trainLoss = "train_loss" }
}
