import Foundation

/// A unit of a search's work that any worker may do: one trial at one rung (`trial/ID/RUNG`), or one
/// finalist (`finalist/NAME`). The coordinator publishes items as it proposes, promotes and plans; a
/// worker claims the oldest claimable one, heartbeats while it works, and completes it with a
/// compare-and-set on its claim, so a claim that was lost (its lease ran out and another worker took
/// the item) never overwrites a result.
public struct WorkItem: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case pending, running, done }
    public enum Kind: Sendable, Equatable {
        case trial(id: Int, rung: Int)
        case finalist(name: String)
    }

    public var key: String
    public var state: State
    /// The worker holding or last holding the item, and how many claims it has had.
    public var worker: String?
    public var attempts: Int
    /// Seconds since the holder's last heartbeat, by the store's clock (nil when never claimed).
    public var heartbeatAge: Double?

    public init(key: String, state: State = .pending, worker: String? = nil, attempts: Int = 0, heartbeatAge: Double? = nil) {
        (self.key, self.state, self.worker, self.attempts, self.heartbeatAge) = (key, state, worker, attempts, heartbeatAge)
    }

    public static func trial(_ id: Int, rung: Int) -> String { "trial/\(id)/\(rung)" }
    public static func finalist(_ name: String) -> String { "finalist/\(name)" }

    /// What the key names, or nil for a key of another version.
    public static func kind(of key: String) -> Kind? {
        let parts = key.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        switch (parts.first, parts.count) {
        case ("trial", 3): return Int(parts[1]).flatMap { id in Int(parts[2]).map { .trial(id: id, rung: $0) } }
        case ("finalist", 2): return parts[1].isEmpty ? nil : .finalist(name: String(parts[1]))
        default: return nil
        }
    }
}
