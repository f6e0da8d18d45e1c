import Workbench

/// What feeds `bench pipeline`: a mock Kafka cluster and the producers that
/// append and pace its synthetic envelopes, in the bench's own process or in
/// one of their own.
protocol LoadHarness: Sendable {
    var bootstrapServers: String { get }
    /// Where the harness runs, for the report.
    var placement: String { get }
    /// The envelopes `indices` as a backlog; returns once all are in.
    func append(_ indices: Range<Int>, topic: String) async throws
    /// Builds the records of the `pace` of the same envelopes that comes
    /// next, so CPU meters started after it count only the sending.
    func prepare(_ indices: Range<Int>, topic: String) async throws
    /// The envelopes `indices` at `rate` per second; returns once all are in.
    func pace(_ indices: Range<Int>, topic: String, rate: Double) async throws
    /// Measures the harness's own process, when it has one.
    func cpuMeter() -> CPUMeter?
    func close() async
}
