/// Where a record was dead-lettered: its `stage` header and metric label.
public enum DeadLetterStage: String, Sendable, CaseIterable {
    /// The ingress found no account for the provider's user.
    case ingress
    /// The record is not an envelope (key, headers, ids).
    case ingest
    case normalise
    case validate
    /// PostgreSQL refused the user's state.
    case checkpoint
    /// The fetcher could not get a notified record from the provider's API.
    case fetch
}
