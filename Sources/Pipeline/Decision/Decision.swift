/// What deciding one event did to a user's state.
public struct Decision: Sendable, Hashable {
    /// The envelope was seen before: nothing changed.
    public var isDuplicate = false
    public var modeSwitch: ModeSwitch?
    /// Readings that entered the view.
    public var appliedReadings = 0
    /// Readings not newer than the view's for their metric; not applied.
    public var lateReadings = 0
    /// Close to reflex on at least two factors without triggering it.
    public var isBorderline = false
    /// A reading moved HRV, heart rate or stress by more than the
    /// `significant_change` thresholds: worth checkpointing at once.
    public var hasSignificantChange = false

    public init() {}

    static let duplicate: Decision = {
        var decision = Decision()
        decision.isDuplicate = true
        return decision
    }()
}
