import ArgumentParser
import Foundation
import Logging

@main
struct BiometricBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biometric-bridge",
        abstract: "AUREN Biometric Bridge: wearable data in, cognitive mode switches out.",
        subcommands: [
            ServeCommand.self, DemoCommand.self, LoadCommand.self, ReplayCommand.self, AccountsCommand.self, ProvidersCommand.self, DeadLetterCommand.self,
            TopicsCommand.self, HealthCommand.self, BenchCommand.self, KafkaMockCommand.self, MigrateCommand.self,
        ])

    /// Logs go to standard error: standard output carries what commands
    /// produce (mode-switch lines, JSON results, the bootstrap address).
    /// LOG_LEVEL sets the level of every logger; commands that show their own
    /// progress default to warnings only.
    static func main() async {
        do {
            var command = try parseAsRoot()
            let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
                ?? (command is ShowsOwnProgress ? .warning : .info)
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
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
