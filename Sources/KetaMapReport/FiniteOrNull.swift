// JSON has no NaN: a change that cannot be computed is written as `null`
// (the report's notes say why) and read back as NaN.

extension KeyedEncodingContainer {
    /// `value`, or `null` when it is NaN or infinite.
    mutating func encodeFiniteOrNull(_ value: Double, forKey key: Key) throws {
        try encode(value.isFinite ? value : nil, forKey: key)
    }

    /// Each value, or `null` in its place when it is NaN or infinite.
    mutating func encodeFiniteOrNull(_ values: [Double], forKey key: Key) throws {
        try encode(values.map { $0.isFinite ? $0 : nil }, forKey: key)
    }
}

extension KeyedDecodingContainer {
    /// What `encodeFiniteOrNull` wrote: `null` becomes NaN.
    func decodeFiniteOrNull(_ type: Double.Type, forKey key: Key) throws -> Double {
        try decodeIfPresent(Double.self, forKey: key) ?? .nan
    }

    func decodeFiniteOrNull(_ type: [Double].Type, forKey key: Key) throws -> [Double] {
        try decode([Double?].self, forKey: key).map { $0 ?? .nan }
    }
}
