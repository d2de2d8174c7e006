import Glibc
import SystemPackage

extension FileDescriptor {
    /// Writes the file's data and metadata through to the storage device, so
    /// that what was written survives a crash or power loss.
    ///
    /// - Parameter retryOnInterrupt: Whether to retry when the call is
    ///   interrupted by a signal. The default is `true`.
    ///
    /// The corresponding C function is `fsync`.
    public func sync(retryOnInterrupt: Bool = true) throws(Errno) {
        while fsync(rawValue) != 0 {
            let error = Errno(rawValue: errno)
            guard retryOnInterrupt, error == .interrupted else { throw error }
        }
    }
}

extension FileDescriptor {
    /// Allocates the file's first `bytes` on the storage device, so that later
    /// writes within them cannot fail for want of space.
    ///
    /// The corresponding C function is `posix_fallocate`.
    public func allocate(bytes: Int) throws(Errno) {
        let result = posix_fallocate(rawValue, 0, off_t(bytes))
        guard result == 0 else { throw Errno(rawValue: result) }
    }
}
