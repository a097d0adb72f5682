import Foundation

/// Where a search keeps its run: settings, every trial, the search state and the finalists.
/// Every write is one transaction, so a run killed at any moment resumes from the last one.
/// `SQLiteTrialStore` is the implementation for one machine (a PostgreSQL store for several
/// machines would implement the same interface).
public protocol TrialStore: AnyObject {
    /// Where the store is (a file path, a URL), for messages.
    var location: String { get }
    /// A saved value (settings, teacher latency, …) by key.
    func value(_ key: String) throws -> Data?
    func setValue(_ value: Data, for key: String) throws
    /// Several values in one transaction.
    func setValues(_ values: [String: Data]) throws
    /// Every trial, by id.
    func trials() throws -> [Trial]
    /// Saves an episode's proposals and the search state they leave behind, together.
    func propose(_ trials: [Trial], state: SearchState) throws
    /// Replaces trials (their state and results), together.
    func update(_ trials: [Trial]) throws
    func state() throws -> SearchState?
    func saveState(_ state: SearchState) throws
    func finalists() throws -> [Finalist]
    func saveFinalist(_ finalist: Finalist) throws
}

/// What a search needs to continue exactly where it stopped.
public struct SearchState: Codable, Sendable, Equatable {
    /// The last episode whose candidates were proposed.
    public var proposedEpisode = 0
    /// The last episode the strategy learned from (its candidates all finished).
    public var learnedEpisode = 0
    /// The random stream after the last proposal.
    public var random: SearchRandom
    /// The strategy's own state (the controller's weights and Adam moments), if it has one.
    public var strategy: Data?

    public init(random: SearchRandom) { self.random = random }

    enum CodingKeys: String, CodingKey {
        case proposedEpisode = "proposed_episode", learnedEpisode = "learned_episode", random, strategy
    }
}

/// A student of the final stage: a top or Pareto candidate, or a hand-crafted baseline, distilled
/// on the full training set.
public struct Finalist: Codable, Sendable, Equatable {
    public enum Origin: String, Codable, Sendable {
        /// Best by reward; the best-scoring of a latency band of the front (`front-N`); hand-crafted.
        case top, pareto, baseline
    }

    public var name: String
    public var origin: Origin
    public var architecture: StudentArchitecture
    /// The search's trial, for searched finalists.
    public var trialId: Int?
    public var parameters: Int
    /// The run's repeatable latency (predicted or calibrated), and a measurement beside it when there is one.
    public var latencyMs: Double
    public var measuredMs: Double?
    /// Metrics on dev as reported (without the scoring examples when they come from dev), and on test.
    public var dev: [String: Double]
    public var test: [String: Double]?
    public var seconds: Double
    /// Where the Hugging Face checkpoint is, relative to the run folder.
    public var path: String

    public init(name: String, origin: Origin, architecture: StudentArchitecture, trialId: Int?, parameters: Int, latencyMs: Double,
                dev: [String: Double], test: [String: Double]?, seconds: Double, path: String) {
        (self.name, self.origin, self.architecture, self.trialId, self.parameters, self.latencyMs, self.dev, self.test, self.seconds, self.path) =
            (name, origin, architecture, trialId, parameters, latencyMs, dev, test, seconds, path)
    }

    enum CodingKeys: String, CodingKey {
        case name, origin, architecture, parameters, dev, test, seconds, path
        case trialId = "trial_id", latencyMs = "latency_ms", measuredMs = "measured_ms"
    }
}

extension TrialStore {
    /// Replaces one trial.
    public func update(_ trial: Trial) throws { try update([trial]) }
}
