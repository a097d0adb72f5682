import CKernels

/// Inverted dropout with a seeded mask.
extension Tensor {
    /// Zeroes each element with probability `p` and scales the rest by 1/(1−p); the identity when
    /// `p == 0`. The mask comes from the next `count` positions of `generator`; it is not stored:
    /// the backward draws the same positions again (a C kernel, in wide vectors).
    public func dropout(_ p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: probability \(p) outside [0, 1)")
        guard p > 0 else { return self }
        let seed = generator.seed, start = generator.reserve(count)
        let out = emptyLike()
        Tensor.dropoutKernel(data, into: out.data, count: count, seed: seed, start: start, p: p)
        return out.recording("dropout", [self]) { [self] g in
            let dx = g.emptyLike()
            Tensor.dropoutKernel(g.data, into: dx.data, count: count, seed: seed, start: start, p: p)
            accumulateGrad(dx, owned: true)
        }
    }

    /// `kd_dropout` split into chunks across threads; each chunk draws its own positions.
    static func dropoutKernel(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                              seed: UInt64, start: UInt64, p: Float) {
        let x = SendablePointer(x), y = SendablePointer(y)
        Parallel.forChunks(count, grain: Kernels.grain) { first, last in
            kd_dropout(x.base + first, y.base + first, last - first, seed, start &+ UInt64(first), p)
        }
    }
}
