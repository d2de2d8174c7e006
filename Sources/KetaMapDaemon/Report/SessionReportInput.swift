import KetaMapCore
import KetaMapStorage

/// Reads what the report needs from a session file.
public enum SessionReportInput {
    public static func read(path: String) throws -> ReportInput {
        let reader = try NWBSessionReader(path: path)
        defer { reader.close() }
        let power = try reader.bandPower()
        let voided = try reader.voidedDoses()
        let doses = try reader.doses()
        let crossings = try reader.thresholdCrossingTimes().enumerated().flatMap { channel, times in
            times.map { (seconds: $0, channel: channel) }
        }
        return ReportInput(
            bands: power?.bands ?? [], bandPowerRateHz: power?.rateHz ?? 1, bandPowerStartSeconds: power?.startSeconds ?? 0,
            channels: reader.processedChannels.map { ReportInput.Channel(name: $0.name, region: $0.region, detectsSpikes: $0.detectsSpikes) },
            power: power?.valuesMicrovoltsSquared ?? [], doses: doses.filter { voided[$0.eventID] == nil }, crossings: crossings,
            durationSeconds: Double(reader.frameCount) / reader.format.sampleRateHz, voidedDoses: doses.filter { voided[$0.eventID] != nil })
    }
}
