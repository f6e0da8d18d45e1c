import Foundation
import Pipeline
import Testing
import Workbench

/// The validator behind the contract checks: it must fail where the schema
/// says so, and refuse a schema it cannot fully enforce.
struct JSONSchemaTests {
    static let valid = """
        {"switch_id":"0b067b1ac0b623f857f5b4ad72f5892d","user_id":"ada","previous_mode":"pattern","new_mode":"reflex",\
        "reason_code":"hrv_drop","reason":"Heart rate variability fell sharply below the personal baseline.","confidence":0.977778,\
        "event_time":"2026-11-20T07:30:00.000Z","config_version":"a5ea508096a7",\
        "snapshot":{"hrv":26,"heart_rate":118,"stress_level":1,"recovery_score":null,"provider":"apple_health"}}
        """

    static func violations(_ edit: (inout String) -> Void) throws -> [String] {
        var text = valid
        edit(&text)
        let schema = try JSONSchema(contentsOf: ProjectRoot.path(ModeSwitchContract.path))
        return schema.violations(of: try JSONParser.parse(text)).map(\.description)
    }

    @Test func theContractAcceptsWhatReplayPrints() throws {
        #expect(try Self.violations { _ in }.isEmpty)
    }

    @Test(arguments: [
        ("\"new_mode\":\"reflex\"", "\"new_mode\":\"panic\"", "/new_mode: \"panic\" is not one of the allowed values"),
        ("\"switch_id\":\"0b067b1ac0b623f857f5b4ad72f5892d\"", "\"switch_id\":\"0B06\"", "/switch_id: \"0B06\" does not match ^[0-9a-f]{32}$"),
        ("\"confidence\":0.977778", "\"confidence\":1.5", "/confidence: 1.5 breaks maximum 1.0"),
        ("\"confidence\":0.977778", "\"confidence\":\"high\"", "/confidence: expected number, found string"),
        ("\"user_id\":\"ada\",", "", "/: missing required member user_id"),
        ("\"user_id\":\"ada\"", "\"user_id\":\"\"", "/user_id: length 0 breaks minLength 1"),
        ("\"event_time\":\"2026-11-20T07:30:00.000Z\"", "\"event_time\":\"2026-11-20T07:30:00Z\"",
         "/event_time: \"2026-11-20T07:30:00Z\" does not match ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"),
        ("\"event_time\":\"2026-11-20T07:30:00.000Z\"", "\"event_time\":\"2026-13-45T07:30:00.000Z\"", "/event_time: \"2026-13-45T07:30:00.000Z\" is not a date-time"),
        ("\"recovery_score\":null", "\"recovery_score\":-1", "/snapshot/recovery_score: -1.0 breaks minimum 0.0"),
        ("\"provider\":\"apple_health\"}", "\"provider\":\"apple_health\",\"steps\":12}", "/snapshot/steps: member not allowed by the schema"),
        ("\"config_version\":\"a5ea508096a7\"", "\"config_version\":\"a5ea508096a7\",\"schema_version\":1", "/schema_version: member not allowed by the schema"),
    ])
    func theContractRefuses(find: String, replace: String, expected: String) throws {
        let found = try Self.violations { $0 = $0.replacingOccurrences(of: find, with: replace) }
        #expect(found == [expected])
    }

    @Test func aKeywordTheValidatorLacksIsRefused() {
        #expect(throws: JSONSchema.Invalid.self) { try JSONSchema(text: #"{"type":"object","oneOf":[{"type":"string"}]}"#) }
        #expect(throws: JSONSchema.Invalid.self) { try JSONSchema(text: #"{"properties":{"a":{"format":"email"}}}"#) }
        #expect(throws: JSONSchema.Invalid.self) { try JSONSchema(text: #"{"$ref":"https://example.com/other.json"}"#) }
    }
}
