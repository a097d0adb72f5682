/// Inverted dropout with a seeded mask.
extension Tensor {
    /// Zeroes each element with probability `p` and scales the rest by 1/(1−p); the identity when
    /// `p == 0`. The mask comes from the next `count` positions of `generator`.
    public func dropout(_ p: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: probability \(p) outside [0, 1)")
        guard p > 0 else { return self }
        let mask = TensorStorage(count: count, zeroed: false)
        let seed = generator.seed, start = generator.reserve(count)
        let keep = 1 / (1 - p)
        let m = SendablePointer(mask.pointer)
        Parallel.forChunks(count, grain: Kernels.grain) { first, last in
            for i in first..<last {
                let u = RandomGenerator.unitFloat(RandomGenerator.value(seed: seed, position: start &+ UInt64(i)))
                m.base[i] = u < p ? 0 : keep
            }
        }
        let out = emptyLike()
        Kernels.zip(data, mask.pointer, into: out.data, count: count, *)
        return out.recording("dropout", [self]) { [self] g in
            let dx = g.emptyLike()
            Kernels.zip(g.data, mask.pointer, into: dx.data, count: count, *)
            accumulateGrad(dx, owned: true)
        }
    }
}
