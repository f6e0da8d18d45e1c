import ArgumentParser

@main
struct BiometricBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "biometric-bridge",
        abstract: "AUREN Biometric Bridge: wearable data in, cognitive mode switches out.",
        subcommands: [ServeCommand.self, ReplayCommand.self, BenchCommand.self, KafkaMockCommand.self, MigrateCommand.self])
}
