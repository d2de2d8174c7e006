/// Who sent a control request, as the kernel tells it (`SO_PEERCRED` on the
/// control socket): never what a client claims. Recorded with every dose,
/// mark and stop; a typed operator name is only a note beside it.
public struct PeerCredentials: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The peer's user id.
    public var uid: UInt32
    /// The peer's group id.
    public var gid: UInt32
    /// The peer's process id (at the time it connected).
    public var pid: Int32

    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }

    /// `true` for root.
    public var isRoot: Bool { uid == 0 }

    public var description: String { "uid \(uid) gid \(gid) pid \(pid)" }
}
