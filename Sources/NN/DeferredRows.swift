import CKernels
import TensorCore

/// AdamW's steps for the rows of one [rows, columns] parameter that most gradients miss, held back
/// until a row is read or reached again: the word embeddings, of whose 30,522 rows a batch of 32 of
/// the bundled task's snippets reaches 356 to 540 (`bench/embedding_rows.py`).
///
/// A row the gradient missed still moves in a step: its moments and its weight decay. Those steps
/// are replayed later, in order, through the same kernel with the zero gradient the row held, so
/// every row ends with the bits that updating the whole tensor every step gives. Only the memory
/// traffic changes: a few rows replayed in cache instead of the whole table streamed every step.
/// `Tensor.embedding` brings the rows it reads up to date first (`PendingRowUpdates`); whoever
/// reads the whole tensor calls `applyAllPending()` (through `AdamW.synchronize()`).
final class DeferredRows: PendingRowUpdates {
    /// One step's factors: `kd_adamw`'s arguments besides the gradient.
    struct Step {
        let beta1: Float, beta2: Float, stepSize: Float, inverseRoot2: Float, eps: Float, decay: Float
    }

    let rows: Int, columns: Int
    /// Held so that the pointers below stay valid.
    private let parameter: Tensor, m: TensorStorage, v: TensorStorage
    /// Steps taken; row r has had the first `seen[r]` of them.
    private var taken = 0
    private var seen: [Int]
    /// The factors of steps `settled + 1 … taken`: every row has had the first `settled`.
    private var steps: [Step] = []
    private var settled = 0
    /// A zero gradient row, for replays.
    private let zeros: [Float]

    /// Defers the rows of `parameter` [rows, columns], whose moments are `m` and `v`.
    init(parameter: Tensor, m: TensorStorage, v: TensorStorage) {
        precondition(parameter.rank == 2, "DeferredRows: expected a parameter of rank 2, got shape \(parameter.shape)")
        (rows, columns) = (parameter.shape[0], parameter.shape[1])
        (self.parameter, self.m, self.v) = (parameter, m, v)
        seen = Array(repeating: 0, count: rows)
        zeros = Array(repeating: 0, count: columns)
        // A parameter has one lazy owner: an earlier optimiser over it applies what it holds first.
        parameter.storage.pendingRows?.applyAllPending()
        parameter.storage.pendingRows = self
    }

    /// Takes one step: the rows `gradient` reaches (any element other than ±0) catch up and take it
    /// with their gradient scaled by `scale`; the others only remember it.
    func step(_ factors: Step, gradient: Tensor, scale: Float) {
        taken += 1
        steps.append(factors)
        var touched = [UInt8](repeating: 0, count: rows)
        let g = SendablePointer(gradient.data), columns = columns
        touched.withUnsafeMutableBufferPointer { buffer in
            let flags = SendablePointer(buffer.baseAddress!)
            Parallel.forChunks(rows, grain: Swift.max(1, (1 << 16) / Swift.max(columns, 1))) { first, last in
                kd_nonzero_rows(g.base + first * columns, last - first, columns, flags.base + first)
            }
        }
        let reached = touched.indices.filter { touched[$0] != 0 }
        let target = taken
        update(reached) { row in
            self.catchUp(row, to: target - 1)
            kd_adamw(self.parameter.data + row * columns, g.base + row * columns, self.m.pointer + row * columns,
                     self.v.pointer + row * columns, columns, scale, factors.beta1, factors.beta2, factors.stepSize,
                     factors.inverseRoot2, factors.eps, factors.decay)
        }
    }

    /// Not thread-safe: one forward pass at a time reads the parameter (as training runs).
    func applyPending(rows ids: [Int]) {
        guard settled < taken else { return }
        let stale = Set(ids.lazy.filter { self.seen[$0] < self.taken }).sorted()
        let target = taken
        update(stale) { self.catchUp($0, to: target) }
    }

    /// Brings every row up to date and forgets the steps held back.
    func applyAllPending() {
        guard settled < taken else { return }
        let target = taken
        update(seen.indices.filter { seen[$0] < target }) { self.catchUp($0, to: target) }
        steps.removeAll(keepingCapacity: true)
        settled = taken
    }

    /// Forgets every step held back: the parameter and moments were just restored as a whole.
    func reset() {
        taken = 0
        settled = 0
        steps.removeAll()
        seen = Array(repeating: 0, count: rows)
    }

    /// Runs `body` on each of `rows` in a parallel loop (rows are independent), then marks them as
    /// having had every step taken so far.
    private func update(_ rowList: [Int], _ body: (Int) -> Void) {
        guard !rowList.isEmpty else { return }
        Parallel.forChunks(rowList.count, grain: 8) { first, last in
            for i in first..<last { body(rowList[i]) }
        }
        for row in rowList { seen[row] = taken }
    }

    /// Replays on `row` the steps after those it has had, up to step `target`, with a zero gradient.
    /// Reads `seen` only: the caller marks the row afterwards.
    private func catchUp(_ row: Int, to target: Int) {
        let offset = row * columns
        zeros.withUnsafeBufferPointer { zero in
            for step in seen[row]..<Swift.max(seen[row], target) {
                let f = steps[step - settled]
                kd_adamw(parameter.data + offset, zero.baseAddress!, m.pointer + offset, v.pointer + offset, columns, 1,
                         f.beta1, f.beta2, f.stepSize, f.inverseRoot2, f.eps, f.decay)
            }
        }
    }
}
