extension Duration {
    /// Whole milliseconds, as librdkafka's `*.ms` settings and timeouts want them.
    package var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    package var timeoutMilliseconds: Int32 { Int32(clamping: wholeMilliseconds) }

    /// Fractional seconds, for rates.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
