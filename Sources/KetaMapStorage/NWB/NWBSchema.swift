import Foundation
import KetaMapCore
import KetaMapDSP

/// Every table KetaMap writes in a session file, each column declared once
/// beside the value of the row it holds (`NWBField`): the writer creates the
/// tables from these lists and appends typed rows; recovery reopens them
/// with the same lists.
enum NWBSchema {
    /// How the events' times are counted: sample index / rate of the first stream (named when there are several).
    struct EventClock {
        var rateHz: Double
        var firstStream: String? = nil
    }

    // MARK: Shared columns

    static func timestamp<Row>(_ clock: EventClock, _ seconds: @escaping (Row) -> Double) -> NWBField<Row> {
        .float64(
            "timestamp", "Time of the event in seconds from session start (sample index / rate\(clock.firstStream.map { " of the first stream, \($0)" } ?? "")).",
            type: "TimestampVectorData", numberAttributes: ["resolution": 1 / clock.rateHz], textAttributes: ["unit": "seconds"], seconds)
    }

    static func sampleIndex<Row>(series: String = "ElectricalSeries", _ index: @escaping (Row) -> UInt64) -> NWBField<Row> {
        .int64("sample_index", "Sample index of the event (raw row of \(series)).") { Int64(index($0)) }
    }

    static func eventID<Row>(_ id: @escaping (Row) -> UInt64) -> NWBField<Row> {
        .int64("event_id", "The session's number for the event, as in <session>.events.jsonl and the acknowledgement (ketamapctl void names it).") { Int64(id($0)) }
    }

    static func wallClock<Row>(of what: String, _ text: @escaping (Row) -> String) -> NWBField<Row> {
        .text("wall_clock", "Wall-clock time of \(what), ISO 8601 UTC.", maxBytes: NWBLayout.TextBytes.wallClock, text)
    }

    static func operatorAccount<Row>(_ description: String, _ account: @escaping (Row) -> String?) -> NWBField<Row> {
        .text("operator", description, maxBytes: NWBLayout.TextBytes.operator) { account($0) ?? "" }
    }

    /// `operator_uid`, `operator_gid`, `operator_pid`: -1 when nobody asked (the config).
    static func operatorIDs<Row>(_ peer: @escaping (Row) -> PeerCredentials?) -> [NWBField<Row>] {
        let ids: [(String, (PeerCredentials) -> Int64)] = [("uid", { Int64($0.uid) }), ("gid", { Int64($0.gid) }), ("pid", { Int64($0.pid) })]
        return ids.map { id, value in
            .int64("operator_" + id, "The control socket peer's " + id + " (SO_PEERCRED); -1 for the config.") { peer($0).map(value) ?? -1 }
        }
    }

    static func interval<Row>(_ start: @escaping (Row) -> Double, _ stop: @escaping (Row) -> Double) -> [NWBField<Row>] {
        [
            .float64("start_time", "Start time of the interval, in seconds from session start.", start),
            .float64("stop_time", "Stop time of the interval, in seconds from session start.", stop),
        ]
    }

    // MARK: /events

    static func marks(_ clock: EventClock) -> [NWBField<Mark>] {
        [
            timestamp(clock) { $0.seconds },
            .text("annotation", "The mark's text.", maxBytes: NWBLayout.TextBytes.mark) { $0.text },
            sampleIndex { $0.sampleIndex },
            wallClock(of: "the mark") { $0.wallClock },
            eventID { $0.eventID },
        ] + operatorIDs { $0.peer }
    }

    static func doseVoids(_ clock: EventClock) -> [NWBField<DoseVoid>] {
        [
            timestamp(clock) { $0.seconds }, sampleIndex { $0.sampleIndex }, eventID { $0.eventID },
            .int64("voided_event_id", "event_id of the dose this voids (a row of /intervals/dosing).") { Int64($0.voidedEventID) },
            .text("reason", "Why the dose was voided.", maxBytes: NWBLayout.TextBytes.reason) { $0.reason },
            wallClock(of: "the correction") { $0.wallClock },
            operatorAccount("Who voided it: the peer's account, by name.") { $0.operatorAccount },
        ] + operatorIDs { $0.peer }
    }

    static func subjectWeight(_ clock: EventClock) -> [NWBField<WeightChange>] {
        [
            timestamp(clock) { $0.seconds }, sampleIndex { $0.sampleIndex }, eventID { $0.eventID },
            .float64("weight_kg", "Body weight, in kg.", textAttributes: ["unit": "kg"]) { $0.kilograms },
            wallClock(of: "the change") { $0.wallClock },
            operatorAccount("Who gave it: the peer's account, by name; empty for the config's weight.") { $0.operatorAccount },
        ] + operatorIDs { $0.peer }
    }

    /// A row of `/events/sample_clock` (a session of one stream: its sample clock is the session clock).
    struct ClockRow {
        var sampleIndex: UInt64
        var wallClock: Date
        var monotonicSeconds: Double
    }

    static func sampleClock(_ clock: EventClock) -> [NWBField<ClockRow>] {
        [timestamp(clock) { Double($0.sampleIndex) / clock.rateHz }, sampleIndex { $0.sampleIndex }]
            + clockReadings(of: "that sample", wallClock: { $0.wallClock }, monotonicSeconds: { $0.monotonicSeconds })
    }

    /// A row of a stream's `/events/sample_clock_<name>`.
    struct StreamClockRow {
        var sessionSeconds: Double
        var sampleIndex: UInt64
        var offsetSeconds: Double
        var driftPPM: Double
        var wallClock: Date
        var monotonicSeconds: Double
    }

    static func streamClock() -> [NWBField<StreamClockRow>] {
        let time: NWBField<StreamClockRow> = .float64(
            "timestamp", "Session-clock time of sample_index, in seconds since the session started.", type: "TimestampVectorData",
            numberAttributes: ["resolution": 1e-6], textAttributes: ["unit": "seconds"]
        ) { $0.sessionSeconds }
        return [
            time,
            .int64("sample_index", "The stream's newest acquired sample index at that time.") { Int64($0.sampleIndex) },
            .float64("offset_seconds", "timestamp − sample_index / rate: how far the stream's nominal time lags the session clock, in seconds.") { $0.offsetSeconds },
            .float64("drift_ppm", "Drift of the stream's clock against the session clock since the first row, in parts per million (NaN on the first row).") { $0.driftPPM },
        ] + clockReadings(of: "that row", wallClock: { $0.wallClock }, monotonicSeconds: { $0.monotonicSeconds })
    }

    /// The wall clock and the monotonic clock read beside a sample index, in the clock tables.
    private static func clockReadings<Row>(of what: String, wallClock: @escaping (Row) -> Date, monotonicSeconds: @escaping (Row) -> Double) -> [NWBField<Row>] {
        [
            .float64("wall_clock_unix_seconds", "Wall-clock (CLOCK_REALTIME) time of \(what), seconds since 1970-01-01 UTC.") { wallClock($0).timeIntervalSince1970 },
            .float64("monotonic_seconds", "CLOCK_MONOTONIC time of \(what), in seconds.", monotonicSeconds),
        ]
    }

    /// A threshold crossing as the stream writer buffers it: its waveform is row `waveformRow` of the writer's snippet buffer.
    struct CrossingRow {
        var sampleIndex: UInt64
        var electrodeRow: Int64
        var amplitudeMicrovolts: Float
        var waveformRow: Int
    }

    static func thresholdCrossings(
        rateHz: Double, series: String, snippetCount: Int, waveforms: UnsafePointer<Float>, _ processing: ProcessingSettings
    ) -> [NWBField<CrossingRow>] {
        [
            timestamp(EventClock(rateHz: rateHz)) { Double($0.sampleIndex) / rateHz },
            sampleIndex(series: series) { $0.sampleIndex },
            .region("electrode", "Processed channel (row of the electrodes table) the crossing was detected on.", table: NWBLayout.electrodes) { $0.electrodeRow },
            .float32("amplitude", "Peak amplitude of the spike-band signal, in microvolts.", textAttributes: ["unit": "uV"]) { $0.amplitudeMicrovolts },
            .float32Row(
                "waveform", "Spike-band snippet around the crossing (\(processing.snippetBeforeMilliseconds) ms before, \(processing.snippetAfterMilliseconds) ms after), in microvolts, at the raw rate.",
                width: snippetCount, textAttributes: ["unit": "uV"]
            ) { row, into in into.baseAddress!.update(from: waveforms + row.waveformRow * snippetCount, count: snippetCount) },
        ]
    }

    // MARK: /intervals

    /// A row of `/intervals/dosing`: the dose, and in a session of several streams where it falls on each other stream's clock.
    struct DosingRow {
        var dose: DoseEvent
        /// The dose's session-clock time (several streams only).
        var sessionSeconds = Double.nan
        /// The dose's sample index in each stream after the first.
        var otherStreamSampleIndices: [Int64] = []
    }

    /// `otherStreams`: the names of the streams after the first, in a session of several (their `sample_index_<name>` columns).
    static func dosing(firstStream: String? = nil, otherStreams: [String] = []) -> [NWBField<DosingRow>] {
        var fields: [NWBField<DosingRow>] = interval({ $0.dose.startSeconds }, { $0.dose.stopSeconds })
        fields.append(eventID { $0.dose.eventID })
        fields += [
            .text("drug", "Drug given.", maxBytes: NWBLayout.TextBytes.drug) { $0.dose.request.drug },
            .float64("amount", "Amount as entered, in `unit` (for a rate unit, the infusion rate).") { $0.dose.request.amount },
            .text("unit", "Unit of `amount` as entered: mg, ug, mg/kg, ug/kg, mg/kg/h or ug/kg/min (ug is µg).", maxBytes: NWBLayout.TextBytes.unit) { $0.dose.request.unit.rawValue },
            .text("route", "Route: iv-bolus, iv-infusion, im, intranasal, oral or subcutaneous.", maxBytes: NWBLayout.TextBytes.route) { $0.dose.request.route.rawValue },
        ]
        fields += [
            .float64("duration_s", "An infusion's duration as entered, in seconds; NaN for a bolus.", textAttributes: ["unit": "seconds"]) { $0.dose.request.overSeconds ?? .nan },
            .float64("amount_mg", "The whole dose (an infusion: rate × duration), in mg.", textAttributes: ["unit": "mg"]) { $0.dose.normalized.milligrams },
            .float64("amount_mg_per_kg", "The whole dose per kg of body weight, in mg/kg.", textAttributes: ["unit": "mg/kg"]) { $0.dose.normalized.milligramsPerKilogram },
            .float64("rate_mg_per_kg_per_h", "An infusion's rate, in mg/kg/h; NaN for a bolus.", textAttributes: ["unit": "mg/kg/h"]) { $0.dose.normalized.milligramsPerKilogramPerHour ?? .nan },
            .float64("weight_kg", "Body weight the dose was converted with, in kg.", textAttributes: ["unit": "kg"]) { $0.dose.normalized.weightKilograms },
        ]
        fields.append(operatorAccount("Who gave it: the account of the control socket's peer (SO_PEERCRED), by name; empty for the config's schedule.") { $0.dose.operatorAccount })
        fields += operatorIDs { $0.dose.peer }
        fields += [
            .text("operator_note", "A name typed with --operator (or the schedule's operator), kept beside the account.", maxBytes: NWBLayout.TextBytes.operator) { $0.dose.request.operator },
            .text("note", "Free text.", maxBytes: NWBLayout.TextBytes.note) { $0.dose.request.note },
            .text("limit_override", "The plausibility limits the dose broke, recorded because it was confirmed (--confirm); empty when it broke none.", maxBytes: NWBLayout.TextBytes.limitOverride) { $0.dose.limitOverride ?? "" },
            .int64("voided_by", "event_id of the correction in /events/dose_voids that voids this dose; -1 while it stands.") { _ in -1 },
        ]
        fields.append(wallClock(of: "the request") { $0.dose.wallClock })
        fields.append(.int64("sample_index", "Sample index the dose starts at\(firstStream.map { " (of the first stream, \($0))" } ?? "").") { Int64($0.dose.sampleIndex) })
        guard !otherStreams.isEmpty else { return fields }
        return fields + [
            .float64("session_time", "Session-clock time of the dose (CLOCK_MONOTONIC since the session started), in seconds: start_time placed on the session clock by the first stream's clock table.") { $0.sessionSeconds }
        ] + otherStreams.enumerated().map { index, name in
            .int64("sample_index_\(name)", "Sample index of the dose in stream \(name) (its ElectricalSeries_\(name) row), from session_time through that stream's clock table.") {
                $0.otherStreamSampleIndices[index]
            }
        }
    }

    /// A row of `/intervals/acquisition_gaps`: the gap, its stream's rate, and (several streams) its stream's name.
    struct GapRow {
        var gap: AcquisitionGap
        var rateHz: Double
        var stream: String = ""
    }

    static func acquisitionGaps(severalStreams: Bool) -> [NWBField<GapRow>] {
        var fields: [NWBField<GapRow>] = interval({ Double($0.gap.firstSample) / $0.rateHz }, { Double($0.gap.endSample) / $0.rateHz })
        fields += [
            .int64("first_sample", "First missing sample index.") { Int64($0.gap.firstSample) },
            .int64("sample_count", "Number of missing frames.") { Int64($0.gap.sampleCount) },
            .text("cause", "device-overrun, ring-overrun, command-restart, replay-gap or stream-stopped.", maxBytes: NWBLayout.TextBytes.cause) { $0.gap.cause.rawValue },
            .bool("is_exact", "False when sample_count was estimated from the monotonic clock.") { $0.gap.isExact },
        ]
        guard severalStreams else { return fields }
        return fields + [
            .text(
                "stream", "The stream the samples are missing from (its ElectricalSeries_<stream>); first_sample counts its samples, start and stop time are its sample index / rate.",
                maxBytes: NWBLayout.TextBytes.stream
            ) { $0.stream }
        ]
    }
}
