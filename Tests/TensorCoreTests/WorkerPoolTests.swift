import Foundation
import Synchronization
@testable import TensorCore
import XCTest

/// The engine's worker pool: every share runs exactly once per loop, whatever the timing; loops
/// started inside a loop or from a second thread run inline; sleeping workers wake up.
final class WorkerPoolTests: XCTestCase {
    /// Runs `loops` loops of `shares` shares, each share adding its index + 1 to its own counter.
    private func runLoops(_ loops: Int, shares: Int, pause: (Int) -> Void = { _ in }) -> [Int] {
        let counters = UnsafeMutablePointer<Int>.allocate(capacity: shares)
        counters.initialize(repeating: 0, count: shares)
        defer { counters.deallocate() }
        let shared = UncheckedSendable(counters)
        for loop in 0..<loops {
            WorkerPool.shared.run(shares: shares) { share in shared.value[share] += share + 1 }
            pause(loop)
        }
        return Array(UnsafeBufferPointer(start: counters, count: shares))
    }

    func testEveryShareRunsOncePerLoop() {
        // Varying share counts back to back. Where there are more shares than workers (one worker on 2 cores), the
        // rest run on the caller; with more cores, a worker without a share in one loop must not run the next one's twice.
        for shares in [2, 3, 2, 5, 2, 4, 3] {
            let counters = runLoops(2_000, shares: shares)
            XCTAssertEqual(counters, (0..<shares).map { ($0 + 1) * 2_000 }, "\(shares) shares")
        }
    }

    func testOtherSharesRunOnAWorker() {
        // Share 0 on the caller, share 1 on another thread: the pool is not running everything inline.
        var threads = [pthread_t?](repeating: nil, count: 2)
        threads.withUnsafeMutableBufferPointer { slots in
            let shared = UncheckedSendable(slots)
            WorkerPool.shared.run(shares: 2) { share in shared.value[share] = pthread_self() }
        }
        XCTAssertEqual(threads[0], pthread_self(), "share 0 runs on the calling thread")
        XCTAssertNotNil(threads[1])
        XCTAssertNotEqual(threads[1], pthread_self(), "share 1 runs on a worker")
    }

    func testSleepingWorkersWakeUp() {
        // A pause longer than the workers' spin puts them to sleep before each loop.
        let counters = runLoops(50, shares: 2) { _ in usleep(2_000) }
        XCTAssertEqual(counters, [50, 100])
    }

    func testNestedLoopRunsInline() {
        let total = Atomic<Int>(0)
        WorkerPool.shared.run(shares: 2) { _ in
            WorkerPool.shared.run(shares: 3) { share in total.add(share + 1, ordering: .relaxed) }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 2 * 6, "each outer share runs the inner loop's three shares")
    }

    func testLoopsFromTwoThreadsAtOnce() {
        // Two threads start loops at the same time: one gets the pool, the other runs inline; both complete.
        let total = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<5_000 {
                WorkerPool.shared.run(shares: 2) { share in total.add(share + 1, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), 2 * 5_000 * 3)
    }

    func testParallelChunksCoverTheRangeOnce() {
        let previous = Engine.threads
        defer { Engine.threads = previous }
        for threads in [1, 2, 3] {
            Engine.threads = threads
            for (count, grain) in [(1, 1), (7, 1), (1000, 64), (1001, 1), (5, 10)] {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: count)
                hits.initialize(repeating: 0, count: count)
                let shared = UncheckedSendable(hits)
                Parallel.forChunks(count, grain: grain) { start, end in
                    for i in start..<end { shared.value[i] += 1 }
                }
                XCTAssertEqual(Array(UnsafeBufferPointer(start: hits, count: count)), Array(repeating: 1, count: count),
                               "threads \(threads), count \(count), grain \(grain)")
                hits.deallocate()
            }
        }
    }
}
