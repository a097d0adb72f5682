/// The latency bands a search must visit so that its final stage has a searched student to pick in each: the
/// anchor bands of `FinalistPlan` ((0.8·a, a] for the speed-ups asked for and each hand-crafted student's latency).
/// A few dozen candidates out of a space of thousands may leave a band empty: the 2026-12-02 main job's seed 2
/// tried none in its 3× band. From the second episode on (the first, random, has trained the controller), each
/// episode adds one candidate to every band that holds fewer than `quota`, the strategy's choice among the
/// architectures of that band (the controller's best prediction for the LSTM, a random one otherwise).
struct BandCoverage {
    var bands: [(low: Double, high: Double)]
    var quota: Int
    /// Never proposed: the hand-crafted students, distilled as baselines anyway.
    var excluded: Set<StudentArchitecture>
    /// The repeatable latency of an architecture (the run's latency model).
    var latency: (StudentArchitecture) -> Double

    /// The bands of `anchors` (latencies in ms).
    init(anchors: [Double], quota: Int, excluded: Set<StudentArchitecture>, latency: @escaping (StudentArchitecture) -> Double) {
        (bands, self.quota, self.excluded, self.latency) = (anchors.map { (low: FinalistPlan.bandFloor * $0, high: $0) }, quota, excluded, latency)
    }

    /// Whether `architecture` lies in `band`.
    func contains(_ band: (low: Double, high: Double), _ architecture: StudentArchitecture) -> Bool {
        let ms = latency(architecture)
        return ms > band.low && ms <= band.high
    }

    /// The candidates `episode` adds after its `proposals`, in slots from `proposals.count` on: one for each band
    /// that `history` and the proposals fill below the quota, never an excluded architecture or one already tried.
    func topUps(episode: Int, history: [Trial], proposals: [Trial], strategy: SearchStrategy, random: inout SearchRandom) -> [Trial] {
        guard episode >= 2, quota > 0 else { return [] }
        // A failed trial tried the architecture but gives the final stage nothing: it does not count.
        var members = history.filter { $0.state != .failed }.map(\.architecture) + proposals.map(\.architecture)
        var seen = excluded.union(history.map(\.architecture) + proposals.map(\.architecture))
        var added: [Trial] = []
        for band in bands where members.filter({ contains(band, $0) }).count < quota {
            let slot = proposals.count + added.count
            guard slot < 1000 else { break }  // a trial's id is episode × 1000 + slot
            guard let trial = strategy.propose(episode: episode, slot: slot, within: { contains(band, $0) }, avoiding: seen, random: &random)
            else { continue }
            added.append(trial)
            members.append(trial.architecture)
            seen.insert(trial.architecture)
        }
        return added
    }
}
