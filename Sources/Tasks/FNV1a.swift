/// The 64-bit FNV-1a hash (Fowler, Noll, Vo): for each byte, xor it in, then multiply by the
/// prime. Used for the deterministic split of the Rotten Tomatoes task.
public enum FNV1a {
    /// The 64-bit offset basis.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The 64-bit FNV prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of `bytes`: `FNV1a.hash64("a".utf8)` is 0xaf63dc4c8601ec8c.
    public static func hash64<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= prime
        }
        return hash
    }
}
