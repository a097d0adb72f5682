import Foundation
import Search
import XCTest

/// What every `TrialStore` promises the processes that share it, checked on stores that `open` returns
/// (each call a new connection to one empty store, as separate processes would have).
enum TrialStoreContract {
    static func check(file: StaticString = #filePath, line: UInt = #line, _ open: () throws -> TrialStore) throws {
        let (a, b) = (try open(), try open())
        let (alice, bob) = (WorkerRecord.current(threads: 1, host: "host-a"), WorkerRecord.current(threads: 1, host: "host-b"))
        let architecture = StudentArchitecture(layers: 1, hiddenSize: 32, heads: 2, intermediateSize: 64, activation: .gelu)
        var state = SearchState(random: SearchRandom(seed: 1))
        state.proposedEpisode = 1
        let trials = [Trial(id: 1000, episode: 1, slot: 0, architecture: architecture), Trial(id: 1001, episode: 1, slot: 1, architecture: architecture)]

        // The coordinator's write is a compare-and-set on the search state.
        XCTAssertTrue(try a.commit(trials: trials, state: state, values: ["k": Data([1])], publish: ["trial/1000/0", "trial/1001/0"], expecting: nil),
                      file: file, line: line)
        XCTAssertFalse(try b.commit(trials: [], state: state, values: [:], publish: ["trial/9/0"], expecting: nil), file: file, line: line)
        XCTAssertEqual(try b.workItems().map(\.key), ["trial/1000/0", "trial/1001/0"], file: file, line: line)
        XCTAssertEqual(try b.value("k"), Data([1]), file: file, line: line)
        XCTAssertEqual(try b.state(), state, file: file, line: line)

        // Items are claimed oldest first, each by one worker.
        let first = try XCTUnwrap(try a.claim(for: alice, lease: 60), file: file, line: line)
        let second = try XCTUnwrap(try b.claim(for: bob, lease: 60), file: file, line: line)
        XCTAssertEqual([first.key, second.key], ["trial/1000/0", "trial/1001/0"], file: file, line: line)
        XCTAssertNil(try b.claim(for: bob, lease: 60), file: file, line: line)
        XCTAssertTrue(try a.heartbeat(first, worker: alice), file: file, line: line)

        // A claim whose lease ran out is taken over; the first holder can neither heartbeat nor complete it.
        Thread.sleep(forTimeInterval: 1.2)
        _ = try b.heartbeat(second, worker: bob)
        let takeover = try XCTUnwrap(try b.claim(for: bob, lease: 1), file: file, line: line)
        XCTAssertEqual(takeover.key, first.key, file: file, line: line)
        XCTAssertEqual(takeover.attempt, 2, file: file, line: line)
        XCTAssertFalse(try a.heartbeat(first, worker: alice), file: file, line: line)
        var done = trials[0]
        done.state = .done
        XCTAssertFalse(try a.complete(first, trial: done, finalist: nil, files: [:]), file: file, line: line)
        XCTAssertEqual(try b.trials().first?.state, .pending, file: file, line: line)
        XCTAssertTrue(try b.complete(takeover, trial: done, finalist: nil, files: [:]), file: file, line: line)
        XCTAssertTrue(try b.complete(takeover, trial: done, finalist: nil, files: [:]), "a retried completion", file: file, line: line)
        XCTAssertEqual(try a.trials().first?.state, .done, file: file, line: line)

        // A released item is pending again.
        try b.release(second)
        XCTAssertEqual(try a.workItems().map(\.state), [.done, .pending], file: file, line: line)

        // A worker of this host whose process is gone loses its items at once; another host's worker waits for the lease.
        let machine = alice.id.split(separator: ":").dropLast(2).joined(separator: ":")
        let gone = WorkerRecord(id: "\(machine):\(Int32.max - 7):dead", host: "host-a", threads: 1)
        let stale = try XCTUnwrap(try a.claim(for: gone, lease: 600), file: file, line: line)
        XCTAssertEqual(stale.key, second.key, file: file, line: line)
        XCTAssertNil(try b.claim(for: bob, lease: 600), "another host's worker waits for the lease", file: file, line: line)
        let again = try XCTUnwrap(try a.claim(for: alice, lease: 600), file: file, line: line)
        XCTAssertEqual(again.key, second.key, file: file, line: line)
        XCTAssertEqual(again.attempt, stale.attempt + 1, file: file, line: line)

        // One holder of a lease at a time; a released or expired lease is free.
        XCTAssertTrue(try a.acquireLease("coordinator", for: alice, seconds: 60), file: file, line: line)
        XCTAssertTrue(try a.acquireLease("coordinator", for: alice, seconds: 60), "renewed", file: file, line: line)
        XCTAssertFalse(try b.acquireLease("coordinator", for: bob, seconds: 60), file: file, line: line)
        try a.releaseLease("coordinator", for: alice)
        XCTAssertTrue(try b.acquireLease("coordinator", for: bob, seconds: 0.5), file: file, line: line)
        Thread.sleep(forTimeInterval: 0.7)
        XCTAssertTrue(try a.acquireLease("coordinator", for: alice, seconds: 60), "expired", file: file, line: line)
        XCTAssertEqual(Set(try a.workers().map(\.id)), Set([alice.id, bob.id, gone.id]), file: file, line: line)
    }
}
