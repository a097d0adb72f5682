import Foundation
@testable import Search
import XCTest

/// How a worker tells that another process of this machine is gone: its process id is free, or taken by a
/// process that started at another time.
final class WorkerRecordTests: XCTestCase {
    func testAProcessIdGivenToALaterProcessIsSeenGone() throws {
        let me = WorkerRecord.current(threads: 1)
        let parts = me.id.split(separator: ":", omittingEmptySubsequences: false)
        let machine = parts.dropLast(2).joined(separator: ":")
        let started = try XCTUnwrap(WorkerRecord.startTime(of: getpid()))
        XCTAssertTrue(parts.last!.hasPrefix("S\(started)-"), me.id)

        // The parent process (the test runner's) is alive: a holder with its id and start time is not gone;
        // with another start time its id was reused, and the holder is gone; an id saved without a start
        // time keeps the old rule (alive while a process has the id).
        let parent = getppid()
        let parentStarted = try XCTUnwrap(WorkerRecord.startTime(of: parent))
        XCTAssertFalse(me.sees(goneWorker: "\(machine):\(parent):S\(parentStarted)-1a2b"))
        XCTAssertTrue(me.sees(goneWorker: "\(machine):\(parent):S\(parentStarted + 1)-1a2b"))
        XCTAssertFalse(me.sees(goneWorker: "\(machine):\(parent):1a2b"))
        // A free id is gone, this process's own id under another token is a killed predecessor, and a worker of
        // another machine is never known gone.
        XCTAssertTrue(me.sees(goneWorker: "\(machine):\(Int32.max - 7):S1-ff"))
        XCTAssertTrue(me.sees(goneWorker: "\(machine):\(getpid()):S\(started)-other"))
        XCTAssertFalse(me.sees(goneWorker: me.id))
        XCTAssertFalse(me.sees(goneWorker: "elsewhere:0000:\(Int32.max - 7):S1-ff"))
    }
}
