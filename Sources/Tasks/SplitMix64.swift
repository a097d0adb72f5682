/// SplitMix64 (Steele, Lea and Flood 2014): a small, fast generator whose whole stream follows
/// from one 64-bit seed. Shuffles here use it, not the system generator, so that batches are
/// the same on every machine and Swift version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The state; advanced by the golden-ratio increment on each draw.
    public private(set) var state: UInt64

    /// A generator started at `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator for one of many independent streams of a seed, e.g. (seed, epoch).
    public init(seed: UInt64, stream: UInt64) {
        state = Self.mix(seed ^ Self.mix(stream &+ 0x9e37_79b9_7f4a_7c15))
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return Self.mix(state)
    }

    /// A uniform integer in `0 ..< bound`, without modulo bias (Lemire's multiply-and-reject).
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "SplitMix64.next(below:): bound must be positive")
        let bound = UInt64(bound)
        let threshold = (0 &- bound) % bound
        while true {
            let (high, low) = next().multipliedFullWidth(by: bound)
            if low >= threshold { return Int(high) }
        }
    }

    /// Shuffles `elements` in place (Fisher–Yates, from the back).
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(i, next(below: i + 1))
        }
    }

    /// SplitMix64's finaliser: a bijective mix of 64 bits.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
