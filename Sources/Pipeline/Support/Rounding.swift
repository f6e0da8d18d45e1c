/// The one rounding of the mode-switch numbers: half-even to 6 decimals, applied to
/// confidences and snapshot values before they are compared or stored.
public enum Rounding {
    /// Rounds `value × 10⁶` to the nearest integer, ties to even. (A decimal
    /// tie such as 0.0000125 is rarely a binary one; the product decides.)
    public static func sixDecimals(_ value: Double) -> Double {
        guard value.isFinite else { return value }
        return (value * 1_000_000).rounded(.toNearestOrEven) / 1_000_000
    }
}
