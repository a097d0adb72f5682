import TensorCore
import XCTest

/// The engine's buffer pool: freed buffers are kept for reuse and released on request.
final class BufferPoolTests: XCTestCase {
    func testIdleBuffersAreKeptThenReleased() {
        Engine.releaseIdleMemory()
        XCTAssertEqual(Engine.idleMemoryBytes, 0)
        do {
            let large = Tensor.zeros([20_000])  // above the pool's minimum: kept when freed
            XCTAssertEqual(large.count, 20_000)
        }
        let kept = Engine.idleMemoryBytes
        print("buffer pool: \(kept) bytes idle after freeing 20,000 floats")
        XCTAssertGreaterThanOrEqual(kept, 20_000 * 4, "a freed buffer is kept for reuse")
        XCTAssertLessThanOrEqual(kept, 25_000 * 4, "a size class holds at most 25% more than asked")
        do {
            let similar = Tensor.zeros([19_500])  // the same size class: reuses the idle buffer
            XCTAssertEqual(Engine.idleMemoryBytes, 0, "a buffer of the same size class is reused")
            XCTAssertEqual(similar.scalars.max(), 0)
        }
        Engine.releaseIdleMemory()
        XCTAssertEqual(Engine.idleMemoryBytes, 0, "released on request")
    }
}
