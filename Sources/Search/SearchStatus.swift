import Foundation

/// Where a search stands, from its store alone (`kdnas status`): its items by kind and state, the workers
/// with their last heartbeat, and an estimate of the time left.
public struct SearchStatus: Sendable {
    public struct Counts: Sendable, Equatable {
        public var pending = 0, running = 0, done = 0, failed = 0
    }

    public var study: String?
    public var trials = Counts()
    public var finalists = Counts()
    /// Episodes proposed and learnt so far, of the search's total.
    public var episodes: (proposed: Int, learned: Int, total: Int)
    /// The items being worked on, with their holder and the age of its last heartbeat.
    public var running: [WorkItem] = []
    public var finalPlanned: Bool
    public var workers: [WorkerRecord]
    /// Seconds left: the remaining candidates at the mean time of those done, over the live workers (nil before any is done).
    public var etaSeconds: Double?
    /// A worker counts as live while it was heard of within this many seconds.
    public var liveWithin: TimeInterval

    public init(store: TrialStore, liveWithin: TimeInterval = WorkPolicy().lease) throws {
        guard let data = try store.value("settings") else { throw SearchError.corruptState("\(store.location): holds no search settings; expected the store of a kdnas search") }
        let settings = try JSONDecoder().decode(SearchSettings.self, from: data)
        study = try store.value("study").map { String(decoding: $0, as: UTF8.self) }
        let state = try store.state()
        let trialsById = Dictionary(try store.trials().map { ($0.id, $0) }) { first, _ in first }
        var seconds: [Double] = []
        for item in try store.workItems() {  // counted here, and read again below for the holders
            switch WorkItem.kind(of: item.key) {
            case .trial(let id, _):
                switch item.state {
                case .pending: trials.pending += 1
                case .running: trials.running += 1
                case .done:
                    if trialsById[id]?.state == .failed { trials.failed += 1 } else { trials.done += 1 }
                    if let trial = trialsById[id], let rung = trial.rungResults.last { seconds.append(rung.seconds) }
                }
            case .finalist:
                switch item.state {
                case .pending: finalists.pending += 1
                case .running: finalists.running += 1
                case .done: finalists.done += 1
                }
            case nil: break
            }
        }
        episodes = (state?.proposedEpisode ?? 0, state?.learnedEpisode ?? 0, settings.episodes)
        finalPlanned = try store.value("final_plan") != nil
        // A worker holds what the store has it running (a killed worker's item, once taken over, is not its own).
        let items = try store.workItems()
        running = items.filter { $0.state == .running }
        workers = try store.workers().map { worker in
            var worker = worker
            worker.item = items.first { $0.state == .running && $0.worker == worker.id }?.key
            return worker
        }
        self.liveWithin = liveWithin
        let perEpisode = SearchRun.evaluationsPerEpisode(candidates: settings.candidatesPerEpisode, rungs: settings.allRungs.count,
                                                         promotion: settings.promotion)
        let unpublished = max(0, settings.episodes - episodes.proposed) * perEpisode
        let left = trials.pending + trials.running + unpublished
        let live = max(1, workers.filter(isLive).count)
        if !seconds.isEmpty { etaSeconds = Double(left) * seconds.reduce(0, +) / Double(seconds.count) / Double(live) }
    }

    /// Whether `worker` was heard of within `liveWithin` seconds.
    public func isLive(_ worker: WorkerRecord) -> Bool { (worker.lastSeenAge ?? .infinity) <= liveWithin }
}
