/// Reads little-endian fields from the front of a byte array, never past its
/// end: a field that would run over throws `.cutShort` instead of trapping,
/// so a truncated or hostile header is an error, not a crash.
struct LittleEndianReader {
    enum Failure: Error, Equatable {
        /// `needed` bytes were wanted at `offset` but only `available` are left.
        case cutShort(offset: Int, needed: Int, available: Int)
        /// A text field is not what it claims (odd UTF-16 length, invalid code units).
        case badText(offset: Int)
    }

    private let bytes: [UInt8]
    /// Bytes consumed so far.
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Bytes left after `offset`.
    var remaining: Int { bytes.count - offset }

    mutating func uint16() throws(Failure) -> UInt16 { UInt16(truncatingIfNeeded: try integer(2)) }
    mutating func int16() throws(Failure) -> Int16 { Int16(bitPattern: try uint16()) }
    mutating func uint32() throws(Failure) -> UInt32 { UInt32(truncatingIfNeeded: try integer(4)) }
    mutating func float32() throws(Failure) -> Float { Float(bitPattern: try uint32()) }

    /// Skips `count` bytes.
    mutating func skip(_ count: Int) throws(Failure) {
        try require(count)
        offset += count
    }

    /// A Qt `QString`: a `uint32` byte length (`0xFFFFFFFF` = null), then UTF-16LE code units.
    mutating func qString() throws(Failure) -> String {
        let start = offset
        let length = try uint32()
        if length == 0xFFFF_FFFF { return "" }
        guard length % 2 == 0 else { throw .badText(offset: start) }
        try require(Int(length))
        var units: [UInt16] = []
        units.reserveCapacity(Int(length) / 2)
        for i in stride(from: offset, to: offset + Int(length), by: 2) { units.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8) }
        offset += Int(length)
        var text = ""
        var decoder = UTF16()
        var iterator = units.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): text.unicodeScalars.append(scalar)
            case .emptyInput: return text
            case .error: throw .badText(offset: start)
            }
        }
    }

    private func require(_ count: Int) throws(Failure) {
        guard count >= 0, count <= remaining else { throw .cutShort(offset: offset, needed: count, available: remaining) }
    }

    private mutating func integer(_ size: Int) throws(Failure) -> UInt64 {
        try require(size)
        var value: UInt64 = 0
        for i in 0..<size { value |= UInt64(bytes[offset + i]) << (8 * i) }
        offset += size
        return value
    }
}
