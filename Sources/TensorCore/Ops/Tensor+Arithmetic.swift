import CKernels

/// Broadcasting arithmetic: `+ - * /` between tensors and with scalars, and negation.
extension Tensor {
    /// The four arithmetic ops, as the C kernel numbers them.
    enum Arithmetic: Int32 {
        case add = 0, subtract = 1, multiply = 2, divide = 3
    }

    /// `a op b` under broadcasting; traps with both shapes when they do not broadcast.
    static func broadcasting(_ a: Tensor, _ b: Tensor, _ op: Arithmetic) -> Tensor {
        let shape: [Int]
        do { shape = try Shape.broadcast(a.shape, b.shape, op: "\(op)") } catch { preconditionFailure(error.description) }
        let out = Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), zeroed: false))
        guard out.count > 0 else { return out }
        let pa = SendablePointer(a.data), pb = SendablePointer(b.data), po = SendablePointer(out.data)
        if a.count == out.count && b.count == out.count || b.count == 1 || a.count == 1 {
            // Same shapes, or one side a single value: one strided loop.
            let sa = a.count == 1 ? 0 : 1, sb = b.count == 1 ? 0 : 1
            Parallel.forChunks(out.count, grain: Kernels.grain) { start, end in
                kd_binary(op.rawValue, pa.base + start * sa, sa, pb.base + start * sb, sb, po.base + start, end - start)
            }
            return out
        }
        let sa = Shape.broadcastStrides(a.shape, to: shape), sb = Shape.broadcastStrides(b.shape, to: shape)
        let inner = shape.last ?? 1, rows = out.count / inner
        let innerA = sa.last ?? 0, innerB = sb.last ?? 0
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
                kd_binary(op.rawValue, pa.base + offsetA, innerA, pb.base + offsetB, innerB, po.base + row * inner, inner)
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
        broadcasting(a, b, .add).recording("add", [a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(g.reduced(to: a.shape)) }
            if b.requiresGrad { b.accumulateGrad(g.reduced(to: b.shape)) }
        }
    }

    /// `a - b` with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, .subtract).recording("subtract", [a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(g.reduced(to: a.shape)) }
            if b.requiresGrad { b.accumulateGrad(g.mapped { -$0 }.reduced(to: b.shape), owned: true) }
        }
    }

    /// `a * b` with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, .multiply).recording("multiply", [a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(broadcasting(g, b, .multiply).reduced(to: a.shape), owned: true) }
            if b.requiresGrad { b.accumulateGrad(broadcasting(g, a, .multiply).reduced(to: b.shape), owned: true) }
        }
    }

    /// `a / b` with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        broadcasting(a, b, .divide).recording("divide", [a, b]) { g in
            if a.requiresGrad { a.accumulateGrad(broadcasting(g, b, .divide).reduced(to: a.shape), owned: true) }
            if b.requiresGrad {
                // d(a/b)/db = −a·g / b²
                let gb = broadcasting(broadcasting(g, a, .multiply), broadcasting(b, b, .multiply), .divide)
                b.accumulateGrad(gb.mapped { -$0 }.reduced(to: b.shape), owned: true)
            }
        }
    }

    /// `-a`.
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    /// `a + s`.
    public static func + (a: Tensor, s: Float) -> Tensor {
        broadcasting(a, .scalar(s), .add).recording("add", [a]) { g in a.accumulateGrad(g) }
    }

    /// `s + a`.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }

    /// `a - s`.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    /// `s - a`.
    public static func - (s: Float, a: Tensor) -> Tensor { (a * -1) + s }

    /// `a * s`.
    public static func * (a: Tensor, s: Float) -> Tensor {
        broadcasting(a, .scalar(s), .multiply).recording("multiply", [a]) { g in a.accumulateGrad(broadcasting(g, .scalar(s), .multiply), owned: true) }
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
