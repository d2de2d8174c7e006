import KetaMapCore

/// Reads how each channel's counts become volts and turns it into the file's
/// `Calibration`.
///
/// Per channel, the first that exists wins:
/// 1. `comedi_get_softcal_converter` from the board's calibration file
///    (`comedi_get_default_calibration_path`, written by `comedi_soft_calibrate`);
/// 2. `comedi_get_hardcal_converter` (the driver's own conversion; for boards calibrated
///    in hardware this is the range's linear map);
/// 3. the nominal range, `min + (max − min) · count / maxdata`.
///
/// Samples are stored re-centred: `stored = count − centre` with `centre = (maxdata + 1) / 2`.
/// A polynomial `volts = Σ dₖ · count^k` becomes, around the centre,
/// `gain = dV/dcount at the centre` and `offset = volts(centre)`, so
/// `volts = offset + gain · stored` (exact for linear conversions). The file's
/// `Calibration` is `voltsPerCount = gain` of the first channel, `channelGains[ch] =
/// gain_ch / gain_0`, `offsetVolts = offset` of the first channel; when a conversion is
/// not linear, or channels' offsets differ, `polynomials` holds every channel's
/// coefficients in powers of the raw count (`Calibration.polynomials`).
public enum ComediCalibrationReader {
    /// Where a channel's conversion came from.
    public enum Origin: String, Sendable, Equatable {
        /// `comedi_get_softcal_converter` (calibration file).
        case softCalibration = "softcal"
        /// `comedi_get_hardcal_converter`.
        case hardCalibration = "hardcal"
        /// The nominal range (`comedi_range` and maxdata).
        case nominalRange = "range"
    }

    /// The result: the file's calibration and where each channel's came from.
    public struct Result: Sendable, Equatable {
        /// The calibration written to the file and used by the pipeline.
        public var calibration: Calibration
        /// Per channel (frame order): the polynomial in the card's counts, as comedilib gave it.
        public var polynomials: [ComediPolynomial]
        /// Per channel: where it came from.
        public var origins: [Origin]
        /// The calibration file used, when any channel was soft-calibrated.
        public var calibrationFile: String?
        /// Problems worth a log line.
        public var warnings: [String]

        /// `softcal`, `hardcal`, `range`, or several joined by `+`, for provenance.
        public var originSummary: String {
            var seen: [String] = []
            for origin in origins where !seen.contains(origin.rawValue) { seen.append(origin.rawValue) }
            return seen.joined(separator: "+")
        }
    }

    /// Reads the conversion of every channel in `channels` (with its `ranges` and `maxdata`).
    public static func read(
        driver: any ComediDriver, subdevice: Int, softCalibrated: Bool, channels: [ComediChannelSpec],
        ranges: [ComediRange], maxdata: [UInt32]
    ) -> Result {
        var polynomials: [ComediPolynomial] = []
        var origins: [Origin] = []
        var warnings: [String] = []
        let file = driver.calibrationFilePath
        for (i, spec) in channels.enumerated() {
            if file != nil, let p = driver.softCalibration(subdevice: subdevice, channel: spec.channel, range: spec.range) {
                polynomials.append(p)
                origins.append(.softCalibration)
            } else if let p = driver.hardCalibration(subdevice: subdevice, channel: spec.channel, range: spec.range) {
                polynomials.append(p)
                origins.append(.hardCalibration)
            } else {
                polynomials.append(ranges[i].linearPolynomial(maxdata: maxdata[i]))
                origins.append(.nominalRange)
            }
        }
        if softCalibrated, !origins.contains(.softCalibration) {
            warnings.append(
                "\(driver.path): subdevice \(subdevice) is calibrated in software but no calibration was found\(file.map { " in \($0)" } ?? ""); using the nominal range. Run comedi_soft_calibrate \(driver.path) as root")
        }
        let calibration = makeCalibration(polynomials: polynomials, centres: maxdata.map { Double(($0 + 1) / 2) })
        return Result(
            calibration: calibration, polynomials: polynomials, origins: origins,
            calibrationFile: origins.contains(.softCalibration) ? file : nil, warnings: warnings)
    }

    /// The file's `Calibration` from per-channel polynomials and re-centring counts.
    public static func makeCalibration(polynomials: [ComediPolynomial], centres: [Double]) -> Calibration {
        var gains: [Double] = []
        var offsets: [Double] = []
        var linear = true
        for (p, centre) in zip(polynomials, centres) {
            let d = p.rawPowerCoefficients
            var value = 0.0, slope = 0.0, power = 1.0
            for (k, c) in d.enumerated() {
                value += c * power
                if k + 1 < d.count { slope += Double(k + 1) * d[k + 1] * power }
                power *= centre
            }
            gains.append(slope)
            offsets.append(value)
            if !p.isLinear { linear = false }
        }
        let gain0 = gains[0] == 0 ? 1 : gains[0]
        let offset0 = offsets[0]
        let scale = max(abs(offset0), abs(gain0) * 65536)
        if offsets.contains(where: { abs($0 - offset0) > scale * 1e-12 }) { linear = false }
        return Calibration(
            voltsPerCount: gain0, channelGains: gains.map { $0 / gain0 }, offsetVolts: offset0,
            polynomials: linear ? [] : polynomials.map(\.rawPowerCoefficients))
    }
}
