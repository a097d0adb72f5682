import CKernels
import Foundation

/// Softmax and log-softmax along the last axis, as row kernels.
extension Tensor {
    /// The last axis as rows: (rows, columns).
    var rowsAndColumns: (rows: Int, columns: Int) {
        let columns = shape.last ?? 1
        return (columns == 0 ? 0 : count / columns, columns)
    }

    /// Runs `body(first, last)` on chunks of rows of the last axis, split across threads.
    static func forRowChunks(_ rows: Int, columns: Int, _ body: @escaping (Int, Int) -> Void) {
        Parallel.forChunks(rows, grain: Swift.max(1, Kernels.grain / Swift.max(columns, 1)), body)
    }

    /// Runs `body(row)` for every row of the last axis, split across threads.
    static func forEachRow(_ rows: Int, columns: Int, _ body: @escaping (Int) -> Void) {
        Parallel.forChunks(rows, grain: Swift.max(1, Kernels.grain / Swift.max(columns, 1))) { first, last in
            for row in first..<last { body(row) }
        }
    }

    /// softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x) along the last axis.
    public func softmax() -> Tensor {
        let (rows, columns) = rowsAndColumns
        let out = emptyLike()
        let x = SendablePointer(data), y = SendablePointer(out.data)
        Tensor.forRowChunks(rows, columns: columns) { first, last in
            kd_softmax_rows(x.base + first * columns, y.base + first * columns, last - first, columns)
        }
        let probabilities = out.storage  // not `out`: its node must not own it
        return out.recording("softmax", [self]) { [self] g in
            accumulateGrad(Tensor.softmaxBackward(g, probabilities: probabilities, columns: columns), owned: true)
        }
    }

    /// dx = y ⊙ (g − Σ g⊙y) per row, for probabilities y.
    static func softmaxBackward(_ g: Tensor, probabilities: TensorStorage, columns: Int) -> Tensor {
        let dx = g.emptyLike()
        let rows = g.count / Swift.max(columns, 1)
        let y = SendablePointer(probabilities.pointer), gp = SendablePointer(g.data), d = SendablePointer(dx.data)
        forRowChunks(rows, columns: columns) { first, last in
            let offset = first * columns
            kd_softmax_backward_rows(y.base + offset, gp.base + offset, d.base + offset, last - first, columns)
        }
        return dx
    }

    /// log softmax(x) along the last axis: x − max x − log Σ exp(x − max x).
    public func logSoftmax() -> Tensor {
        let (rows, columns) = rowsAndColumns
        let out = emptyLike()
        let x = SendablePointer(data), y = SendablePointer(out.data)
        Tensor.forRowChunks(rows, columns: columns) { first, last in
            kd_log_softmax_rows(x.base + first * columns, y.base + first * columns, last - first, columns)
        }
        let logProbabilities = out.storage
        return out.recording("log softmax", [self]) { [self] g in
            let y = SendablePointer(logProbabilities.pointer)
            // dx = g − softmax(x) · Σ g
            let dx = emptyLike()
            let gp = SendablePointer(g.data), d = SendablePointer(dx.data)
            Tensor.forEachRow(rows, columns: columns) { row in
                let yr = y.base + row * columns, gr = gp.base + row * columns, dr = d.base + row * columns
                var total: Float = 0
                for j in 0..<columns { total += gr[j] }
                for j in 0..<columns { dr[j] = gr[j] - Foundation.exp(yr[j]) * total }
            }
            accumulateGrad(dx, owned: true)
        }
    }

    /// One row of log-softmax; `y` may alias `x`.
    @inline(__always)
    static func logSoftmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        kd_log_softmax_rows(x, y, 1, n)
    }
}
