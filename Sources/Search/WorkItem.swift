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

/// A worker's hold on one item: the item and the attempt it is (the compare-and-set token).
public struct WorkClaim: Sendable, Equatable {
    public let key: String
    public let attempt: Int
    public let worker: String

    public init(key: String, attempt: Int, worker: String) { (self.key, self.attempt, self.worker) = (key, attempt, worker) }
}

/// A process working on a search, as the store last heard of it.
public struct WorkerRecord: Codable, Sendable, Equatable {
    /// `HOST:PID:TOKEN`, unique per process.
    public var id: String
    public var host: String
    public var pid: Int32
    public var threads: Int
    /// The item it holds (nil between items), and seconds since it was last heard of (store's clock).
    public var item: String?
    public var lastSeenAge: Double?

    public init(id: String, host: String, pid: Int32, threads: Int, item: String? = nil, lastSeenAge: Double? = nil) {
        (self.id, self.host, self.pid, self.threads, self.item, self.lastSeenAge) = (id, host, pid, threads, item, lastSeenAge)
    }

    /// This process, on `host` (default: the machine's name; `KDNAS_WORKER_HOST` overrides it, which tests use
    /// to stand in for separate machines).
    public static func current(threads: Int, host: String? = nil) -> WorkerRecord {
        let name = host ?? ProcessInfo.processInfo.environment["KDNAS_WORKER_HOST"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return WorkerRecord(id: "\(name):\(pid):\(token)", host: name, pid: pid, threads: threads)
    }

    /// Whether the process behind `workerId` is known to be gone: it ran on `host` (this machine) and its
    /// process no longer exists. A worker on another machine is never known gone; its lease tells.
    public static func isGone(_ workerId: String, onHost host: String) -> Bool {
        let parts = workerId.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.dropLast(2).joined(separator: ":") == host, let pid = Int32(parts[parts.count - 2]), pid > 0,
              pid != ProcessInfo.processInfo.processIdentifier else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
