/// MurmurHash3, x64 128-bit variant, seed 0 (Austin Appleby's public-domain
/// algorithm): a fast, well-distributed hash for fingerprints that are
/// stored, so it must never change. Not a defence against someone crafting
/// collisions; where that matters, use SHA-256.
public enum MurmurHash3 {
    /// `h1` and `h2` of the reference implementation (Python's
    /// `mmh3.hash128(data, 0, True)` is `h2 << 64 | h1`).
    public static func hash128(_ text: String) -> (h1: UInt64, h2: UInt64) {
        var text = text
        return text.withUTF8 { hash128(UnsafeRawBufferPointer($0)) }
    }

    public static func hash128(_ data: UnsafeRawBufferPointer) -> (h1: UInt64, h2: UInt64) {
        let c1: UInt64 = 0x87c3_7b91_1142_53d5
        let c2: UInt64 = 0x4cf5_ad43_2745_937f
        var h1: UInt64 = 0
        var h2: UInt64 = 0
        let blocks = data.count / 16
        for block in 0..<blocks {
            let k1 = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: block * 16, as: UInt64.self))
            let k2 = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: block * 16 + 8, as: UInt64.self))
            h1 ^= mixK1(k1, c1, c2)
            h1 = rotate(h1, 27) &+ h2
            h1 = h1 &* 5 &+ 0x52dc_e729
            h2 ^= mixK2(k2, c1, c2)
            h2 = rotate(h2, 31) &+ h1
            h2 = h2 &* 5 &+ 0x3849_5ab5
        }
        let tail = blocks * 16
        let remaining = data.count - tail
        if remaining > 8 {
            var k2: UInt64 = 0
            for index in 8..<remaining { k2 ^= UInt64(data[tail + index]) << (8 * UInt64(index - 8)) }
            h2 ^= mixK2(k2, c1, c2)
        }
        if remaining > 0 {
            var k1: UInt64 = 0
            for index in 0..<min(remaining, 8) { k1 ^= UInt64(data[tail + index]) << (8 * UInt64(index)) }
            h1 ^= mixK1(k1, c1, c2)
        }
        h1 ^= UInt64(data.count)
        h2 ^= UInt64(data.count)
        h1 &+= h2
        h2 &+= h1
        h1 = finalMix(h1)
        h2 = finalMix(h2)
        h1 &+= h2
        h2 &+= h1
        return (h1, h2)
    }

    private static func mixK1(_ k: UInt64, _ c1: UInt64, _ c2: UInt64) -> UInt64 { rotate(k &* c1, 31) &* c2 }

    private static func mixK2(_ k: UInt64, _ c1: UInt64, _ c2: UInt64) -> UInt64 { rotate(k &* c2, 33) &* c1 }

    private static func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 { value << bits | value >> (64 - bits) }

    private static func finalMix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }
}
