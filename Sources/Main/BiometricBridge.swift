import ArgumentParser
import Logging

@main
struct BiometricBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biometric-bridge",
        abstract: "AUREN Biometric Bridge: wearable data in, cognitive mode switches out.",
        subcommands: [ServeCommand.self, DemoCommand.self, ReplayCommand.self, AccountsCommand.self, BenchCommand.self, KafkaMockCommand.self, MigrateCommand.self])

    /// Logs go to standard error: standard output carries what commands
    /// produce (mode-switch lines, JSON results, the bootstrap address).
    static func main() async {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
