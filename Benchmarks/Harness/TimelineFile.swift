import Actors
import Foundation
import Pipeline

/// A timeline recording as a file: one JSON object per entry, in the order
/// the stages made them, times in milliseconds since the recording began,
/// e.g. `{"at_ms":412.806,"event":"decided","shard":1,"records":96,"oldest_age_ms":7.41,"took_ms":0.93}`.
enum TimelineFile {
    static func write(_ recording: ProcessorTimeline.Recording, to path: String) throws {
        var lines = ""
        for entry in recording.entries {
            var json = JSONWriter()
            json.beginObject()
            json.member("at_ms", milliseconds(entry.at))
            switch entry.event {
            case .forwarded(let records, let oldestAge):
                json.member("event", "forwarded")
                json.member("records", records)
                json.member("oldest_age_ms", milliseconds(oldestAge))
            case .decided(let shard, let records, let oldestAge, let took):
                json.member("event", "decided")
                json.member("shard", shard)
                json.member("records", records)
                json.member("oldest_age_ms", milliseconds(oldestAge))
                json.member("took_ms", milliseconds(took))
            case .barrierSent(let barrier):
                json.member("event", "barrier_sent")
                json.member("barrier", barrier)
            case .sealed(let shard, let barrier, let states, let took):
                json.member("event", "sealed")
                json.member("shard", shard)
                json.member("barrier", barrier)
                json.member("states", states)
                json.member("took_ms", milliseconds(took))
            case .written(let barrier, let states, let took):
                json.member("event", "written")
                json.member("barrier", barrier)
                json.member("states", states)
                json.member("took_ms", milliseconds(took))
            }
            json.endObject()
            lines += json.text + "\n"
        }
        try Data(lines.utf8).write(to: URL(fileURLWithPath: path))
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        (duration.seconds * 1_000_000).rounded() / 1_000
    }
}
