import Foundation

/// The MnasNet reward of a candidate: accuracy scaled by its latency against a target.
///
///     R = A · (LAT / T)^α        soft: α fixed (about −0.07);  hard: α = 0 at or under T, −1 above
///
/// T is β × the teacher's latency, or an absolute target in milliseconds.
public struct Reward: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case soft, hard
    }

    public var kind: Kind = .soft
    /// α of the soft reward.
    public var alpha = -0.07
    /// β: the target as a share of the teacher's latency (used when `targetMs` is nil).
    public var beta = 0.6
    /// An absolute target in milliseconds.
    public var targetMs: Double?

    public init(kind: Kind = .soft, alpha: Double = -0.07, beta: Double = 0.6, targetMs: Double? = nil) {
        (self.kind, self.alpha, self.beta, self.targetMs) = (kind, alpha, beta, targetMs)
    }

    enum CodingKeys: String, CodingKey {
        case kind, alpha, beta, targetMs = "target_ms"
    }

    /// The target latency T for a teacher measured at `teacherMs`.
    public func target(teacherMs: Double) -> Double { targetMs ?? beta * teacherMs }

    /// R for a candidate of metric `accuracy` and latency `latencyMs`, against `target`.
    public func value(accuracy: Double, latencyMs: Double, target: Double) -> Double {
        let exponent: Double
        switch kind {
        case .soft: exponent = alpha
        case .hard: exponent = latencyMs <= target ? 0 : -1
        }
        return accuracy * pow(latencyMs / target, exponent)
    }

    /// Throws what is wrong with the settings.
    public func validate() throws(SearchError) {
        guard alpha <= 0 else { throw .invalid("--alpha", "a value ≤ 0 (a slower model must not earn more)") }
        guard beta > 0 else { throw .invalid("--beta", "a positive share of the teacher's latency") }
        if let targetMs, !(targetMs > 0) { throw .invalid("--target-ms", "a positive number of milliseconds") }
    }
}

/// The candidates no other beats on both accuracy (higher) and latency (lower).
public enum ParetoFront {
    /// Indices of the non-dominated points, by increasing latency.
    public static func indices(accuracy: [Double], latency: [Double]) -> [Int] {
        let order = accuracy.indices.sorted { latency[$0] != latency[$1] ? latency[$0] < latency[$1] : accuracy[$0] > accuracy[$1] }
        var best = -Double.infinity
        var front: [Int] = []
        for index in order where accuracy[index] > best {
            front.append(index)
            best = accuracy[index]
        }
        return front
    }
}

/// A search that cannot run as asked, or whose saved state cannot be used.
public enum SearchError: Error, CustomStringConvertible, Equatable {
    case invalid(String, String)
    case corruptState(String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .invalid(let option, let expected): "\(option): expected \(expected)"
        case .corruptState(let what): "search state: \(what)"
        case .mismatch(let what): what
        }
    }
}
