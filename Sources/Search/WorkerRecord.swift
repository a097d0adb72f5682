import Foundation

/// A process working on a search, as the store last heard of it.
public struct WorkerRecord: Codable, Sendable, Equatable {
    /// `HOST:MACHINE:PID:TOKEN`, unique per process: the host's name, a hash of this kernel's boot and PID
    /// namespace (so two machines of one name, or containers sharing a host name, are told apart), the
    /// process id and a token: `S<start>-<random>`, the process's start time (clock ticks after boot, from
    /// /proc), so that a later process given the same id is not taken for it, then a random number. (Ids
    /// saved before 2026-12-08 have the random number only.)
    public var id: String
    public var host: String
    public var threads: Int
    /// The item it holds (filled in from the work items by `SearchStatus`), and seconds since it was last heard of (store's clock).
    public var item: String?
    public var lastSeenAge: Double?

    public init(id: String, host: String, threads: Int, item: String? = nil, lastSeenAge: Double? = nil) {
        (self.id, self.host, self.threads, self.item, self.lastSeenAge) = (id, host, threads, item, lastSeenAge)
    }

    enum CodingKeys: String, CodingKey { case id, host, threads }

    /// This process, on `host` (default: the machine's name; `KDNAS_WORKER_HOST` overrides it, which tests use
    /// to stand in for separate machines).
    public static func current(threads: Int, host: String? = nil) -> WorkerRecord {
        let name = host ?? ProcessInfo.processInfo.environment["KDNAS_WORKER_HOST"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let token = (startTime(of: pid).map { "S\($0)-" } ?? "") + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return WorkerRecord(id: "\(name):\(machine(host: name)):\(pid):\(token)", host: name, threads: threads)
    }

    /// A short hash of the host name, this boot of the kernel and this PID namespace: processes with the same
    /// value see each other's process ids.
    static func machine(host: String) -> String {
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? ""
        let namespace = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")) ?? ""
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in "\(host)|\(boot.trimmingCharacters(in: .whitespacesAndNewlines))|\(namespace)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash >> 32, radix: 16)
    }

    /// When process `pid` started, in clock ticks after boot (field 22 of /proc/PID/stat); nil without one.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name (which may hold spaces and parentheses): state is field 3, start time field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// Whether the process behind `holder` is known to be gone, as seen by this worker: it ran on this machine
    /// (same host, boot and PID namespace) and no process has its id any more, or the process that has it
    /// started at another time than the holder's (its id was given to a later process), or this process has it
    /// (a killed predecessor whose id was given to this process). A worker elsewhere is never known gone; its
    /// lease tells.
    public func sees(goneWorker holder: String) -> Bool {
        guard holder != id else { return false }
        let theirs = holder.split(separator: ":", omittingEmptySubsequences: false)
        let mine = id.split(separator: ":", omittingEmptySubsequences: false)
        guard theirs.count >= 4, mine.count >= 4, theirs.dropLast(2) == mine.dropLast(2), let pid = Int32(theirs[theirs.count - 2]), pid > 0 else {
            return false
        }
        if pid == ProcessInfo.processInfo.processIdentifier { return true }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        let token = theirs[theirs.count - 1]
        guard token.hasPrefix("S"), let dash = token.firstIndex(of: "-"), let started = UInt64(token[token.index(after: token.startIndex)..<dash]),
              let now = Self.startTime(of: pid) else { return false }
        return now != started
    }
}
