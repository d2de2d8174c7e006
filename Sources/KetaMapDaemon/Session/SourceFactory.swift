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
        var description: String
        /// Hears each durable event, for a source whose signal answers doses (the simulator).
        var eventListener: (@Sendable (EventRecord) -> Void)? = nil
    }

    /// Every stream of the session, opened: the config's `[source]` as `spec`
    /// says (one stream), or each `[[stream]]` as its own table says, all
    /// simulated when `simulateAll` (`--source sim`: a hybrid config run
    /// without its cards). A replay on the command line cannot stand for several streams.
    static func makeStreams(
        _ spec: SourceSpec, simulateAll: Bool = false, configuration: Configuration, realTime: Bool, logger: Logger,
        open: (SourceSpec, Configuration, _ realTime: Bool, Logger) throws -> Opened = SourceFactory.make
    ) throws -> [Opened] {
        guard configuration.hasDeclaredStreams else { return [try open(spec, configuration, realTime, logger)] }
        if case .replay = spec {
            throw SourceSpecError(
                text: "replay", reason: "the config records \(configuration.streams.count) streams; give each its replay in its [[stream]] table")
        }
        var opened: [Opened] = []
        for (index, stream) in configuration.streams.enumerated() {
            var single = configuration
            single.declaredStreams = []
            single.source = stream.source
            single.montage = stream.montage
            single.simulator.seed = configuration.simulator.seed &+ UInt64(index)  // independent noise per stream, still seeded
            let streamSpec = simulateAll ? .simulated : try SourceSpec(stream.source)
            var one = try open(streamSpec, single, realTime, logger)
            one.description = "\(stream.name): \(one.description)"
            if let listener = one.eventListener {
                // Doses are stamped on the first stream's sample clock; each simulator hears them on its own.
                let rate = one.source.format.sampleRateHz
                one.eventListener = { record in
                    var own = record
                    if let dose = record.dose { own.dose?.sampleIndex = UInt64((dose.startSeconds * rate).rounded()) }
                    listener(own)
                }
            }
            opened.append(one)
        }
        return opened
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
