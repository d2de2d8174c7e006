import Foundation
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Who may open the control socket: mode 0660 and the group `ketamap` (the
/// clinicians' and technicians' group), set explicitly after binding so the
/// umask never decides.
struct ControlSocketAccess: Sendable {
    /// The group that may dose, mark and read status.
    var group: String = "ketamap"

    /// Why the socket's access could not be set.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sets mode 0660 and the group on the socket at `path`. A missing group is
    /// not an error (a developer machine): the socket keeps the daemon's group, and
    /// the returned warning says so.
    func apply(to path: String) throws(Failure) -> String? {
        guard chmod(path, 0o660) == 0 else { throw Failure(description: "cannot set mode 0660 on \(path): \(Errno(rawValue: errno))") }
        guard let gid = Self.groupID(named: group) else {
            return "group \(group) does not exist: \(path) keeps the daemon's group; create it (install.sh does) so clinicians can connect"
        }
        guard chown(path, uid_t.max, gid) == 0 else { throw Failure(description: "cannot give \(path) to group \(group): \(Errno(rawValue: errno))") }
        return nil
    }

    /// The id of the group named `name` (`getgrnam_r`), nil if there is none.
    static func groupID(named name: String) -> gid_t? {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }
}
