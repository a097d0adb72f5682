/// The latency bands a search must visit so that its final stage has a searched student to pick in each: the
/// anchor bands of `FinalistPlan` ((0.8·a, a] for the speed-ups asked for and each hand-crafted student's latency).
/// A few dozen candidates out of a space of thousands may leave a band empty: the 2026-12-02 main job's seed 2
/// tried none in its 3× band. From the second episode on (the first, random, has trained the controller), each
/// episode adds one candidate to every band that holds fewer than `quota` of its eligible students: one of the
/// band's untried eligible architectures with the most parameters whose shape (layers, hidden size, FFN width) the
/// band does not hold yet (a held shape's variants only when no other is left), the strategy's choice among those
/// (the controller's best prediction for the LSTM, a random one otherwise).
///
/// Eligible: the students that inherit the teacher whole (its head size and activation, `StudentPrior`) while the
/// band holds fewer than `quota` of them and has one untried; every student otherwise (a band the space gives no
/// whole-inheriting student, or whose whole-inheriting students are all tried: fewer than `quota` of them, or some
/// failed). The strategies' own picks count toward
/// the quota only when eligible, so a band filled with regrouped-head variants still gets its largest
/// whole-inheriting students. Hand-crafted students never count: the final stage leaves them to their baselines.
///
/// Why the most parameters: within a latency band, parameter count ranked fully distilled students best of every
/// signal measured (Kendall τ 0.93 within bands, bench/proxy_fidelity.sh), and the strategies' own picks left the
/// bands to students narrower than the teacher (the 2026-12-07 main job's seed 2 tried no hidden-384 student in the
/// every-other-layer band, and its 3× finalist reached 95.6% of the teacher). Why whole inheritance: the final stage
/// ranks a band's students by size first, and among students of one size the regrouped heads cost (`StudentPrior`);
/// the 2026-12-07 night main job's 3× band held four students, none with the teacher's heads and activation, and its
/// finalist reached 96.2%, where the band's four largest whole-inheriting shapes reached 97.4–98.0% by the same recipe.
struct BandCoverage {
    var bands: [(low: Double, high: Double)]
    var quota: Int
    /// The space's architectures less the hand-crafted students (distilled as baselines anyway), with their
    /// parameters, latency and whole inheritance (computed once), largest first.
    var architectures: [(architecture: StudentArchitecture, parameters: Int, latencyMs: Double, whole: Bool)]
    /// The repeatable latency of an architecture (the run's latency model).
    var latency: (StudentArchitecture) -> Double
    /// Sizes the students and tells those that inherit the teacher whole.
    var prior: StudentPrior
    /// The hand-crafted students: never proposed, never counted.
    var excluded: Set<StudentArchitecture>

    /// The bands of `anchors` (latencies in ms) over `space`, whose students `prior` sizes and tells whole.
    init(anchors: [Double], quota: Int, space: SearchSpace, excluded: Set<StudentArchitecture>,
         prior: StudentPrior, latency: @escaping (StudentArchitecture) -> Double) {
        (bands, self.quota, self.latency, self.prior, self.excluded) =
            (anchors.map { (low: FinalistPlan.bandFloor * $0, high: $0) }, quota, latency, prior, excluded)
        architectures = space.all.filter { !excluded.contains($0) }.map { ($0, prior.parameters($0), latency($0), prior.inheritsWhole($0)) }
            .sorted { $0.parameters > $1.parameters }
    }

    /// What sets a student's size: layers, hidden size and FFN width (heads and activation do not change it).
    struct Shape: Hashable {
        var layers, hiddenSize, intermediateSize: Int
        init(_ architecture: StudentArchitecture) {
            (layers, hiddenSize, intermediateSize) = (architecture.layers, architecture.hiddenSize, architecture.intermediateSize)
        }
    }

    /// Whether `architecture` lies in `band`.
    func contains(_ band: (low: Double, high: Double), _ architecture: StudentArchitecture) -> Bool {
        Self.contains(band, latencyMs: latency(architecture))
    }

    /// Whether a latency of `latencyMs` lies in `band`, (low, high].
    static func contains(_ band: (low: Double, high: Double), latencyMs: Double) -> Bool { latencyMs > band.low && latencyMs <= band.high }

    /// The candidates `episode` adds after its `proposals`, in slots from `proposals.count` on: one for each band
    /// that `history` and the proposals fill below the quota, never an excluded architecture or one already tried.
    func topUps(episode: Int, history: [Trial], proposals: [Trial], strategy: SearchStrategy, random: inout SearchRandom) -> [Trial] {
        guard episode >= 2, quota > 0 else { return [] }
        // A failed trial tried the architecture but gives the final stage nothing: it does not count.
        var members = (history.filter { $0.state != .failed }.map(\.architecture) + proposals.map(\.architecture))
            .filter { !excluded.contains($0) }
        var seen = Set(history.map(\.architecture) + proposals.map(\.architecture))
        var added: [Trial] = []
        for band in bands {
            let reach = architectures.filter { Self.contains(band, latencyMs: $0.latencyMs) }
            let wholeMembers = members.filter { contains(band, $0) && prior.inheritsWhole($0) }.count
            let wholeOnly = wholeMembers >= quota || reach.contains { $0.whole && !seen.contains($0.architecture) }
            let inBand = members.filter { contains(band, $0) && (!wholeOnly || prior.inheritsWhole($0)) }
            guard inBand.count < quota else { continue }
            let slot = proposals.count + added.count
            guard slot < 1000 else { break }  // a trial's id is episode × 1000 + slot
            let untried = reach.filter { (!wholeOnly || $0.whole) && !seen.contains($0.architecture) }
            // A shape the band already holds is a new student only in its heads or activation: the next shape is
            // tried first, so that a band's quota is not spent on variants of one size. (A shape has one
            // whole-inheriting variant, so this matters only once every student is eligible.)
            let held = Set(inBand.map(Shape.init))
            let fresh = untried.filter { !held.contains(Shape($0.architecture)) }
            let open = fresh.isEmpty ? untried : fresh
            guard let most = open.first?.parameters,
                  let trial = strategy.propose(episode: episode, slot: slot, among: open.prefix { $0.parameters == most }.map(\.architecture),
                                               random: &random)
            else { continue }
            added.append(trial)
            members.append(trial.architecture)
            seen.insert(trial.architecture)
        }
        return added
    }
}
