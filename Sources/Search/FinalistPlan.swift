import Foundation
import Models

/// Which students the final stage distils on the full training set.
///
/// - `top-N`: the best candidates by reward;
/// - `front-N`: the front's spread: the range from the fastest candidate to the target cut into `front`
///   geometric bands, and the best student of each;
/// - `speedup-3x`, …: the same in (0.8·a, a] of each anchor latency a, the speed-ups asked for (the teacher's
///   latency over 3 for "3×": the best student at least that fast);
/// - `match-every-other-layer`, …: the same in the band below each hand-crafted student's latency, so every
///   baseline meets the best searched student that is at most as slow;
/// - `baseline-…`: the hand-crafted students (every other teacher layer, as DistilBERT; a 4-layer
///   half-width shape).
///
/// A band's best student: among the members whose proxy score is within `scoreGuard` of the band's best, those
/// that inherit the teacher whole (its head size and activation) when there are any, of those the ones of more than
/// one layer when there are any, and of those the largest (within `StudentPrior.sizeTolerance` of the most
/// parameters), then the best proxy score. The score keeps out
/// a student far below the band's best (a failed or diverged distillation beside a working one); inheritance and
/// size rank the rest (`StudentPrior`). Parameter count ranked fully distilled students better than any proxy
/// measured, within ±20% latency bands (Kendall τ 0.93 against 0.78) and over all students (0.90 against 0.82;
/// bench/proxy_fidelity.sh), so the front's wider bands use the same rule.
///
/// No searched finalist repeats a hand-crafted shape (a search of a space that holds one may find it):
/// it is distilled once, as its baseline. Every latency is the run's repeatable figure (predicted or
/// calibrated), never a lone measurement.
public struct FinalistPlan: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var name: String
        public var origin: Finalist.Origin
        public var architecture: StudentArchitecture
        public var trialId: Int?

        enum CodingKeys: String, CodingKey { case name, origin, architecture, trialId = "trial_id" }
    }

    public var entries: [Entry]

    /// The share of an anchor's or a baseline's latency its band reaches down to.
    public static let bandFloor = 0.8

    /// How far below its band's best proxy score (the task's metric on the scoring set) a student may score and
    /// still be its band's finalist: for accuracy near 0.7 on the default 500 scoring examples, about 1.7 standard
    /// errors of the difference of two scores.
    public static let scoreGuard = 0.05

    /// The plan for `trials` (finished ones count), `top` by reward and `front` bands up to `target`,
    /// with each of `anchors` (the finalist's name, a latency in ms), then each of `baselines` (name, architecture,
    /// latency), anchoring a band; `prior` ranks a band's students.
    public init(trials: [Trial], top: Int, front: Int, target: Double, prior: StudentPrior, anchors: [(name: String, latencyMs: Double)] = [],
                baselines: [(name: String, architecture: StudentArchitecture, latencyMs: Double)]) {
        let done = trials.filter { $0.state == .done && $0.reward != nil && $0.accuracy != nil && $0.latencyMs != nil }
        var entries: [Entry] = []
        // A hand-crafted shape is distilled as its baseline: a searched finalist never repeats it.
        var chosen = Set(baselines.map(\.architecture))
        let byReward = done.sorted { $0.reward! != $1.reward! ? $0.reward! > $1.reward! : $0.id < $1.id }
        for trial in byReward where entries.count < top && chosen.insert(trial.architecture).inserted {
            entries.append(Entry(name: "top-\(entries.count + 1)", origin: .top, architecture: trial.architecture, trialId: trial.id))
        }
        // Bands (low, high]: the front's, geometric from the fastest candidate (included) to the target, then each anchor's and baseline's.
        var bands: [(name: String?, low: Double, high: Double)] = []
        if front > 0, let fastest = done.map({ $0.latencyMs! }).min(), fastest < target {
            let edges = (0...front).map { fastest * pow(target / fastest, Double($0) / Double(front)) }
            bands = (0..<front).map { (name: nil, low: $0 == 0 ? 0 : edges[$0], high: $0 == front - 1 ? target : edges[$0 + 1]) }
        }
        let anchored = anchors + baselines.map { (name: Self.matchName($0.name), latencyMs: $0.latencyMs) }
        bands += anchored.map { (name: $0.name, low: Self.bandFloor * $0.latencyMs, high: $0.latencyMs) }
        var spread = 0
        for band in bands {
            let members = done.filter { $0.latencyMs! <= band.high && $0.latencyMs! > band.low && !chosen.contains($0.architecture) }
            guard let best = Self.best(of: members, prior: prior) else { continue }
            chosen.insert(best.architecture)
            if band.name == nil { spread += 1 }
            // Names are folder names: speed-ups that print alike (3 and 3.0000001) get a suffix.
            var name = band.name ?? "front-\(spread)"
            if entries.contains(where: { $0.name == name }) { name += "-\(entries.count + 1)" }
            entries.append(Entry(name: name, origin: .pareto, architecture: best.architecture, trialId: best.id))
        }
        entries += baselines.map { Entry(name: $0.name, origin: .baseline, architecture: $0.architecture, trialId: nil) }
        self.entries = entries
    }

    /// The best of a band's `members` (done trials): within `scoreGuard` of the best score (a margin of 1e-9 keeps
    /// a gap of exactly the guard inside, whatever the rounding), the whole-inheriting ones if any, of those the ones
    /// of more than one layer if any, the largest of those, then the best score, then the first tried.
    static func best(of members: [Trial], prior: StudentPrior) -> Trial? {
        guard let top = members.map({ $0.accuracy! }).max() else { return nil }
        let near = members.filter { $0.accuracy! >= top - scoreGuard - 1e-9 }
        let whole = near.filter { prior.inheritsWhole($0.architecture) }
        let inherited = whole.isEmpty ? near : whole
        let deep = inherited.filter { $0.architecture.layers > 1 }
        let pool = deep.isEmpty ? inherited : deep
        let most = Double(pool.map { prior.parameters($0.architecture) }.max()!)
        let largest = pool.filter { Double(prior.parameters($0.architecture)) >= (1 - StudentPrior.sizeTolerance) * most }
        return largest.max { a, b in a.accuracy! != b.accuracy! ? a.accuracy! < b.accuracy! : a.id > b.id }
    }

    /// The finalist of the band at or below speed-up `speedup` over the teacher: `speedup-3x`, `speedup-2.5x`.
    public static func speedupName(_ speedup: Double) -> String {
        "speedup-" + String(format: "%g", speedup) + "x"
    }

    /// The finalist of the band below the baseline `name`'s latency: `match-every-other-layer` for `baseline-every-other-layer`.
    static func matchName(_ name: String) -> String {
        "match-" + (name.hasPrefix("baseline-") ? String(name.dropFirst("baseline-".count)) : name)
    }

    /// Hand-crafted students: the teacher with every other layer (as DistilBERT), and a fixed small shape (4 layers, hidden ½, FFN 4×).
    public static func baselines(teacher: BertConfig) -> [(name: String, architecture: StudentArchitecture)] {
        let every = StudentArchitecture(layers: max(1, teacher.numHiddenLayers / 2), hiddenSize: teacher.hiddenSize,
                                        heads: teacher.numAttentionHeads, intermediateSize: teacher.intermediateSize, activation: teacher.hiddenAct)
        let hidden = max(64, teacher.hiddenSize / 2 / 64 * 64)
        let small = StudentArchitecture(layers: min(4, teacher.numHiddenLayers), hiddenSize: hidden, heads: max(1, hidden / 64),
                                        intermediateSize: min(4 * hidden, teacher.intermediateSize), activation: teacher.hiddenAct)
        return [("baseline-every-other-layer", every), ("baseline-small", small)]
    }
}
