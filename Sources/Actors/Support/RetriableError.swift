/// An error that says itself whether trying again may succeed, so `Retry`
/// needs no knowledge of the client that threw it.
public protocol RetriableError: Error {
    var isRetriable: Bool { get }
}
