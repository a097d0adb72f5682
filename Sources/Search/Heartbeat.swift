import Foundation
import TensorCore

/// Calls `beat` every `interval` seconds on a thread of its own until `stop()`: a worker's lease stays
/// alive while its main thread distils. A beat that throws is tried again at the next interval (the store
/// retries its connection itself); a claim that was lost is found out at its completion.
final class Heartbeat: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    private var exited = false

    init(every interval: TimeInterval, _ beat: @escaping () throws -> Void) {
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
                try? beat.value()
                self.condition.lock()
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
    static func around<T>(every interval: TimeInterval, _ beat: @escaping () throws -> Void, _ body: () throws -> T) rethrows -> T {
        let heartbeat = Heartbeat(every: interval, beat)
        defer { heartbeat.stop() }
        return try body()
    }
}
