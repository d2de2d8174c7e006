import KetaMapCore

/// Raw `Int16` frames → re-referenced µV rows, one per processed channel.
///
/// `processed[p] = µV[anode] − µV[cathode] − mean(µV[averaged group])`, with
/// `µV[c] = raw × microvoltsPerCount[c] + offset`. The tables are built in
/// `init`; `process` only reads and writes preallocated memory.
final class ReferenceStage {
    let rawChannelCount: Int
    let processedCount: Int
    /// Floats per output row (processed channels rounded up to whole vectors).
    let stride: Int
    private let microvoltsPerCount: UnsafeMutablePointer<Float>
    private let offsetMicrovolts: Float
    /// When every processed channel is its raw channel in order: convert only.
    private let isIdentity: Bool
    /// Scratch row: raw µV (rawChannelCount), then group averages, then one 0.
    private let scratch: UnsafeMutablePointer<Float>
    private let zeroSlot: Int
    private let anode: UnsafeMutablePointer<Int32>
    private let cathode: UnsafeMutablePointer<Int32>
    private let average: UnsafeMutablePointer<Int32>
    /// Averaging groups: members flattened, with start offsets (groupCount + 1).
    private let groupMembers: UnsafeMutablePointer<Int32>
    private let groupStarts: UnsafeMutablePointer<Int32>
    private let groupCount: Int

    init(
        channels: [ProcessedChannel], reference: ProcessingSettings.Reference, montage: Montage,
        format: SampleFormat, stride: Int
    ) {
        rawChannelCount = format.channelCount
        processedCount = channels.count
        self.stride = stride
        microvoltsPerCount = .allocate(capacity: rawChannelCount)
        for (i, g) in format.calibration.microvoltsPerCount.enumerated() { microvoltsPerCount[i] = Float(g) }
        offsetMicrovolts = Float(format.calibration.offsetVolts * 1e6)

        // Averaging groups, shared by the channels that use the same member list.
        var groups: [[Int]] = []
        var groupOf: [[Int]: Int] = [:]
        var averageIndex: [Int32] = []
        for ch in channels {
            let members = reference.averagedChannels(for: ch.anode, in: montage)
            if members.isEmpty {
                averageIndex.append(-1)
            } else if let g = groupOf[members] {
                averageIndex.append(Int32(g))
            } else {
                groupOf[members] = groups.count
                averageIndex.append(Int32(groups.count))
                groups.append(members)
            }
        }
        groupCount = groups.count
        zeroSlot = rawChannelCount + groupCount
        scratch = .allocate(capacity: zeroSlot + 1)
        scratch.initialize(repeating: 0, count: zeroSlot + 1)
        groupStarts = .allocate(capacity: groupCount + 1)
        let memberCount = groups.reduce(0) { $0 + $1.count }
        groupMembers = .allocate(capacity: max(1, memberCount))
        var offset = 0
        for (g, members) in groups.enumerated() {
            groupStarts[g] = Int32(offset)
            for m in members {
                groupMembers[offset] = Int32(m)
                offset += 1
            }
        }
        groupStarts[groupCount] = Int32(offset)

        anode = .allocate(capacity: max(1, processedCount))
        cathode = .allocate(capacity: max(1, processedCount))
        average = .allocate(capacity: max(1, processedCount))
        var identity = processedCount == rawChannelCount && groupCount == 0
        for (p, ch) in channels.enumerated() {
            anode[p] = Int32(ch.anode)
            cathode[p] = Int32(ch.cathode ?? zeroSlot)
            average[p] = averageIndex[p] < 0 ? Int32(zeroSlot) : Int32(rawChannelCount) + averageIndex[p]
            if ch.anode != p || ch.cathode != nil { identity = false }
        }
        isIdentity = identity
    }

    deinit {
        microvoltsPerCount.deallocate()
        scratch.deallocate()
        anode.deallocate()
        cathode.deallocate()
        average.deallocate()
        groupMembers.deallocate()
        groupStarts.deallocate()
    }

    /// Converts and re-references `frames` frames from `input` into rows of `output`
    /// (`stride` floats apart; padding lanes are left untouched). Processing thread only.
    func process(_ input: UnsafePointer<Int16>, frames: Int, into output: UnsafeMutablePointer<Float>) {
        let c = rawChannelCount
        let gain = microvoltsPerCount
        let offset = offsetMicrovolts
        if isIdentity {
            for f in 0..<frames {
                let row = input + f * c
                let out = output + f * stride
                // Element-wise conversion: the compiler vectorises this loop.
                for i in 0..<c { out[i] = Float(row[i]) * gain[i] + offset }
            }
            return
        }
        let s = scratch
        for f in 0..<frames {
            let row = input + f * c
            for i in 0..<c { s[i] = Float(row[i]) * gain[i] + offset }
            for g in 0..<groupCount {
                let start = Int(groupStarts[g])
                let end = Int(groupStarts[g + 1])
                var sum: Float = 0
                for m in start..<end { sum += s[Int(groupMembers[m])] }
                s[c + g] = sum / Float(end - start)
            }
            let out = output + f * stride
            for p in 0..<processedCount {
                out[p] = s[Int(anode[p])] - s[Int(cathode[p])] - s[Int(average[p])]
            }
        }
    }
}
