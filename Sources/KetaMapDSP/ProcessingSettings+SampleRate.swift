extension ProcessingSettings {
    /// A `[processing]` setting that cannot run at a given sample rate: its
    /// key, what is wrong and what to change.
    public struct RateConflict: Error, Sendable, Equatable, CustomStringConvertible {
        /// The key in `[processing]` (`lfp_rate_hz`, `band_power_rate_hz`, `band`).
        public var key: String
        public var message: String
        public var fix: String
        public var description: String { "processing.\(key) \(message). Fix: \(fix)" }
    }

    /// The rules that depend on the sample rate, kept in one place: the
    /// configuration loader checks them at the configured rate (naming the
    /// file, line and key) and `SignalProcessor` again at the rate the source
    /// really delivers (a Comedi card may give a slightly different one).
    public func rateConflict(atSampleRateHz fs: Double) -> RateConflict? {
        let factor = (fs / lfpRateHz).rounded()
        guard factor >= 1, abs(factor * lfpRateHz - fs) < 1e-6 * fs else {
            return RateConflict(
                key: "lfp_rate_hz", message: "= \(lfpRateHz) Hz must divide the sample rate \(fs) Hz exactly",
                fix: "use a divisor of the sample rate, e.g. \(fs / max(1, factor)) Hz")
        }
        let lfpRate = fs / factor
        let perEstimate = (lfpRate / bandPowerRateHz).rounded()
        guard perEstimate >= 1, abs(perEstimate * bandPowerRateHz - lfpRate) < 1e-6 * lfpRate else {
            return RateConflict(
                key: "band_power_rate_hz", message: "= \(bandPowerRateHz) Hz must divide the LFP rate \(lfpRate) Hz exactly",
                fix: "use a divisor of the LFP rate, e.g. \(lfpRate / max(1, perEstimate)) Hz")
        }
        for band in bands where band.highHz >= 0.45 * lfpRate || band.lowHz <= 0 || band.lowHz >= band.highHz {
            return RateConflict(
                key: "band", message: "`\(band.name)` (\(band.lowHz)–\(band.highHz) Hz) must satisfy 0 < low < high < 0.45 × LFP rate (\(0.45 * lfpRate) Hz)",
                fix: "narrow the band, or raise lfp_rate_hz above \(band.highHz / 0.45) Hz")
        }
        return nil
    }
}
