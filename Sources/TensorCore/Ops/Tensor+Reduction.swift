/// Reductions: sum, mean and max along an axis, and over all elements.
extension Tensor {
    /// The tensor viewed as [outer, size, inner] around `axis`.
    func around(_ axis: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape.prefix(axis).reduce(1, *), shape[axis], shape.suffix(from: axis + 1).reduce(1, *))
    }

    /// The shape after reducing `axis` (kept as 1 with `keepDims`).
    func reducedShape(_ axis: Int, keepDims: Bool) -> [Int] {
        var result = shape
        if keepDims { result[axis] = 1 } else { result.remove(at: axis) }
        return result
    }

    /// The sum along `axis`.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis, op: "sum")
        let (outer, size, inner) = around(axis)
        let out = Tensor.zeros(reducedShape(axis, keepDims: keepDims))
        let src = SendablePointer(data), dst = SendablePointer(out.data)
        Parallel.forChunks(outer, grain: Swift.max(1, Kernels.grain / Swift.max(size * inner, 1))) { first, last in
            for o in first..<last {
                let d = dst.base + o * inner
                for s in 0..<size {
                    let row = src.base + (o * size + s) * inner
                    for i in 0..<inner { d[i] += row[i] }
                }
            }
        }
        return out.recording("sum", [self]) { [self] g in
            accumulateGrad(g.reshapedView(reducedShape(axis, keepDims: true)).expanded(to: shape), owned: true)
        }
    }

    /// The mean along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        sum(axis: axis, keepDims: keepDims) * (1 / Float(size(axis)))
    }

    /// The maximum along `axis`; the gradient goes to the first maximal element, as in PyTorch.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis, op: "max")
        let (outer, size, inner) = around(axis)
        precondition(size > 0, ShapeError(op: "max", shapes: [shape], expected: "a non-empty axis \(axis)").description)
        let out = Tensor(shape: reducedShape(axis, keepDims: keepDims), storage: TensorStorage(count: outer * inner, zeroed: false))
        var argmax = [Int](repeating: 0, count: outer * inner)
        let src = SendablePointer(data), dst = SendablePointer(out.data)
        argmax.withUnsafeMutableBufferPointer { indices in
            let idx = SendablePointer(indices.baseAddress!)
            Parallel.forChunks(outer * inner, grain: Swift.max(1, Kernels.grain / size)) { first, last in
                for j in first..<last {
                    let o = j / inner, i = j % inner
                    let base = src.base + o * size * inner + i
                    var best = base[0], bestIndex = 0
                    for s in 1..<size where base[s * inner] > best || (best.isNaN == false && base[s * inner].isNaN) {
                        best = base[s * inner]
                        bestIndex = s
                    }
                    dst.base[j] = best
                    idx.base[j] = bestIndex
                }
            }
        }
        return out.recording("max", [self]) { [self] g in
            let dx = Tensor.zeros(shape)
            for j in 0..<(outer * inner) {
                let o = j / inner, i = j % inner
                dx.data[(o * size + argmax[j]) * inner + i] += g.data[j]
            }
            accumulateGrad(dx, owned: true)
        }
    }

    /// The sum of all elements, as a scalar. Summed in fixed blocks, so any thread count gives the same bits.
    public func sum() -> Tensor {
        let block = 4096
        let blocks = (count + block - 1) / block
        var partial = [Double](repeating: 0, count: blocks)
        let src = SendablePointer(data), total = count
        partial.withUnsafeMutableBufferPointer { partial in
            let out = SendablePointer(partial.baseAddress!)
            Parallel.forChunks(blocks, grain: 8) { first, last in
                for b in first..<last {
                    var acc: Double = 0
                    for i in (b * block)..<Swift.min((b + 1) * block, total) { acc += Double(src.base[i]) }
                    out.base[b] = acc
                }
            }
        }
        let out = Tensor.scalar(Float(partial.reduce(0, +)))
        return out.recording("sum", [self]) { [self] g in accumulateGrad(Tensor.full(shape, g.item), owned: true) }
    }

    /// The mean of all elements, as a scalar.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// `self` (with 1s where `target` has reduced dimensions) repeated to `target`, outside of the graph.
    func expanded(to target: [Int]) -> Tensor {
        Tensor.broadcasting(Tensor.zeros(target), self, .add)
    }
}
