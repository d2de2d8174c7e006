import KetaMapCore

#if canImport(Glibc)
import Glibc
#endif

/// User names for uids, from the system's user database (`getpwuid_r`,
/// wrapped here once): the operator of a dose is the account the kernel names
/// for the control socket's peer.
enum UserAccounts {
    /// The login name of `uid`, or `uid N` when the database has none (the
    /// number is then all that can honestly be said) or when the name is
    /// longer than the file's operator column (it is never cut).
    static func name(of uid: UInt32) -> String {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var size = max(1024, Int(sysconf(Int32(_SC_GETPW_R_SIZE_MAX))))
        while size <= 1 << 20 {
            let name: String?? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                let code = getpwuid_r(uid_t(uid), &entry, buffer.baseAddress!, size, &found)
                if code == ERANGE { return .none }  // a larger buffer is needed
                guard code == 0, found != nil, let name = entry.pw_name else { return .some(nil) }
                let account = String(cString: name)
                return .some(EventText.check(account, field: "operator", maxBytes: EventText.operatorBytes) == nil ? account : nil)
            }
            if let name { return name ?? "uid \(uid)" }
            size *= 4
        }
        return "uid \(uid)"
    }
}
