import CKernels
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Threads kept alive between parallel loops, so that a loop costs a store and a wake-up instead
/// of a round trip through libdispatch.
///
/// A training step runs a few hundred parallel loops and an inference call at batch 1 a few dozen,
/// many of them a few microseconds long: what a loop costs to start and to join is paid each time.
/// The caller runs share 0 itself; worker `i` runs share `i`. After a loop, a worker spins for
/// `spinNanoseconds` watching for the next one, then sleeps on a condition variable.
///
///     WorkerPool.shared.run(shares: 2) { share in print(share) }   // 0 here, 1 on a worker
///
/// One loop at a time: a loop started while another runs (from inside its body, or from another
/// thread) runs its shares one after the other on the calling thread. At most one worker per core
/// besides the caller: shares beyond them run on the caller after its own. Every caller of `Parallel`
/// writes disjoint outputs computed in a fixed order, so neither changes a result, only its speed.
package final class WorkerPool: @unchecked Sendable {
    package static let shared = WorkerPool()

    /// How long a worker watches for the next loop before it sleeps.
    private static let spinNanoseconds: UInt64 = 50_000
    /// Workers at most: one per core besides the caller's (a larger `Engine.threads` would only add
    /// threads that spin against each other, and every loop waits for every worker).
    private static let maximumWorkers = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)

    /// Raised once per loop; a worker runs a loop when it sees a generation it has not run.
    private let generation = Atomic<UInt64>(0)
    /// Workers that have not yet finished (or, without a share, acknowledged) the current loop.
    private let pending = Atomic<Int>(0)
    /// Whether a loop is running (the caller's claim on the pool).
    private let busy = Atomic<Bool>(false)
    /// Workers asleep on `condition`.
    private let sleepers = Atomic<Int>(0)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// The current loop: its body and its share count, written before `generation` is raised (release)
    /// and read by the workers after they see it (acquire); never written while a loop runs.
    private var body: ((Int) -> Void)?
    private var shares = 0
    /// Workers started so far (worker i runs share i, from 1); grown under `busy`, between loops.
    private var workerCount = 0

    private init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    /// Calls `body(share)` for every share in `0..<shares`, share 0 on this thread and shares 1…w on
    /// the w workers (w at most `maximumWorkers`; any shares beyond run here after share 0), and returns
    /// when all have returned.
    package func run(shares count: Int, _ body: (Int) -> Void) {
        guard count > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for share in 0..<count { body(share) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let offloaded = min(count - 1, Self.maximumWorkers)
        while workerCount < offloaded { startWorker(index: workerCount + 1) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            self.shares = offloaded + 1
            // Every worker acknowledges every loop, even one without a share for it: then none can
            // read this loop's body or share count after the next loop has replaced them.
            pending.store(workerCount, ordering: .relaxed)
            // Sequentially consistent with the worker's count-then-read in `waitForLoop`: either the
            // worker sees the new generation or this sees it asleep and wakes it.
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            body(0)
            for share in (offloaded + 1)..<count { body(share) }
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 1_000 { sched_yield() } else { kd_spin_pause() }
            }
            self.body = nil
        }
    }

    private func startWorker(index: Int) {
        workerCount = index
        let seen = generation.load(ordering: .relaxed)
        let thread = Thread { [unowned self] in self.work(index: index, seen: seen) }
        thread.stackSize = 8 << 20
        thread.name = "kdnas-worker-\(index)"
        thread.start()
    }

    /// A worker's life: wait for a generation it has not seen, run its share if the loop has one, repeat.
    private func work(index: Int, seen start: UInt64) -> Never {
        var seen = start
        while true {
            seen = waitForLoop(after: seen)
            if index < shares, let body { body(index) }
            pending.subtract(1, ordering: .releasing)
        }
    }

    /// Spins, then sleeps, until the generation differs from `seen`; returns the new one.
    private func waitForLoop(after seen: UInt64) -> UInt64 {
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var checks = 0
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            kd_spin_pause()
            checks += 1
            if checks % 64 == 0, DispatchTime.now().uptimeNanoseconds > deadline { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        // The caller raises the generation, then reads `sleepers` and takes the mutex to broadcast: a
        // worker that reads the old generation here is counted, and waiting when the broadcast comes.
        var current = generation.load(ordering: .sequentiallyConsistent)
        while current == seen {
            pthread_cond_wait(condition, mutex)
            current = generation.load(ordering: .acquiring)
        }
        sleepers.subtract(1, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
        return current
    }
}
