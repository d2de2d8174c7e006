import Testing
import KetaMapCore
import KetaMapAcquisition

/// The checks every `Source` must pass (STYLE.md §7): calibration present,
/// first index 0, contiguous blocks, frame width = channel count, and the same
/// construction (same seed, same file) gives the same samples, whatever the
/// size of the buffers read into.
///
/// `make` is called three times (once when `deterministic` is false, as for a
/// real card); each source is read for `frames` frames.
/// Returns the samples of the first source, interleaved.
@discardableResult
public func checkSourceConformance(
    frames: Int, deterministic: Bool = true, sourceLocation: SourceLocation = #_sourceLocation, make: () throws -> any Source
) throws -> [Int16] {
    let first = try make()
    let format = first.format
    #expect(format.channelCount > 0, sourceLocation: sourceLocation)
    #expect(format.sampleRateHz > 0 && format.sampleRateHz.isFinite, sourceLocation: sourceLocation)
    #expect(format.calibration.channelGains.count == format.channelCount, "one gain per channel", sourceLocation: sourceLocation)
    #expect(format.calibration.voltsPerCount > 0 && format.calibration.voltsPerCount.isFinite, "calibration present", sourceLocation: sourceLocation)
    #expect(format.calibration.microvoltsPerCount.allSatisfy { $0 > 0 && $0.isFinite }, sourceLocation: sourceLocation)
    #expect(!first.provenance.isEmpty, "provenance says where samples come from", sourceLocation: sourceLocation)

    let reference = try readAll(first, frames: frames, bufferFrames: 257, sourceLocation: sourceLocation)
    #expect(!reference.isEmpty && reference.count % format.channelCount == 0, "whole frames of channelCount samples", sourceLocation: sourceLocation)
    guard deterministic else { return reference }
    let again = try readAll(try make(), frames: frames, bufferFrames: 257, sourceLocation: sourceLocation)
    #expect(again == reference, "same construction, same samples", sourceLocation: sourceLocation)
    let otherBlocks = try readAll(try make(), frames: frames, bufferFrames: 1000, sourceLocation: sourceLocation)
    #expect(otherBlocks == reference, "the samples do not depend on the buffer size", sourceLocation: sourceLocation)
    return reference
}

/// Reads `frames` frames (fewer if the source ends) into buffers of `bufferFrames`
/// frames, checking that blocks start at 0 and follow each other without holes.
public func readAll(_ source: any Source, frames: Int, bufferFrames: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Int16] {
    let channels = source.format.channelCount
    var buffer = [Int16](repeating: 0, count: bufferFrames * channels)
    var samples: [Int16] = []
    samples.reserveCapacity(frames * channels)
    var expected: UInt64 = 0
    try source.start()
    defer {
        source.stop()
        source.stop()  // safe to call more than once
    }
    while Int(expected) < frames {
        let sentinel: Int16 = 0x7A5A
        for i in buffer.indices { buffer[i] = sentinel }
        let result = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0) }
        switch result {
        case .frames(let firstSample, let frameCount):
            #expect(firstSample == expected, "blocks are contiguous and start at 0", sourceLocation: sourceLocation)
            #expect(frameCount > 0 && frameCount <= bufferFrames, "a block fits the buffer", sourceLocation: sourceLocation)
            #expect(
                buffer[(min(frameCount, bufferFrames) * channels)...].allSatisfy { $0 == sentinel },
                "nothing is written past frameCount × channelCount", sourceLocation: sourceLocation)
            let take = min(frameCount, frames - Int(expected))
            samples.append(contentsOf: buffer[0..<(take * channels)])
            expected = firstSample + UInt64(frameCount)
        case .gap(let gap):
            #expect(gap.firstSample == expected, "a gap starts where the last block ended", sourceLocation: sourceLocation)
            samples.append(contentsOf: repeatElement(0, count: Int(gap.sampleCount) * channels))
            expected = gap.endSample
        case .end:
            return samples
        }
    }
    return samples
}
