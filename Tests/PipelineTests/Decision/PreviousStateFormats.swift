import Pipeline

/// Writers of the layouts earlier codecs wrote, for the states that tests
/// need and the fixture does not hold.
enum PreviousStateFormats {
    /// Format 1: names for enumerations, eight bytes a number, the
    /// remembered identities as their text. Only states without metrics,
    /// pattern times or history, which is all its test needs.
    static func formatOne(_ state: UserState, identities: [String]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.write(UInt8(1))
        writer.write(state.userID)
        writer.write(state.mode.rawValue)
        writer.write(state.confidence)
        writer.write(state.version)
        for time in [state.clock, state.lastSwitch] {
            writer.write(time == nil ? UInt8(0) : 1)
            if let time { writer.write(time.nanoseconds) }
        }
        writer.write(UInt8(0))  // viewed metrics
        writer.write(UInt8(0))  // metrics with a baseline
        for _ in 0..<(24 + 7) { writer.write(UInt16(0)) }
        writer.write(UInt16(identities.count))
        for identity in identities { writer.write(identity) }
        writer.write(UInt16(0))  // history
        return writer.bytes
    }
}
