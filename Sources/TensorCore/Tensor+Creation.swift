import Foundation

extension Tensor {
    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        let storage = TensorStorage(count: shape.reduce(1, *), zeroed: false)
        storage.pointer.initialize(repeating: value, count: storage.count)
        return Tensor(shape: shape, storage: storage, requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` filled with zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` filled with ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    /// A scalar (shape `[]`).
    public static func scalar(_ value: Float) -> Tensor { full([], value) }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public convenience init(_ scalars: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(
            scalars.count == shape.reduce(1, *),
            "Tensor: \(scalars.count) scalars do not fill shape \(shape)")
        let storage = TensorStorage(count: scalars.count, zeroed: false)
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.initialize(from: base, count: scalars.count) }
        }
        self.init(shape: shape, storage: storage, requiresGrad: requiresGrad)
    }

    /// Normally distributed values (Box–Muller on the counter-based stream of `seed`).
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, seed: UInt64,
                              requiresGrad: Bool = false) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return normal(shape, mean: mean, std: std, generator: &generator, requiresGrad: requiresGrad)
    }

    /// Normally distributed values drawn from `generator`, which advances past them.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let result = Tensor.zeros(shape, requiresGrad: requiresGrad)
        let pairs = (result.count + 1) / 2
        let seed = generator.seed, start = generator.reserve(pairs)
        let out = SendablePointer(result.data), count = result.count
        Parallel.forChunks(pairs, grain: 8192) { first, last in
            for pair in first..<last {
                let position = start &+ UInt64(pair)
                let u1 = Double(RandomGenerator.value(seed: seed, position: position) >> 11) * 0x1p-53
                let u2 = Double(RandomGenerator.value(seed: seed ^ 0xD1B5_4A32_D192_ED03, position: position) >> 11) * 0x1p-53
                let radius = (-2 * Foundation.log(1 - u1)).squareRoot()
                let angle = 2 * Double.pi * u2
                out.base[2 * pair] = mean + std * Float(radius * cos(angle))
                if 2 * pair + 1 < count { out.base[2 * pair + 1] = mean + std * Float(radius * sin(angle)) }
            }
        }
        return result
    }

    /// Values uniform in [low, high) from the counter-based stream of `seed`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, seed: UInt64,
                               requiresGrad: Bool = false) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return uniform(shape, low: low, high: high, generator: &generator, requiresGrad: requiresGrad)
    }

    /// Values uniform in [low, high) drawn from `generator`, which advances past them.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let result = Tensor.zeros(shape, requiresGrad: requiresGrad)
        let seed = generator.seed, start = generator.reserve(result.count)
        let out = SendablePointer(result.data)
        Parallel.forChunks(result.count, grain: 16384) { first, last in
            for i in first..<last {
                let unit = RandomGenerator.unitFloat(RandomGenerator.value(seed: seed, position: start &+ UInt64(i)))
                out.base[i] = low + (high - low) * unit
            }
        }
        return result
    }
}
