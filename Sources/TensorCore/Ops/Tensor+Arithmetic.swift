/// Broadcasting arithmetic: `+ - * /` between tensors and with scalars, and negation.
extension Tensor {
    /// The element-wise `f(a, b)` under broadcasting; traps with both shapes when they do not broadcast.
    static func broadcasting(_ a: Tensor, _ b: Tensor, op: String, _ f: @escaping (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            let out = a.emptyLike()
            Kernels.zip(a.data, b.data, into: out.data, count: a.count, f)
            return out
        }
        let shape: [Int]
        do { shape = try Shape.broadcast(a.shape, b.shape, op: op) } catch { preconditionFailure(error.description) }
        let out = Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), zeroed: false))
        guard out.count > 0 else { return out }
        let sa = Shape.broadcastStrides(a.shape, to: shape), sb = Shape.broadcastStrides(b.shape, to: shape)
        let inner = shape.last ?? 1, rows = out.count / inner
        let innerA = sa.last ?? 0, innerB = sb.last ?? 0
        let pa = SendablePointer(a.data), pb = SendablePointer(b.data), po = SendablePointer(out.data)
        Parallel.forChunks(rows, grain: Swift.max(1, Kernels.grain / inner)) { first, last in
            for row in first..<last {
                // Unravel the row index over the leading dimensions into offsets of a and b.
                var rest = row, offsetA = 0, offsetB = 0
                for axis in stride(from: shape.count - 2, through: 0, by: -1) {
                    let index = rest % shape[axis]
                    rest /= shape[axis]
                    offsetA += index * sa[axis]
                    offsetB += index * sb[axis]
                }
                let x = pa.base + offsetA, y = pb.base + offsetB, o = po.base + row * inner
                for i in 0..<inner { o[i] = f(x[i * innerA], y[i * innerB]) }
            }
        }
        return out
    }

    /// Sums `self` (a broadcast result) down to `shape`, the shape of one operand: the gradient of broadcasting.
    func reduced(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let out = Tensor.zeros(target)
        let targetCount = out.count
        let core = target.drop(while: { $0 == 1 })
        if core.count <= shape.count, shape.suffix(core.count).elementsEqual(core) {
            // Leading dimensions broadcast (a bias [C] against [N, C]): column sums, split over columns.
            let outer = count / Swift.max(targetCount, 1)
            let src = SendablePointer(data), dst = SendablePointer(out.data)
            Parallel.forChunks(targetCount, grain: Swift.max(1, Kernels.grain / Swift.max(outer, 1))) { first, last in
                for row in 0..<outer {
                    let s = src.base + row * targetCount
                    for j in first..<last { dst.base[j] += s[j] }
                }
            }
            return out
        }
        // General case: one serial pass in a fixed order.
        let strides = Shape.broadcastStrides(target, to: shape)
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for i in 0..<count {
            out.data[offset] += data[i]
            // Advance the odometer and the target offset together.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }

    /// `a + b` with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, op: "add", +).recording([a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(g.reduced(to: a.shape)) }
            if b.requiresGrad { b.accumulateGrad(g.reduced(to: b.shape)) }
        }
    }

    /// `a - b` with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, op: "subtract", -).recording([a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(g.reduced(to: a.shape)) }
            if b.requiresGrad { b.accumulateGrad(g.mapped { -$0 }.reduced(to: b.shape), owned: true) }
        }
    }

    /// `a * b` with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, op: "multiply", *).recording([a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(broadcasting(g, b.detached(), op: "multiply", *).reduced(to: a.shape), owned: true) }
            if b.requiresGrad { b.accumulateGrad(broadcasting(g, a.detached(), op: "multiply", *).reduced(to: b.shape), owned: true) }
        }
    }

    /// `a / b` with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, op: "divide", /).recording([a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(broadcasting(g, b.detached(), op: "divide", /).reduced(to: a.shape), owned: true) }
            if b.requiresGrad {
                // d(a/b)/db = -a / b²
                let gb = broadcasting(broadcasting(g, a.detached(), op: "divide", *), b.detached(), op: "divide") { $0 / ($1 * $1) }
                b.accumulateGrad(gb.mapped { -$0 }.reduced(to: b.shape), owned: true)
            }
        }
    }

    /// `-a`.
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    /// `a + s`.
    public static func + (a: Tensor, s: Float) -> Tensor {
        a.mapped { $0 + s }.recording([a]) { g in a.accumulateGrad(g) }
    }

    /// `s + a`.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }

    /// `a - s`.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    /// `s - a`.
    public static func - (s: Float, a: Tensor) -> Tensor { (a * -1) + s }

    /// `a * s`.
    public static func * (a: Tensor, s: Float) -> Tensor {
        a.mapped { $0 * s }.recording([a]) { g in a.accumulateGrad(g.mapped { $0 * s }, owned: true) }
    }

    /// `s * a`.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }

    /// `a / s`.
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    /// A new tensor with `f` applied to each element, outside of the graph.
    func mapped(_ f: @escaping (Float) -> Float) -> Tensor {
        let out = emptyLike()
        Kernels.map(data, into: out.data, count: count, f)
        return out
    }
}
