import KetaMapCore
import Testing

@testable import KetaMapAcquisition
import KetaMapConfiguration

@Suite("Comedi calibration (fake driver)")
struct ComediCalibrationTests {
    /// volts of a stored (re-centred) value through the file's calibration.
    private func volts(_ c: Calibration, stored: Int32, channel: Int) -> Double {
        c.offsetVolts + Double(stored) * c.voltsPerCount * c.channelGains[channel]
    }

    @Test func hardcalOfA16BitCardBecomesConversionAndOffset() throws {
        let driver = FakeComediDriver.comediTestLike()
        let p = try ComediAcquisitionPlan.make(
            driver: driver, settings: ComediSettings(rangeVolts: 10), hardwareChannels: [0, 1], requestedRateHz: 1000)
        let c = p.calibration.calibration
        #expect(p.calibration.origins == [.hardCalibration, .hardCalibration])
        #expect(p.centreCounts == [32768, 32768])
        #expect(c.polynomials.isEmpty)
        #expect(abs(c.voltsPerCount - 20.0 / 65535) < 1e-15)
        #expect(c.channelGains == [1, 1])
        // Every count maps to what comedi_to_phys gives: -10 + 20·count/65535.
        for count in [0, 1, 32767, 32768, 40000, 65535] {
            let expected = -10 + 20 * Double(count) / 65535
            #expect(abs(volts(c, stored: Int32(count) - 32768, channel: 1) - expected) < 1e-12)
        }
    }

    @Test func twelveBitCardsAreCentredOnTheirOwnMidScale() throws {
        let driver = FakeComediDriver.comediTestLike(maxdata: 4095)
        driver.hardcalAvailable = false
        let p = try ComediAcquisitionPlan.make(
            driver: driver, settings: ComediSettings(rangeVolts: 5), hardwareChannels: [2], requestedRateHz: 1000)
        #expect(p.centreCounts == [2048])
        #expect(p.calibration.origins == [.nominalRange])
        let c = p.calibration.calibration
        #expect(abs(volts(c, stored: 4095 - 2048, channel: 0) - 5) < 1e-12)
        #expect(abs(volts(c, stored: -2048, channel: 0) + 5) < 1e-12)
    }

    @Test func softcalWinsAndANonLinearOneIsKeptAsPolynomials() throws {
        let driver = FakeComediDriver.comediTestLike()
        driver.calibrationFilePath = "/var/lib/comedi/calibrations/fake"
        let p0 = ComediPolynomial(coefficients: [0.01, 0.0003, 1e-9], expansionOrigin: 32767.5)
        let p1 = ComediPolynomial(coefficients: [0.02, 0.0003], expansionOrigin: 32767.5)
        driver.softcal = [0: p0, 1: p1]
        let p = try ComediAcquisitionPlan.make(
            driver: driver, settings: ComediSettings(), hardwareChannels: [0, 1], requestedRateHz: 1000)
        #expect(p.calibration.origins == [.softCalibration, .softCalibration])
        #expect(p.calibration.calibrationFile == "/var/lib/comedi/calibrations/fake")
        #expect(p.calibration.originSummary == "softcal")
        let c = p.calibration.calibration
        #expect(c.polynomials.count == 2)
        // The stored polynomials are in powers of the raw count and agree with comedilib's form.
        for (poly, coefficients) in zip([p0, p1], c.polynomials) {
            for raw in [0.0, 1000, 32768, 65535] {
                var sum = 0.0, power = 1.0
                for d in coefficients { sum += d * power; power *= raw }
                #expect(abs(sum - poly.evaluate(raw)) < 1e-9 * max(1, abs(poly.evaluate(raw))))
            }
        }
        // The linear part is exact at mid-scale for channel 0.
        #expect(abs(volts(c, stored: 0, channel: 0) - p0.evaluate(32768)) < 1e-12)
    }

    @Test func aSoftCalibratedBoardWithoutItsFileWarns() throws {
        let driver = FakeComediDriver.comediTestLike(flags: [.readable, .commandRead, .ground, .softCalibrated])
        driver.hardcalAvailable = false
        let p = try ComediAcquisitionPlan.make(
            driver: driver, settings: ComediSettings(), hardwareChannels: [0], requestedRateHz: 1000)
        #expect(p.calibration.origins == [.nominalRange])
        #expect(p.warnings.contains { $0.contains("comedi_soft_calibrate") })
    }
}
