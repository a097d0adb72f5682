import Foundation

/// A contiguous, 64-byte aligned buffer of `Float`s that one or more tensors share.
///
/// Reshapes share their storage; every other op writes a new one. The optimiser updates
/// parameters in place through `pointer`.
public final class TensorStorage: @unchecked Sendable {
    /// The first element; valid for `count` elements.
    public let pointer: UnsafeMutablePointer<Float>
    /// The number of elements.
    public let count: Int
    /// Updates of this buffer's rows held back until the rows are read; weak, since the optimiser
    /// that holds them owns the parameter.
    public weak var pendingRows: (any PendingRowUpdates)?

    /// Allocates `count` elements, zero-filled when `zeroed` (uninitialised otherwise).
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        pointer = BufferPool.shared.take(count)
        self.count = count
        if zeroed { pointer.initialize(repeating: 0, count: count) }
    }

    deinit { BufferPool.shared.give(pointer, count: count) }

    /// The elements as a buffer.
    @inline(__always)
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}

/// A pointer that may cross into the closures of a parallel loop.
///
/// Kernels split work into disjoint index ranges, so no two threads write the same element.
package struct SendablePointer<Element>: @unchecked Sendable {
    package let base: UnsafeMutablePointer<Element>
    package init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    package init(_ base: UnsafePointer<Element>) { self.base = UnsafeMutablePointer(mutating: base) }
}

/// Recycles large buffers by size class, so that a training or inference loop stops paying for
/// `malloc` and for the page faults of fresh memory (measured: a fresh 24 MB output made a
/// 4096×384·384×1536 product up to 1.8× slower).
///
/// A buffer of n floats comes from the class just above n, among four classes per power of two
/// (at most 25% more than asked for), so that bucketed batches, whose lengths change every step,
/// can reuse each other's buffers. What is idle is capped at a sixth of the machine's memory (at
/// least 1 GB), per process; `Engine.releaseIdleMemory()` empties it.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    /// Buffers smaller than this go straight to malloc, which serves them well.
    private let minimumCount = 16_384
    /// The most bytes kept idle; beyond this, freed buffers are released.
    private let capacityBytes = max(1 << 30, Int(ProcessInfo.processInfo.physicalMemory / 6))
    private var idle: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var idleBytes = 0
    private let lock = NSLock()

    /// The size class of `count` floats: `count` rounded up to a multiple of a quarter of its
    /// highest power of two.
    static func sizeClass(_ count: Int) -> Int {
        let step = max(1, (1 << (Int.bitWidth - 1 - count.leadingZeroBitCount)) / 4)
        return (count + step - 1) / step * step
    }

    /// A 64-byte aligned buffer of at least `count` floats, uninitialised.
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let capacity = count >= minimumCount ? Self.sizeClass(count) : max(count, 1)
        if count >= minimumCount {
            let reused: UnsafeMutablePointer<Float>? = lock.withLock {
                guard let pointer = idle[capacity]?.popLast() else { return nil }
                idleBytes -= capacity * MemoryLayout<Float>.stride
                return pointer
            }
            if let reused { return reused }
        }
        var raw: UnsafeMutableRawPointer?
        let bytes = capacity * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("TensorStorage: cannot allocate \(bytes) bytes")
        }
        return raw.bindMemory(to: Float.self, capacity: capacity)
    }

    /// Frees every idle buffer (`Engine.releaseIdleMemory`).
    func releaseIdle() {
        let buffers = lock.withLock {
            defer { idle = [:]; idleBytes = 0 }
            return idle.values.flatMap { $0 }
        }
        for pointer in buffers { free(pointer) }
    }

    /// The bytes held idle.
    var idleByteCount: Int { lock.withLock { idleBytes } }

    /// Returns a buffer from `take(count)`.
    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        if count >= minimumCount {
            let capacity = Self.sizeClass(count), bytes = capacity * MemoryLayout<Float>.stride
            let kept = lock.withLock {
                guard idleBytes + bytes <= capacityBytes else { return false }
                idle[capacity, default: []].append(pointer)
                idleBytes += bytes
                return true
            }
            if kept { return }
        }
        free(pointer)
    }
}
