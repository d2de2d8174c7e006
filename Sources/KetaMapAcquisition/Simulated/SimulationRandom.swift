/// The simulator's random numbers: fast, seeded and the same on every machine.
///
/// `xorshift64*` for the sample streams (one multiply per draw), and the
/// SplitMix64 finaliser as a hash for events (spikes, artifacts) that must be
/// computable for any time without generating the samples before it.
struct SimulationRandom {
    private var state: UInt64

    /// A stream seeded from `seed` and a stream number (never all-zero state).
    init(seed: UInt64, stream: UInt64) {
        state = Self.hash(seed, stream, 0x5EED) | 1
    }

    /// Next 64 random bits (`xorshift64*`).
    @inline(__always)
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// Approximately standard normal: the sum of four 16-bit uniforms (Irwin–Hall), centred and scaled to unit variance.
    @inline(__always)
    mutating func normal() -> Float {
        let r = next()
        let sum = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48)
        return (Float(Int64(sum) - 131_070)) * (1 / 37_837.2)
    }

    /// Uniform in [0, 1).
    @inline(__always)
    mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// SplitMix64 finaliser of three keys: the same keys always give the same bits.
    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1) &+ 0xBF58_476D_1CE4_E5B9 &* (c &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `hash` as a uniform number in [0, 1).
    @inline(__always)
    static func unit(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> Double {
        Double(hash(a, b, c) >> 11) * 0x1p-53
    }
}
