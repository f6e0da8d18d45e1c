/// One sample or reading after the provider's checks.
enum SampleOutcome {
    case reading(Reading)
    case rejected(RejectionReason)
}
