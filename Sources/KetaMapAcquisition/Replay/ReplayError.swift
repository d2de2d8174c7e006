/// Why a recording cannot be replayed: the file, what is wrong, what to do.
public struct ReplayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The file does not exist.
        public static let fileMissing = Code(rawValue: "file-missing")
        /// The file exists but cannot be opened or read.
        public static let unreadable = Code(rawValue: "unreadable")
        /// The file holds no frame at all.
        public static let empty = Code(rawValue: "empty")
        /// The size is not a whole number of frames: the channel count is probably wrong.
        public static let partialFrame = Code(rawValue: "partial-frame")
        /// Channel count, rate or µV per bit is missing or impossible.
        public static let badParameters = Code(rawValue: "bad-parameters")
        /// The montage does not name the same channels as the recording.
        public static let montageMismatch = Code(rawValue: "montage-mismatch")
        /// A data file holds less than its header promises (a copy cut short).
        public static let truncated = Code(rawValue: "truncated")
        /// A header disagrees with the size of its data file.
        public static let sizeMismatch = Code(rawValue: "size-mismatch")
        /// A header or metadata file cannot be parsed: a field is missing, out of range or cut short.
        public static let badHeader = Code(rawValue: "bad-header")
        /// A variant of a format KetaMap does not read (another file layout, probe or version).
        public static let unsupported = Code(rawValue: "unsupported")
        /// The path holds several recordings or streams and none was chosen.
        public static let ambiguous = Code(rawValue: "ambiguous")

        public var description: String { rawValue }
    }

    public var code: Code
    /// The file being replayed.
    public var path: String
    /// What is wrong.
    public var message: String
    /// What to do about it.
    public var fix: String

    public init(_ code: Code, path: String, message: String, fix: String) {
        self.code = code
        self.path = path
        self.message = message
        self.fix = fix
    }

    /// `replay PATH: message. Fix: ...`
    public var description: String { "replay \(path): \(message). Fix: \(fix)" }
}
