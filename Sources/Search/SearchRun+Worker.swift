import Foundation
import TensorCore

/// The loop every process of a search runs, the one that created it and each `kdnas worker` alike: claim
/// the oldest free item and do it; when none is free, take the coordinator lease and advance the search;
/// when another process holds everything that is left, wait. A process that stops with an error gives its
/// item back; one that is killed leaves it to be reclaimed once its lease runs out (at once by a process of
/// the same host, which sees that it is gone).
extension SearchRun {
    /// Works on the search until every finalist is done.
    public func run(policy: WorkPolicy = WorkPolicy(), worker: WorkerRecord? = nil) throws {
        let me = worker ?? WorkerRecord.current(threads: Engine.threads)
        let beatEvery = policy.lease / 3
        _ = try store.heartbeat(nil, worker: me)
        // The preparation (calibration, the teacher's figures) by the first process to hold the lease.
        while try store.value("teacher_metrics") == nil {
            if try asCoordinator(me, policy, { try prepare() }) == nil { Thread.sleep(forTimeInterval: policy.poll) }
        }
        try prepareLatencyModel()
        let teacherMs = try teacherLatency()
        let target = settings.reward.target(teacherMs: teacherMs)
        let total = settings.episodes * Self.evaluationsPerEpisode(candidates: settings.candidatesPerEpisode, rungs: settings.allRungs.count,
                                                                   promotion: settings.promotion)
        observer?.searchDidStart(settings: settings, teacherLatencyMs: teacherMs, target: target,
                                 resumedTrials: try store.trials().filter { $0.state == .done || $0.state == .failed }.count)
        while true {
            if let claim = try store.claim(for: me, lease: policy.lease) {
                do {
                    try work(on: claim, worker: me, target: target, total: total, beatEvery: beatEvery)
                } catch {
                    try? store.release(claim)
                    throw error
                }
                continue
            }
            if let step = try asCoordinator(me, policy, { try advance(target: target) }) {
                if step == .finished { return }
                if step == .advanced { continue }
            } else if let data = try store.value("final_plan"),
                      finalistsDone(try JSONDecoder().decode(FinalistPlan.self, from: data), items: try store.workItems()) {
                return
            }
            Thread.sleep(forTimeInterval: policy.poll)
            _ = try store.heartbeat(nil, worker: me)
        }
    }

    /// Runs `body` holding the coordinator lease, renewed by a heartbeat and released after (also on an error);
    /// nil when another process holds it.
    private func asCoordinator<T>(_ me: WorkerRecord, _ policy: WorkPolicy, _ body: () throws -> T) throws -> T? {
        let take = { try self.store.acquireLease(Self.coordinatorLease, for: me, seconds: policy.lease) }
        guard try take() else { return nil }
        defer { try? store.releaseLease(Self.coordinatorLease, for: me) }
        return try Heartbeat.around(every: policy.lease / 3, { _ = try take() }, body)
    }

    /// Does one claimed item with heartbeats around it and records the result if the claim still holds.
    private func work(on claim: WorkClaim, worker me: WorkerRecord, target: Double, total: Int, beatEvery: TimeInterval) throws {
        let beat = { _ = try self.store.heartbeat(claim, worker: me) }
        switch WorkItem.kind(of: claim.key) {
        case .trial(let id, let rung):
            let trials = try store.trials()
            guard let trial = trials.first(where: { $0.id == id }) else {
                throw SearchError.corruptState("\(store.location): work item \(claim.key) names no trial")
            }
            var finished = trials.reduce(0) { $0 + $1.rungResults.count + ($1.state == .failed ? 1 : 0) }
            // The band coverage's candidates (slots past an episode's count) are known once their episode is proposed.
            let total = total + trials.filter(settings.isBandTopUp).count
            // The trial record changes only with the completion, under the claim; "running" is the item's state.
            observer?.trialDidStart(trial, finished: finished, total: total)
            var evaluated = try Heartbeat.around(every: beatEvery, beat) { evaluate(trial, rung: rung, target: target) }
            (evaluated.host, evaluated.threads) = (me.host, me.threads)
            if try store.complete(claim, trial: evaluated, finalist: nil, files: [:]) {
                finished += 1
                observer?.trialDidFinish(evaluated, finished: finished, total: total)
            }
        case .finalist(let name):
            let (finalist, files) = try Heartbeat.around(every: beatEvery, beat) { try distilFinalist(name) }
            if try store.complete(claim, trial: nil, finalist: finalist, files: files) { observer?.finalistDidFinish(finalist) }
        case nil:
            throw SearchError.corruptState("\(store.location): work item \(claim.key) is of another KDNAS version")
        }
    }
}
