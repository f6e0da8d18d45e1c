/// How a HealthKit unit becomes the canonical one. Only these factors are
/// fixed in code.
enum UnitConversion: Sendable {
    case identity
    case multiply(Double)
    case divide(Double)
    case fahrenheitToCelsius

    func apply(_ value: Double) -> Double {
        switch self {
        case .identity: value
        case .multiply(let factor): value * factor
        case .divide(let divisor): value / divisor
        case .fahrenheitToCelsius: (value - 32) * 5 / 9
        }
    }
}
