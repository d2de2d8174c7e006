import KetaMapCore
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

extension PeerCredentials {
    /// The kernel's record of who is at the other end of a Unix socket
    /// channel (`getsockopt(SOL_SOCKET, SO_PEERCRED)`), read on its event loop.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
            .map { (credentials: KernelPeerCredentials) in PeerCredentials(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid) }
    }
}

/// The layout of Linux's `struct ucred` (`<sys/socket.h>`, hidden from Swift
/// without `_GNU_SOURCE`): what `SO_PEERCRED` fills in.
private struct KernelPeerCredentials: Sendable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
}
