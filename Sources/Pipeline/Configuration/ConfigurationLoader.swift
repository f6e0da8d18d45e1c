import Yams

/// Reads `biometric_thresholds.yaml`. Keys left out keep their defaults; an
/// unknown group or key, a value of the wrong kind, or one that breaks its
/// rule is refused with a message that names it.
public enum ConfigurationLoader {
    public static func load(yaml text: String) throws(ConfigurationError) -> BridgeConfiguration {
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw ConfigurationError("the file is not valid YAML: \(error)")
        }
        guard let document else { return BridgeConfiguration() }
        guard let root = document as? [String: Any] else { throw ConfigurationError("the file must be a mapping of groups") }
        var configuration = BridgeConfiguration()
        let groups = ConfigurationSchema.groups
        for (group, content) in root.sorted(by: { $0.key < $1.key }) {
            guard groups.contains(group) else {
                throw ConfigurationError("unknown group '\(group)' (known: \(groups.sorted().joined(separator: ", ")))")
            }
            guard let members = content as? [String: Any] else { throw ConfigurationError("\(group) must be a mapping") }
            switch group {
            case ConfigurationSchema.freshnessGroup: try loadFreshness(members, into: &configuration)
            case ConfigurationSchema.validationGroup: try loadValidation(members, into: &configuration)
            default: try loadFields(group, members, into: &configuration)
            }
        }
        try ConfigurationSchema.checkRelations(configuration)
        return configuration
    }

    private static func number(_ value: Any, _ name: String) throws(ConfigurationError) -> Double {
        switch value {
        case let number as Int: return Double(number)
        case let number as Double where number.isFinite: return number
        default: throw ConfigurationError("\(name) must be a number (got \(value))")
        }
    }

    private static func loadFields(_ group: String, _ members: [String: Any], into configuration: inout BridgeConfiguration) throws(ConfigurationError) {
        let fields = ConfigurationSchema.fields.filter { $0.group == group }
        for (key, raw) in members.sorted(by: { $0.key < $1.key }) {
            guard let field = fields.first(where: { $0.key == key }) else {
                throw ConfigurationError("unknown key '\(group).\(key)' (known: \(fields.map(\.key).joined(separator: ", ")))")
            }
            let name = "\(group).\(key)"
            let value = try number(raw, name)
            try ConfigurationSchema.check(value, field.rule, maximum: field.maximum, name: name)
            configuration[keyPath: field.path] = value
        }
    }

    private static func metric(_ key: String, in group: String) throws(ConfigurationError) -> Metric {
        guard let metric = Metric(name: key) else {
            throw ConfigurationError("unknown metric '\(group).\(key)' (known: \(Metric.allCases.map(\.name).joined(separator: ", ")))")
        }
        return metric
    }

    private static func loadFreshness(_ members: [String: Any], into configuration: inout BridgeConfiguration) throws(ConfigurationError) {
        let group = ConfigurationSchema.freshnessGroup
        // The default applies to every metric not named, whatever the order of keys.
        if let raw = members[ConfigurationSchema.freshnessDefaultKey] {
            let name = "\(group).\(ConfigurationSchema.freshnessDefaultKey)"
            let seconds = try number(raw, name)
            try ConfigurationSchema.check(seconds, .positive, maximum: ConfigurationSchema.Maximum.seconds, name: name)
            for metric in Metric.allCases where BridgeConfiguration.defaultFreshness[metric] == nil {
                configuration.freshness[metric.rawValue] = seconds
            }
        }
        for (key, raw) in members.sorted(by: { $0.key < $1.key }) where key != ConfigurationSchema.freshnessDefaultKey {
            let metric = try metric(key, in: group)
            let seconds = try number(raw, "\(group).\(key)")
            try ConfigurationSchema.check(seconds, .positive, maximum: ConfigurationSchema.Maximum.seconds, name: "\(group).\(key)")
            configuration.freshness[metric.rawValue] = seconds
        }
    }

    private static func loadValidation(_ members: [String: Any], into configuration: inout BridgeConfiguration) throws(ConfigurationError) {
        let group = ConfigurationSchema.validationGroup
        for (key, raw) in members.sorted(by: { $0.key < $1.key }) {
            let metric = try metric(key, in: group)
            let name = "\(group).\(key)"
            guard let bounds = raw as? [Any], bounds.count == 2 else { throw ConfigurationError("\(name) must be [min, max]") }
            let low = try number(bounds[0], "\(name) min")
            let high = try number(bounds[1], "\(name) max")
            guard low <= high else { throw ConfigurationError("\(name): min \(low) is above max \(high)") }
            guard low >= -ConfigurationSchema.Maximum.value, high <= ConfigurationSchema.Maximum.value else {
                throw ConfigurationError("\(name): bounds must lie within ±\(JSONWriter.number(ConfigurationSchema.Maximum.value))")
            }
            if metric != .temperatureDeviation, low < 0 {
                throw ConfigurationError("\(name): min must not be negative for \(metric.name) (only temperature_deviation may be)")
            }
            configuration.validRange[metric.rawValue] = low...high
        }
    }
}
