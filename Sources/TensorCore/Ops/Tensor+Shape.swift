/// Shape ops: reshape (a view), permute and transpose, slice, concatenate, split.
extension Tensor {
    /// The same elements with a new shape; one dimension may be -1 (inferred). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0,
                         ShapeError(op: "reshape", shapes: [shape, newShape], expected: "a shape with the same element count").description)
            resolved[unknown] = count / known
        }
        precondition(resolved.reduce(1, *) == count,
                     ShapeError(op: "reshape", shapes: [shape, newShape], expected: "a shape with the same element count").description)
        let out = Tensor(shape: resolved, storage: storage)
        return out.recording("reshape", [self]) { [self] g in accumulateGrad(g.reshapedView(shape)) }
    }

    /// `g` viewed with `shape`, outside of the graph.
    func reshapedView(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, storage: storage) }

    /// The dimensions reordered: result dimension i is input dimension `axes[i]`. Copies.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes) == Set(0..<rank),
                     ShapeError(op: "permute", shapes: [shape, axes], expected: "a permutation of 0..<\(rank)").description)
        let out = permutedValues(axes)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in axes.enumerated() { inverse[axis] = i }
        return out.recording("permute", [self]) { [self] g in accumulateGrad(g.permutedValues(inverse), owned: true) }
    }

    /// Dimensions `a` and `b` swapped. Copies.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(a, op: "transpose"), normalizedAxis(b, op: "transpose"))
        return permuted(axes)
    }

    /// The permuted copy, outside of the graph. Copies runs of the innermost kept dimensions whole.
    func permutedValues(_ axes: [Int]) -> Tensor {
        let newShape = axes.map { shape[$0] }
        let out = Tensor(shape: newShape, storage: TensorStorage(count: count, zeroed: false))
        guard count > 0 else { return out }
        // Trailing dimensions that stay in place move as contiguous blocks.
        var kept = 0
        while kept < rank, axes[rank - 1 - kept] == rank - 1 - kept { kept += 1 }
        let block = shape.suffix(kept).reduce(1, *)
        let outerRank = rank - kept
        let sourceStrides = Shape.strides(shape)
        let permutedStrides = (0..<outerRank).map { sourceStrides[axes[$0]] }
        let outerShape = Array(newShape.prefix(outerRank))
        let rows = count / block
        let src = SendablePointer(data), dst = SendablePointer(out.data)
        Parallel.forChunks(rows, grain: Swift.max(1, Kernels.grain / block)) { first, last in
            for row in first..<last {
                var rest = row, offset = 0
                for axis in stride(from: outerRank - 1, through: 0, by: -1) {
                    offset += (rest % outerShape[axis]) * permutedStrides[axis]
                    rest /= outerShape[axis]
                }
                if block == 1 {
                    dst.base[row] = src.base[offset]
                } else {
                    (dst.base + row * block).update(from: src.base + offset, count: block)
                }
            }
        }
        return out
    }

    /// Elements `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis, op: "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     ShapeError(op: "slice", shapes: [shape], expected: "range \(range) within 0..<\(shape[axis]) on axis \(axis)").description)
        var newShape = shape
        newShape[axis] = range.count
        let out = Tensor(shape: newShape, storage: TensorStorage(count: newShape.reduce(1, *), zeroed: false))
        let inner = shape.suffix(from: axis + 1).reduce(1, *)
        let outer = shape.prefix(axis).reduce(1, *)
        Tensor.copyBlocks(outer: outer, count: range.count * inner,
                          from: data + range.lowerBound * inner, stride: shape[axis] * inner,
                          to: out.data, stride: range.count * inner)
        return out.recording("slice", [self]) { [self] g in
            let dx = Tensor.zeros(shape)
            Tensor.copyBlocks(outer: outer, count: range.count * inner, from: g.data, stride: range.count * inner,
                              to: dx.data + range.lowerBound * inner, stride: shape[axis] * inner)
            accumulateGrad(dx, owned: true)
        }
    }

    /// `tensors` joined along `axis`; all other dimensions must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors")
        let first = tensors[0]
        let axis = first.normalizedAxis(axis, op: "concatenate")
        for t in tensors where t.rank != first.rank
            || t.shape.enumerated().contains(where: { $0.offset != axis && $0.element != first.shape[$0.offset] }) {
            preconditionFailure(ShapeError(op: "concatenate", shapes: tensors.map(\.shape),
                                           expected: "equal sizes except on axis \(axis)").description)
        }
        var newShape = first.shape
        newShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let out = Tensor(shape: newShape, storage: TensorStorage(count: newShape.reduce(1, *), zeroed: false))
        let inner = first.shape.suffix(from: axis + 1).reduce(1, *)
        let outer = first.shape.prefix(axis).reduce(1, *)
        let outStride = newShape[axis] * inner
        var offsets: [Int] = []
        var position = 0
        for t in tensors {
            offsets.append(position)
            copyBlocks(outer: outer, count: t.shape[axis] * inner, from: t.data, stride: t.shape[axis] * inner,
                       to: out.data + position, stride: outStride)
            position += t.shape[axis] * inner
        }
        return out.recording("concatenate", tensors) { g in
            for (t, offset) in zip(tensors, offsets) where t.requiresGrad {
                let dx = Tensor(shape: t.shape, storage: TensorStorage(count: t.count, zeroed: false))
                copyBlocks(outer: outer, count: t.shape[axis] * inner, from: g.data + offset, stride: outStride,
                           to: dx.data, stride: t.shape[axis] * inner)
                t.accumulateGrad(dx, owned: true)
            }
        }
    }

    /// Pieces of `sizes` along `axis`; the sizes must add up to the dimension.
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        let axis = normalizedAxis(axis, op: "split")
        precondition(sizes.reduce(0, +) == shape[axis] && sizes.allSatisfy { $0 >= 0 },
                     ShapeError(op: "split", shapes: [shape, sizes], expected: "sizes adding up to \(shape[axis]) on axis \(axis)").description)
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: axis, start..<start + size)
        }
    }

    /// Copies `outer` blocks of `count` floats between strided positions.
    static func copyBlocks(outer: Int, count: Int, from source: UnsafePointer<Float>, stride sourceStride: Int,
                           to destination: UnsafeMutablePointer<Float>, stride destinationStride: Int) {
        guard count > 0 else { return }
        let src = SendablePointer(source), dst = SendablePointer(destination)
        Parallel.forChunks(outer, grain: Swift.max(1, Kernels.grain / count)) { first, last in
            for row in first..<last {
                (dst.base + row * destinationStride).update(from: src.base + row * sourceStride, count: count)
            }
        }
    }
}
