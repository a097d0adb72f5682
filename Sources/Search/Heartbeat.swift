import Foundation
import TensorCore

/// Calls `beat` every `interval` seconds on a thread of its own until `stop()`: a worker's lease stays
/// alive while its main thread distils. A beat that throws is retried at the next interval (the store
/// retries its connection itself); `lost` turns true once a beat reports the claim gone.
final class Heartbeat: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    private var exited = false
    private(set) var lost = false

    init(every interval: TimeInterval, _ beat: @escaping () throws -> Bool) {
        let beat = UncheckedSendable(beat)  // the store is used from this thread and the main one; every store is thread-safe
        let thread = Thread {
            self.condition.lock()
            defer {
                self.exited = true
                self.condition.broadcast()
                self.condition.unlock()
            }
            while !self.stopped {
                if self.condition.wait(until: Date(timeIntervalSinceNow: interval)) || self.stopped { continue }
                self.condition.unlock()
                let held = (try? beat.value()) ?? true
                self.condition.lock()
                if !held { self.lost = true }
            }
        }
        thread.name = "kdnas-heartbeat"
        thread.start()
    }

    /// Ends the beats; returns once the thread has finished (a beat under way included).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !exited { condition.wait() }
        condition.unlock()
    }

    /// Runs `body` with beats every `interval` seconds around it.
    static func around<T>(every interval: TimeInterval, _ beat: @escaping () throws -> Bool, _ body: () throws -> T) rethrows -> (T, lost: Bool) {
        let heartbeat = Heartbeat(every: interval, beat)
        defer { heartbeat.stop() }
        let value = try body()
        heartbeat.condition.lock()
        defer { heartbeat.condition.unlock() }
        return (value, heartbeat.lost)
    }
}
