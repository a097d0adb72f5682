import Foundation

/// The coordinator: whichever process holds the store's coordinator lease advances the search one step
/// at a time, each step a function of the store alone (so any process computes the same one) and saved
/// with a compare-and-set on the search state it read, whose generation every step raises (so a
/// coordinator that lost its lease mid-step writes nothing).
extension SearchRun {
    enum Step: Equatable {
        /// Something was published or learnt: look for work again.
        case advanced
        /// The next step needs items that other processes hold.
        case waiting
        /// Every finalist is done.
        case finished
    }

    static let coordinatorLease = "coordinator"

    /// The search's preparation, once per search: the latency model, the teacher's latency and metrics.
    func prepare() throws {
        try prepareLatencyModel()
        _ = try teacherLatency()
        _ = try teacherMetrics()
    }

    /// One step: propose the next episode, promote to the next rung, learn from a finished episode, or plan
    /// and publish the finalists, whichever the store's state calls for.
    func advance(target: Double) throws -> Step {
        // Items first: an item read as done has its result in the trials read after it (one transaction wrote both).
        let workItems = try store.workItems()
        let items = Dictionary(workItems.map { ($0.key, $0.state) }) { first, _ in first }
        let expected = try store.state()
        var state = expected ?? SearchState(random: SearchRandom(seed: settings.seed))
        state.generation += 1
        let trials = try store.trials()
        let episode = state.proposedEpisode

        if episode > 0 && state.learnedEpisode < episode {
            let members = trials.filter { $0.episode == episode }
            for rung in settings.allRungs.indices.dropFirst() where !members.contains(where: { $0.rung >= rung }) {
                let previous = members.filter { $0.rung == rung - 1 }
                guard previous.allSatisfy({ items[WorkItem.trial($0.id, rung: rung - 1)] == .done }) else { return .waiting }
                let promoted = promotion(of: previous, to: rung)
                if promoted.isEmpty { break }  // nothing finished the rung: no later rung either
                return try commit(promoted, state: state, publish: promoted.map { WorkItem.trial($0.id, rung: rung) }, expecting: expected)
            }
            guard members.allSatisfy({ trial in (0...trial.rung).allSatisfy { items[WorkItem.trial(trial.id, rung: $0)] == .done } }) else {
                return .waiting
            }
            if let saved = state.strategy { try strategy.restore(saved) }
            strategy.learn(from: trials)
            state.learnedEpisode = episode
            state.strategy = strategy.state()
            observer?.episodeDidFinish(episode, trials: members)
            return try commit([], state: state, publish: [], expecting: expected)
        }
        if episode < settings.episodes {
            if let saved = state.strategy { try strategy.restore(saved) }
            var random = state.random
            var proposals = strategy.propose(episode: episode + 1, count: settings.candidatesPerEpisode, history: trials, random: &random)
            if let coverage = try bandCoverage() {
                proposals += coverage.topUps(episode: episode + 1, history: trials, proposals: proposals, strategy: strategy, random: &random)
            }
            (state.random, state.proposedEpisode) = (random, episode + 1)
            return try commit(proposals, state: state, publish: proposals.map { WorkItem.trial($0.id, rung: 0) }, expecting: expected)
        }
        if try store.value("final_plan") == nil {
            let plan = try finalistPlan(trials: trials, target: target)
            let published = try store.commit(trials: [], state: state, values: ["final_plan": try JSONEncoder().encode(plan)],
                                             publish: plan.entries.map { WorkItem.finalist($0.name) }, expecting: expected)
            return published ? .advanced : .waiting
        }
        return finalistsDone(try finalistPlan(trials: trials, target: target), items: workItems) ? .finished : .waiting
    }

    /// Whether every finalist of `plan` is done among `items`.
    func finalistsDone(_ plan: FinalistPlan, items: [WorkItem]) -> Bool {
        let done = Set(items.filter { $0.state == .done }.map(\.key))
        return plan.entries.allSatisfy { done.contains(WorkItem.finalist($0.name)) }
    }

    private func commit(_ trials: [Trial], state: SearchState, publish: [String], expecting expected: SearchState?) throws -> Step {
        try store.commit(trials: trials, state: state, values: [:], publish: publish, expecting: expected) ? .advanced : .waiting
    }

    /// The best of `finished` (one episode's candidates that reached rung − 1) by reward, then id, set to `rung`
    /// and pending: the promoted share, at least one; a candidate whose rung failed keeps its older result
    /// and goes no further.
    func promotion(of finished: [Trial], to rung: Int) -> [Trial] {
        let eligible = finished.filter { $0.rungResults.count == rung && $0.state == .done }
            .sorted { $0.reward! != $1.reward! ? $0.reward! > $1.reward! : $0.id < $1.id }
        return eligible.prefix(Self.promotedCount(of: eligible.count, share: settings.promotion)).map { trial in
            var promoted = trial
            (promoted.rung, promoted.state) = (rung, .pending)
            return promoted
        }
    }
}
