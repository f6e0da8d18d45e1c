import Actors
import Foundation
import Logging
import Pipeline
import PostgresNIO
import Workbench

/// A simulated Oura and WHOOP cloud for a test, and the connections and
/// records arranged in them.
struct ProviderClouds: Sendable {
    let oura: SimulatedProviderCloud
    let whoop: SimulatedProviderCloud

    static let logger = Logger(label: "auren.tests.providers")

    static func run(_ body: @Sendable (ProviderClouds) async throws -> Void) async throws {
        let oura = try await SimulatedProviderCloud.start(.oura, logger: logger)
        let whoop = try await SimulatedProviderCloud.start(.whoop, logger: logger)
        do {
            try await body(ProviderClouds(oura: oura, whoop: whoop))
        } catch {
            try? await oura.stop()
            try? await whoop.stop()
            throw error
        }
        try await oura.stop()
        try await whoop.stop()
    }

    /// What a bridge process needs to fetch from both (and to verify their webhooks).
    var environment: [String: String] {
        oura.environment.merging(whoop.environment) { first, _ in first }
    }

    /// Imports a connection as `accounts connect` does, with tokens the cloud issued.
    func connect(_ cloud: SimulatedProviderCloud, user: String, providerUser: String, client: PostgresClient) async throws {
        let grant = cloud.grant(user: providerUser)
        let tokens = OAuthTokens(accessToken: grant.access, refreshToken: grant.refresh, expiresAt: Date().addingTimeInterval(TimeInterval(grant.expiresIn)))
        try await Self.store(client).connect(userID: user, provider: cloud.provider, providerUserID: providerUser, tokens: tokens)
    }

    static func store(_ client: PostgresClient) throws -> ConnectionStore {
        ConnectionStore(client: client, cipher: try StateCipher.fromEnvironment([:], allowingDevelopmentKey: true, logger: logger), logger: logger)
    }

    // MARK: Records as the APIs return them

    static func ouraReadiness(id: String, day: String, score: Int) -> String {
        #"{"id":"\#(id)","day":"\#(day)","score":\#(score),"temperature_deviation":0.12,"timestamp":"\#(day)T00:00:00+00:00"}"#
    }

    static func ouraSleep(id: String, day: String, end: Timestamp) -> String {
        #"{"id":"\#(id)","day":"\#(day)","bedtime_start":"\#(end.adding(seconds: -28_800))","bedtime_end":"\#(end)","average_hrv":52,"average_heart_rate":55,"lowest_heart_rate":48,"average_breath":14.5,"total_sleep_duration":27000,"deep_sleep_duration":5400,"rem_sleep_duration":6300,"light_sleep_duration":15300,"awake_time":1800}"#
    }

    static func whoopSleep(id: String, cycle: Int, end: Timestamp) -> String {
        #"{"id":"\#(id)","cycle_id":\#(cycle),"user_id":4242,"start":"\#(end.adding(seconds: -28_800))","end":"\#(end)","score_state":"SCORED","score":{"stage_summary":{"total_light_sleep_time_milli":14400000,"total_slow_wave_sleep_time_milli":5400000,"total_rem_sleep_time_milli":6300000,"total_awake_time_milli":1800000},"respiratory_rate":15.2}}"#
    }

    static func whoopRecovery(cycle: Int, sleep: String, createdAt: Timestamp, score: Int) -> String {
        #"{"cycle_id":\#(cycle),"sleep_id":"\#(sleep)","user_id":4242,"created_at":"\#(createdAt)","updated_at":"\#(createdAt)","score_state":"SCORED","score":{"user_calibrating":false,"recovery_score":\#(score),"resting_heart_rate":58,"hrv_rmssd_milli":44.5,"spo2_percentage":96.5,"skin_temp_celsius":33.7}}"#
    }
}
