import Foundation
import SystemPackage

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
        do { try POSIXCalls.setPermissions(path, 0o660) } catch { throw Failure(description: "cannot set mode 0660 on \(path): \(error)") }
        guard let gid = POSIXCalls.groupID(named: group) else {
            return "group \(group) does not exist: \(path) keeps the daemon's group; create it (install.sh does) so clinicians can connect"
        }
        do { try POSIXCalls.setGroup(path, gid) } catch { throw Failure(description: "cannot give \(path) to group \(group): \(error)") }
        return nil
    }
}
