import Synchronization

/// The first error of any stage.
final class FirstFailure: Sendable {
    private let state = Mutex<(any Error)?>(nil)

    var error: (any Error)? { state.withLock { $0 } }

    func guarding(_ stage: String, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            state.withLock { if $0 == nil { $0 = StageError(stage: stage, underlying: error) } }
        }
    }

    struct StageError: Error, CustomStringConvertible {
        let stage: String
        let underlying: any Error
        var description: String { "\(stage): \(underlying)" }
    }
}
