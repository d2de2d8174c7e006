import KetaMapAcquisition
import KetaMapCore
import KetaMapStorage
import Logging
import KetaMapConfiguration

/// Turns a `SourceSpec` and the configuration into an opened source and the
/// montage that describes its frame columns.
enum SourceFactory {
    struct Opened {
        let source: any Source
        let montage: Montage
        /// For status and logs: `sim`, `comedi /dev/comedi0`, `replay PATH`.
        let description: String
        /// Hears each durable event, for a source whose signal answers doses (the simulator).
        var eventListener: (@Sendable (EventRecord) -> Void)? = nil
    }

    static func make(_ spec: SourceSpec, configuration: Configuration, realTime: Bool, logger: Logger) throws -> Opened {
        let pacing: SourcePacing = realTime ? .realTime : .asFastAsPossible
        switch spec {
        case .simulated:
            let simulator = SimulatedSource(configuration: configuration, pacing: pacing)
            return Opened(source: simulator, montage: configuration.montage, description: "sim", eventListener: { simulator.hear($0) })
        case .comedi:
            let source = try ComediSource(
                settings: configuration.source.comedi, montage: configuration.montage, sampleRateHz: configuration.source.sampleRateHz)
            for warning in source.warnings { logger.warning("\(warning)") }
            return Opened(source: source, montage: configuration.montage, description: "comedi \(configuration.source.comedi.device)")
        case .replay(let settings):
            if settings.path.hasSuffix(".nwb") {
                let source = try SessionFileSource(path: settings.path, loop: settings.loop, pacing: pacing)
                return Opened(source: source, montage: source.montage, description: "replay \(settings.path)")
            }
            // A recording names its own channels; a montage from the user's config is matched to them
            // (the embedded default's montage describes the simulator, not the recording).
            var given = configuration.provenance.configPath.hasPrefix(DefaultConfiguration.directory) ? nil : configuration.montage
            // A headless file has no names: a config montage of another size describes another source, so its channels are numbered.
            if settings.isHeadless, given?.channels.count != settings.channelCount { given = nil }
            let source = try RecordingReplaySource(settings: settings, montage: given, pacing: pacing)
            return Opened(source: source, montage: source.montage, description: "replay \(source.recording.system) \(settings.path)")
        }
    }
}

extension SimulatedSource {
    /// The simulated subject receives each recorded dose and loses a voided or refused one.
    fileprivate func hear(_ record: EventRecord) {
        if let dose = record.dose { administer(dose) }
        if let void = record.void { withdraw(eventID: void.voidedEventID) }
        if record.kind == .refused, let refused = record.refusedEventID { withdraw(eventID: refused) }
    }
}
