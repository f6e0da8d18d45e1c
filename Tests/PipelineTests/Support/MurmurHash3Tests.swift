import Pipeline
import Testing

/// Stored digests must never change: known answers from the reference
/// implementation, through Python's `mmh3.hash128(data, 0, True)`.
struct MurmurHash3Tests {
    @Test(arguments: [
        ("", UInt64(0x0), UInt64(0x0)),
        ("a", 0x8555_5565_f659_7889, 0xe6b5_3a48_510e_895a),
        ("hello", 0xcbd8_a7b3_41bd_9b02, 0x5b1e_906a_48ae_1d19),
        ("user-12345-6789-delivery-abcdef", 0x9010_11b1_225a_87d3, 0x297c_942a_d868_446e),
        (String(repeating: "x", count: 256), 0x999d_66ac_06d6_c718, 0xc879_a8d8_86e0_8f42),
        ("évènement-✓", 0x505c_efef_8048_7ca5, 0xd77b_1d75_9671_a3b4),
    ])
    func knownAnswers(text: String, h1: UInt64, h2: UInt64) {
        let digest = MurmurHash3.hash128(text)
        #expect(digest.h1 == h1)
        #expect(digest.h2 == h2)
    }
}
