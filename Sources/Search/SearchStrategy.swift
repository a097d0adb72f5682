import Foundation

/// How a search picks the candidates of an episode. Strategies share the budget semantics:
/// `count` candidates per episode, each evaluated once.
public protocol SearchStrategy: AnyObject {
    /// The candidates of `episode`, given every trial so far (finished ones carry rewards).
    func propose(episode: Int, count: Int, history: [Trial], random: inout SearchRandom) -> [Trial]
    /// One more candidate of `episode` in slot `slot`, chosen among `candidates` (untried architectures of a latency
    /// band the search must visit; not empty); nil when the strategy has none to offer (a list).
    func propose(episode: Int, slot: Int, among candidates: [StudentArchitecture], random: inout SearchRandom) -> Trial?
    /// Learns from the finished trials after an episode (the LSTM retrains; others need nothing).
    func learn(from history: [Trial])
    /// State to save beside the trials, restored by `restore`.
    func state() -> Data?
    func restore(_ state: Data) throws
}

extension SearchStrategy {
    public func learn(from history: [Trial]) {}
    public func state() -> Data? { nil }
    public func restore(_ state: Data) throws {}
}

/// The strategies by name.
public enum StrategyKind: String, Codable, Sendable, CaseIterable {
    /// `list`: a given list of architectures, in order (a shortlist to score, or a proxy-fidelity benchmark).
    case lstm, random, evolution, list
}

/// A uniformly random one of `candidates`, for the strategies that do not predict.
func randomCandidate(_ candidates: [StudentArchitecture], episode: Int, slot: Int, random: inout SearchRandom) -> Trial? {
    guard !candidates.isEmpty else { return nil }
    return Trial(id: episode * 1000 + slot, episode: episode, slot: slot, architecture: candidates[random.index(candidates.count)], explored: true)
}

/// Samples a valid architecture not yet evaluated or proposed when the space allows it.
func freshSample(_ space: SearchSpace, avoiding seen: Set<StudentArchitecture>, random: inout SearchRandom) -> StudentArchitecture {
    for _ in 0..<200 {
        let candidate = space.sample(&random)
        if !seen.contains(candidate) { return candidate }
    }
    return space.sample(&random)
}

/// Uniformly random candidates.
public final class RandomStrategy: SearchStrategy {
    let space: SearchSpace

    public init(space: SearchSpace) { self.space = space }

    public func propose(episode: Int, count: Int, history: [Trial], random: inout SearchRandom) -> [Trial] {
        var seen = Set(history.map(\.architecture))
        return (0..<count).map { slot in
            let architecture = freshSample(space, avoiding: seen, random: &random)
            seen.insert(architecture)
            return Trial(id: episode * 1000 + slot, episode: episode, slot: slot, architecture: architecture, explored: true)
        }
    }

    public func propose(episode: Int, slot: Int, among candidates: [StudentArchitecture], random: inout SearchRandom) -> Trial? {
        randomCandidate(candidates, episode: episode, slot: slot, random: &random)
    }
}

/// A fixed list of architectures, `count` per episode in the list's order: scores a user's shortlist
/// with the search's own proxy, latency and final stage.
public final class ListStrategy: SearchStrategy {
    let architectures: [StudentArchitecture]

    public init(architectures: [StudentArchitecture]) { self.architectures = architectures }

    public func propose(episode: Int, count: Int, history: [Trial], random: inout SearchRandom) -> [Trial] {
        let seen = Set(history.map(\.architecture))
        return architectures.filter { !seen.contains($0) }.prefix(count).enumerated().map { slot, architecture in
            Trial(id: episode * 1000 + slot, episode: episode, slot: slot, architecture: architecture)
        }
    }

    /// A list is evaluated as given: nothing is added to it.
    public func propose(episode: Int, slot: Int, among candidates: [StudentArchitecture], random: inout SearchRandom) -> Trial? { nil }
}

/// Regularised evolution (Real et al. 2019): the population is the last `population` finished
/// trials; each child mutates one dimension of the best of `tournament` members drawn at random.
/// Until the population is full, candidates are random.
public final class EvolutionStrategy: SearchStrategy {
    let space: SearchSpace
    public let population: Int
    public let tournament: Int

    public init(space: SearchSpace, population: Int = 10, tournament: Int = 3) {
        (self.space, self.population, self.tournament) = (space, max(population, 2), max(tournament, 1))
    }

    public func propose(episode: Int, count: Int, history: [Trial], random: inout SearchRandom) -> [Trial] {
        let finished = history.filter { $0.state == .done && $0.reward != nil }
        var seen = Set(history.map(\.architecture))
        let members = Array(finished.suffix(population))
        return (0..<count).map { slot in
            let architecture: StudentArchitecture
            let explored: Bool
            if members.count < population {
                (architecture, explored) = (freshSample(space, avoiding: seen, random: &random), true)
            } else {
                let contenders = (0..<tournament).map { _ in members[random.index(members.count)] }
                let parent = contenders.max { $0.reward! < $1.reward! }!
                (architecture, explored) = (mutate(parent.architecture, avoiding: seen, random: &random), false)
            }
            seen.insert(architecture)
            return Trial(id: episode * 1000 + slot, episode: episode, slot: slot, architecture: architecture, explored: explored)
        }
    }

    /// A random one of `candidates`: a band's population is too small to evolve from.
    public func propose(episode: Int, slot: Int, among candidates: [StudentArchitecture], random: inout SearchRandom) -> Trial? {
        randomCandidate(candidates, episode: episode, slot: slot, random: &random)
    }

    /// One dimension changed to another of its values, keeping the architecture valid.
    func mutate(_ parent: StudentArchitecture, avoiding seen: Set<StudentArchitecture>, random: inout SearchRandom) -> StudentArchitecture {
        let indices = space.indices(of: parent)
        var fallback: StudentArchitecture?
        for _ in 0..<100 {
            let dimension = random.index(indices.count)
            let choices = space.dimensions[dimension].choices
            guard choices > 1 else { continue }
            var child = indices
            child[dimension] = (indices[dimension] + 1 + random.index(choices - 1)) % choices
            let candidate = space.architecture(at: child)
            guard space.isValid(candidate) else { continue }
            if !seen.contains(candidate) { return candidate }
            fallback = fallback ?? candidate
        }
        return fallback ?? freshSample(space, avoiding: seen, random: &random)
    }
}

/// KD-NAS's strategy: sample `sampleFactor × count` candidates, keep the `count` the LSTM
/// controller predicts best, replace each kept slot by a random candidate with probability ε
/// (1.0 in episode 1, falling by `epsilonDecay` per episode to `epsilonMinimum`); after each
/// episode the controller retrains on every measured (candidate, reward).
public final class LSTMStrategy: SearchStrategy {
    let space: SearchSpace
    public let controller: RewardController
    public var sampleFactor = 5
    public var epsilonStart = 1.0
    public var epsilonDecay = 0.05
    public var epsilonMinimum = 0.05
    public var trainingSteps = 300

    public init(space: SearchSpace, seed: UInt64) {
        self.space = space
        controller = RewardController(choices: space.dimensions.map(\.choices), seed: seed)
    }

    /// ε of `episode` (1-based).
    public func epsilon(_ episode: Int) -> Double { max(epsilonMinimum, epsilonStart - epsilonDecay * Double(episode - 1)) }

    public func propose(episode: Int, count: Int, history: [Trial], random: inout SearchRandom) -> [Trial] {
        var seen = Set(history.map(\.architecture))
        var pool: [StudentArchitecture] = []
        var poolSet = Set<StudentArchitecture>()
        for _ in 0..<(sampleFactor * count) {
            let candidate = freshSample(space, avoiding: seen.union(poolSet), random: &random)
            if poolSet.insert(candidate).inserted { pool.append(candidate) }
        }
        let predictions = controller.predict(pool.map(space.indices(of:)))
        let ranked = pool.indices.sorted { predictions[$0] != predictions[$1] ? predictions[$0] > predictions[$1] : $0 < $1 }
        let chosen = ranked.prefix(count).map { (pool[$0], predictions[$0]) }
        let epsilon = epsilon(episode)
        var trials: [Trial] = []
        for slot in 0..<count {
            let explore = random.unit() < epsilon || slot >= chosen.count
            let architecture: StudentArchitecture
            var predicted: Double?
            if explore {
                architecture = freshSample(space, avoiding: seen, random: &random)
                predicted = controller.predict([space.indices(of: architecture)]).first
            } else {
                (architecture, predicted) = chosen[slot]
            }
            seen.insert(architecture)
            trials.append(Trial(id: episode * 1000 + slot, episode: episode, slot: slot, architecture: architecture,
                                explored: explore, predictedReward: predicted))
        }
        return trials
    }

    /// The controller's best prediction among `candidates`.
    public func propose(episode: Int, slot: Int, among candidates: [StudentArchitecture], random: inout SearchRandom) -> Trial? {
        guard !candidates.isEmpty else { return nil }
        let predictions = controller.predict(candidates.map(space.indices(of:)))
        let best = candidates.indices.max { predictions[$0] != predictions[$1] ? predictions[$0] < predictions[$1] : $0 > $1 }!
        return Trial(id: episode * 1000 + slot, episode: episode, slot: slot, architecture: candidates[best], predictedReward: predictions[best])
    }

    public func learn(from history: [Trial]) {
        let finished = history.filter { $0.state == .done && $0.reward != nil }
        controller.train(finished.map { space.indices(of: $0.architecture) }, rewards: finished.map { $0.reward! }, steps: trainingSteps)
    }

    public func state() -> Data? { controller.state() }
    public func restore(_ state: Data) throws { try controller.restore(state) }
}
