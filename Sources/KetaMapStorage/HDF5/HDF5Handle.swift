/// Owns one HDF5 identifier (`hid_t`) and the C function that closes it
/// (`H5Fclose`, `H5Gclose`, `H5Dclose`, …).
///
/// Close it with `close()` on the normal path, which reports failures;
/// `deinit` closes it otherwise and ignores the result. A handle cannot be
/// copied, so an identifier is closed exactly once.
struct HDF5Handle: ~Copyable {
    /// The identifier; valid until the handle is closed.
    let id: HID
    private let closer: HDF5Closer
    private let closerName: StaticString

    /// Takes ownership of `id`, closed later with `closer` (named `closerName` in errors).
    init(_ id: HID, closer: HDF5Closer, closerName: StaticString) {
        precondition(id >= 0, "an HDF5Handle holds a valid identifier")
        self.id = id
        self.closer = closer
        self.closerName = closerName
    }

    /// Closes the identifier and reports a failure (for a file: a failed
    /// final flush). The C function is the one given at creation.
    consuming func close() throws(HDF5Error) {
        let id = self.id
        let closer = self.closer
        let name = self.closerName
        discard self
        try HDF5Calls.check(closer(id), name, "identifier \(id)")
    }

    deinit {
        _ = closer(id)
    }
}
