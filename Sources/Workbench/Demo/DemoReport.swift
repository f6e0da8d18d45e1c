import Actors
import Foundation
import Pipeline

/// The demo's summary table (text) and its self-contained HTML report:
/// per drawn user, heart rate and HRV over the simulated days on the
/// cognitive modes as coloured bands, each switch marked with its reason; then
/// the pipeline's throughput over the run.
public enum DemoReport {
    static let modeColours = ["pattern": "#dbe8f6", "reflex": "#f7c5c5", "guardian": "#fbe0b0", "hypothesis": "#dccdf2"]

    public static func summary(_ result: DemoResult, reportPath: String?) -> String {
        let snapshot = result.processor
        let modes = Dictionary(grouping: result.switches, by: \.mode).mapValues(\.count)
        let rejections = snapshot.rejections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let answers = result.answers.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key == 0 ? "none" : String($0.key))" }.joined(separator: ", ")
        let rates = ratePeaks(result)
        var lines = [
            String(format: "AUREN demo — %d users, %.1f simulated days in %.0f s", result.users, result.simulatedDays, result.wallSeconds),
            row("requests", "\(result.requests) signed HTTP requests: \(answers)"),
            row("events", "\(snapshot.consumed) consumed: \(snapshot.processed) processed (\(snapshot.partial) with rejected samples), "
                + "\(snapshot.deadLettered) dead-lettered, \(snapshot.duplicates) duplicates"),
            row("rejections", rejections.isEmpty ? "none" : rejections),
            row("providers", result.providers.map { provider in
                "\(provider.name): \(provider.connections) connected, \(provider.outcomes["fetched", default: 0]) records fetched, "
                    + "\(provider.apiRequests) API requests, \(provider.tokenRefreshes) token refreshes"
            }.joined(separator: "; ")),
            row("mode switches", "\(result.switches.count): " + ["reflex", "guardian", "hypothesis", "pattern"].map { "\($0) \(modes[$0, default: 0])" }.joined(separator: ", ")),
            row("throughput", String(format: "%.0f requests/s on average, peak %.0f/s; decided peak %.0f events/s",
                                     Double(result.requests) / max(result.wallSeconds, 0.001), rates.answered, rates.decided)),
            row("latency", String(format: "HTTP request → 202: p50 %@, p99 %@; Kafka append → decision: p50 %@, p99 %@",
                                  milliseconds(result.requestLatency.percentile(0.5)), milliseconds(result.requestLatency.percentile(0.99)),
                                  milliseconds(result.decisionLatency.percentile(0.5)), milliseconds(result.decisionLatency.percentile(0.99)))),
            "checks",
        ]
        lines += checkLines(result)
        if let reportPath { lines.append("report: \(reportPath)") }
        return lines.joined(separator: "\n")
    }

    /// A load run against a bridge elsewhere: what the sender saw, and the checks.
    public static func loadSummary(_ result: DemoResult) -> String {
        let answers = result.answers.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key == 0 ? "none" : String($0.key))" }.joined(separator: ", ")
        let modes = Dictionary(grouping: result.switches, by: \.mode).mapValues(\.count)
        return ([
            String(format: "AUREN load — %d users, %.1f simulated days in %.0f s", result.users, result.simulatedDays, result.wallSeconds),
            row("requests", "\(result.requests) signed HTTP requests: \(answers)"),
            row("records", "\(result.recordsInTopic) in biometric-events, \(result.notifications) notifications and backfills"),
            row("mode switches", "\(result.switches.count): " + ["reflex", "guardian", "hypothesis", "pattern"].map { "\($0) \(modes[$0, default: 0])" }.joined(separator: ", ")),
            row("latency", "HTTP request → 202: p50 \(milliseconds(result.requestLatency.percentile(0.5))), p99 \(milliseconds(result.requestLatency.percentile(0.99)))"),
            "checks",
        ] + checkLines(result)).joined(separator: "\n")
    }

    private static func checkLines(_ result: DemoResult) -> [String] {
        result.checks.map { "  \($0.passed ? "✓" : "✗") \($0.name) — \($0.detail)" }
    }

    private static func row(_ name: String, _ value: String) -> String {
        "  " + name.padding(toLength: 15, withPad: " ", startingAt: 0) + value
    }

    private static func milliseconds(_ seconds: Double?) -> String {
        seconds.map { String(format: "%.1f ms", $0 * 1000) } ?? "–"
    }

    /// Peak per-second rates between throughput samples.
    private static func ratePeaks(_ result: DemoResult) -> (answered: Double, decided: Double) {
        var peak = (answered: 0.0, decided: 0.0)
        for (previous, sample) in zip(result.throughput, result.throughput.dropFirst()) where sample.seconds > previous.seconds {
            let span = sample.seconds - previous.seconds
            peak.answered = max(peak.answered, Double(sample.answered - previous.answered) / span)
            peak.decided = max(peak.decided, Double(sample.decided - previous.decided) / span)
        }
        return peak
    }

    // MARK: HTML

    public static func html(_ result: DemoResult) -> String {
        var body = ""
        for user in result.timelines.keys.sorted() {
            body += userTimeline(user, points: result.timelines[user] ?? [], switches: result.switches.filter { $0.user == user })
        }
        body += throughputChart(result)
        let checks = result.checks.map { "<li class=\"\($0.passed ? "ok" : "bad")\">\($0.passed ? "✓" : "✗") \(escape($0.name)) — \(escape($0.detail))</li>" }.joined()
        let legend = ["pattern", "reflex", "guardian", "hypothesis"].map {
            "<span class=\"key\" style=\"background:\(modeColours[$0]!)\"></span>\($0)"
        }.joined(separator: " ")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>AUREN Biometric Bridge — demo report</title>
            <style>
            body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1040px;color:#1d2733}
            h1{font-size:22px;margin-bottom:4px} h2{font-size:16px;margin:28px 0 6px}
            pre{background:#f5f7fa;padding:12px;overflow:auto;font-size:12.5px}
            .key{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px;border:1px solid #9aa}
            .ok{color:#1d6b35} .bad{color:#a11d1d;font-weight:bold} ul{padding-left:18px}
            svg text{font:11px system-ui,sans-serif;fill:#334}
            </style></head><body>
            <h1>AUREN Biometric Bridge — demo report</h1>
            <p>\(result.users) simulated users, \(String(format: "%.1f", result.simulatedDays)) days of watch, sleep and WHOOP data
            sent as signed webhooks through the real ingress and decided by the real processor.
            Modes: \(legend). <span style="color:#c0392b">━ heart rate (bpm)</span> <span style="color:#2c6fbb">━ HRV (ms)</span></p>
            <h2>Checks</h2><ul>\(checks)</ul>
            \(body)
            <h2>Summary</h2><pre>\(escape(summary(result, reportPath: nil)))</pre>
            </body></html>
            """
    }

    private static func userTimeline(_ user: Int, points: [(time: Timestamp, heartRate: Double, hrv: Double)], switches: [DemoResult.Switch]) -> String {
        guard let first = points.first?.time, let last = points.last?.time, last > first else { return "" }
        let width = 1000.0, height = 250.0, top = 46.0, bottom = 24.0, left = 36.0, right = 36.0
        let span = last.seconds(since: first)
        func x(_ time: Timestamp) -> Double { left + (width - left - right) * max(0, min(1, time.seconds(since: first) / span)) }
        func y(_ value: Double, _ low: Double, _ high: Double) -> Double { top + (height - top - bottom) * (1 - (value - low) / (high - low)) }

        var svg = ""
        var mode = "pattern"
        var bandStart = first
        for change in switches + [DemoResult.Switch(user: user, time: last, mode: "", reason: "")] {
            let from = x(bandStart), to = x(change.time)
            // A short episode still gets a visible band.
            svg += "<rect x=\"\(fmt(from))\" y=\"\(fmt(top))\" width=\"\(fmt(max(mode == "pattern" ? 0 : 4, to - from)))\" height=\"\(fmt(height - top - bottom))\" fill=\"\(modeColours[mode] ?? "#eee")\"><title>\(mode)</title></rect>"
            mode = change.mode
            bandStart = change.time
        }
        for day in 0...Int(span / 86_400) {
            let position = x(first.adding(seconds: Double(day) * 86_400))
            svg += "<line x1=\"\(fmt(position))\" x2=\"\(fmt(position))\" y1=\"\(fmt(top))\" y2=\"\(fmt(height - bottom))\" stroke=\"#b8c2cc\" stroke-dasharray=\"2,3\"/>"
            svg += "<text x=\"\(fmt(position + 3))\" y=\"\(fmt(height - 8))\">day \(day + 1)</text>"
        }
        let heart = points.map { "\(fmt(x($0.time))),\(fmt(y($0.heartRate, 40, 140)))" }.joined(separator: " ")
        let hrv = points.map { "\(fmt(x($0.time))),\(fmt(y($0.hrv, 0, 120)))" }.joined(separator: " ")
        svg += "<polyline points=\"\(heart)\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1\"/>"
        svg += "<polyline points=\"\(hrv)\" fill=\"none\" stroke=\"#2c6fbb\" stroke-width=\"1\"/>"
        for (index, change) in switches.enumerated() {
            let position = x(change.time)
            svg += "<line x1=\"\(fmt(position))\" x2=\"\(fmt(position))\" y1=\"\(fmt(top - 4))\" y2=\"\(fmt(height - bottom))\" stroke=\"#334\" stroke-width=\"1.2\"/>"
            let anchor = position > width * 0.7 ? "end" : "start"
            svg += "<text x=\"\(fmt(position + (anchor == "end" ? -2 : 2)))\" y=\"\(fmt(12 + Double(index % 3) * 13))\" text-anchor=\"\(anchor)\"><title>\(change.time): \(change.mode), \(change.reason)</title>→ \(change.mode) · \(change.reason)</text>"
        }
        svg += "<text x=\"2\" y=\"\(fmt(y(140, 40, 140) + 4))\" fill=\"#c0392b\">140</text><text x=\"2\" y=\"\(fmt(y(40, 40, 140)))\" fill=\"#c0392b\">40</text>"
        svg += "<text x=\"\(fmt(width - right + 4))\" y=\"\(fmt(y(120, 0, 120) + 4))\" fill=\"#2c6fbb\">120</text><text x=\"\(fmt(width - right + 4))\" y=\"\(fmt(y(0, 0, 120)))\" fill=\"#2c6fbb\">0</text>"
        return "<h2>\(DemoScenario.userID(user))</h2><svg viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"100%\" role=\"img\">\(svg)</svg>"
    }

    private static func throughputChart(_ result: DemoResult) -> String {
        let samples = result.throughput
        guard samples.count > 2, let end = samples.last?.seconds, end > 0 else { return "" }
        var answered: [(Double, Double)] = []
        var decided: [(Double, Double)] = []
        for (previous, sample) in zip(samples, samples.dropFirst()) where sample.seconds > previous.seconds {
            let span = sample.seconds - previous.seconds
            answered.append((sample.seconds, Double(sample.answered - previous.answered) / span))
            decided.append((sample.seconds, Double(sample.decided - previous.decided) / span))
        }
        let peak = max(1, (answered + decided).map(\.1).max() ?? 1) * 1.1
        let width = 1000.0, height = 200.0, top = 12.0, bottom = 24.0, left = 52.0, right = 12.0
        func point(_ sample: (Double, Double)) -> String {
            "\(fmt(left + (width - left - right) * sample.0 / end)),\(fmt(top + (height - top - bottom) * (1 - sample.1 / peak)))"
        }
        var svg = "<line x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(fmt(height - bottom))\" y2=\"\(fmt(height - bottom))\" stroke=\"#889\"/>"
        svg += "<polyline points=\"\(answered.map(point).joined(separator: " "))\" fill=\"none\" stroke=\"#2c6fbb\" stroke-width=\"1.5\"/>"
        svg += "<polyline points=\"\(decided.map(point).joined(separator: " "))\" fill=\"none\" stroke=\"#1d6b35\" stroke-width=\"1.5\" stroke-dasharray=\"4,2\"/>"
        svg += "<text x=\"2\" y=\"\(fmt(top + 8))\">\(Int(peak))/s</text><text x=\"2\" y=\"\(fmt(height - bottom))\">0</text>"
        svg += "<text x=\"\(fmt(width - right - 60))\" y=\"\(fmt(height - 6))\">\(Int(end)) s</text>"
        return """
            <h2>Pipeline throughput</h2><p><span style="color:#2c6fbb">━ requests answered per second</span>
            <span style="color:#1d6b35">╌ events decided per second</span></p>
            <svg viewBox="0 0 \(fmt(width)) \(fmt(height))" width="100%" role="img">\(svg)</svg>
            """
    }

    private static func fmt(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
