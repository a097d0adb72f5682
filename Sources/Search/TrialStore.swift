import Foundation

/// Where a search keeps its run: settings, every trial, the search state, the finalists, and the
/// coordination of the processes that work on it. Every write is one transaction, so a run killed at any
/// moment resumes from the last one.
///
/// Several processes may share one store (`kdnas worker`): the work is published as `WorkItem`s, claimed
/// one at a time with a lease kept alive by heartbeats, and completed with a compare-and-set on the claim;
/// one process at a time holds the coordinator lease and advances the search (proposes, promotes, learns,
/// plans the finalists), its writes conditional on the search state it read. `SQLiteTrialStore` is the
/// store of one machine; `PostgresTrialStore` (module SearchStorage) the store of several.
public protocol TrialStore: AnyObject {
    /// Where the store is (a file path, a URL with the password masked), for messages.
    var location: String { get }
    /// A saved value (settings, teacher latency, …) by key.
    func value(_ key: String) throws -> Data?
    func setValue(_ value: Data, for key: String) throws
    /// Several values in one transaction.
    func setValues(_ values: [String: Data]) throws
    /// Creates the search: writes `values` (the settings among them) in one transaction if the store holds no
    /// settings yet and returns nil; otherwise writes nothing and returns the saved settings.
    func initialize(_ values: [String: Data]) throws -> Data?
    /// Every trial, by id.
    func trials() throws -> [Trial]
    /// Replaces trials (their state and results), together.
    func update(_ trials: [Trial]) throws
    func state() throws -> SearchState?
    func finalists() throws -> [Finalist]

    /// The coordinator's write, in one transaction and only if the saved search state still equals
    /// `expected` (nil: none saved yet): trials replaced, `state` saved (when given), `values` set, and the
    /// items of `publish` added as pending (a key already present is left as it is). False: another
    /// process advanced the search first, and nothing was written.
    func commit(trials: [Trial], state: SearchState?, values: [String: Data], publish: [String], expecting expected: SearchState?) throws -> Bool
    /// Claims the oldest item that is pending, or running under a lease older than `lease` seconds, or held by
    /// a worker of this host whose process is gone; nil when none is.
    func claim(for worker: WorkerRecord, lease: TimeInterval) throws -> WorkClaim?
    /// Renews the claim's lease and records that the worker was heard of (a nil claim: only the latter); false when the claim was lost.
    func heartbeat(_ claim: WorkClaim?, worker: WorkerRecord) throws -> Bool
    /// Marks the claimed item done and saves its result (a trial, or a finalist with its files), in one
    /// transaction, only if the claim still holds; false when it was lost (nothing written). A claim
    /// completed already (a retried commit) counts as held.
    func complete(_ claim: WorkClaim, trial: Trial?, finalist: Finalist?, files: [String: Data]) throws -> Bool
    /// Gives a claimed item back, pending again (a worker that stops with an error).
    func release(_ claim: WorkClaim) throws
    /// Every item, oldest first.
    func workItems() throws -> [WorkItem]
    /// Takes or renews the named lease for `holder` for `seconds`; false while another holder's is live.
    func acquireLease(_ name: String, for worker: WorkerRecord, seconds: TimeInterval) throws -> Bool
    func releaseLease(_ name: String, for worker: WorkerRecord) throws
    /// Every worker that has joined, and when it was last heard of.
    func workers() throws -> [WorkerRecord]
    /// A finalist's file (a path under `finalists/NAME/`) as stored with its result, when the store keeps files.
    func file(_ path: String) throws -> Data?
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
    /// Counts the coordinator's commits, so that a commit made from an older reading fails its compare-and-set
    /// even where it would leave the rest of the state as it was (a promotion, the final plan).
    public var generation = 0

    public init(random: SearchRandom) { self.random = random }

    enum CodingKeys: String, CodingKey {
        case proposedEpisode = "proposed_episode", learnedEpisode = "learned_episode", random, strategy, generation
    }

    /// A state saved before `generation` existed reads as generation 0.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        proposedEpisode = try container.decode(Int.self, forKey: .proposedEpisode)
        learnedEpisode = try container.decode(Int.self, forKey: .learnedEpisode)
        random = try container.decode(SearchRandom.self, forKey: .random)
        strategy = try container.decodeIfPresent(Data.self, forKey: .strategy)
        generation = try container.decodeIfPresent(Int.self, forKey: .generation) ?? 0
    }
}

/// A student of the final stage: a top or Pareto candidate, or a hand-crafted baseline, distilled
/// on the full training set.
public struct Finalist: Codable, Sendable, Equatable {
    public enum Origin: String, Codable, Sendable {
        /// Best by reward; the best student of a latency band (`front-N`, `speedup-3x`, `match-…`; `FinalistPlan`); hand-crafted.
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
