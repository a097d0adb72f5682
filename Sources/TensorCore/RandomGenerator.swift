/// A seeded, counter-based random number generator (SplitMix64 over a counter).
///
/// The value at position `i` depends only on the seed and `i`, so parallel kernels (dropout
/// masks, initialisers) draw the same numbers for any thread count, and a run restarted from a
/// saved `(seed, offset)` continues the same stream.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    /// The stream's seed.
    public let seed: UInt64
    /// How many 64-bit values have been drawn so far.
    public var offset: UInt64

    /// A stream starting at position 0 of `seed`.
    public init(seed: UInt64, offset: UInt64 = 0) {
        self.seed = seed
        self.offset = offset
    }

    /// The 64-bit value at `position` of the stream of `seed`.
    @inlinable
    public static func value(seed: UInt64, position: UInt64) -> UInt64 {
        // SplitMix64's output at step `position + 1` of a stream whose start is the mixed seed,
        // so that nearby seeds give unrelated streams.
        mix(mix(seed) &+ (position &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// SplitMix64's finaliser.
    @inlinable
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform float in [0, 1) from the 24 high bits of `bits`.
    @inlinable
    public static func unitFloat(_ bits: UInt64) -> Float {
        Float(bits >> 40) * (1.0 / 16_777_216.0)
    }

    /// The next 64-bit value.
    public mutating func next() -> UInt64 {
        defer { offset &+= 1 }
        return Self.value(seed: seed, position: offset)
    }

    /// Reserves `count` positions and returns the first, for kernels that draw them in parallel.
    public mutating func reserve(_ count: Int) -> UInt64 {
        defer { offset &+= UInt64(count) }
        return offset
    }

    /// A uniform float in [0, 1).
    public mutating func nextUnitFloat() -> Float { Self.unitFloat(next()) }
}
