/// One open Comedi device (`comedi_t *`), owned: `close()` on the normal path,
/// `deinit` as the fallback (`comedi_close` either way). The pointer never
/// leaves KetaMapAcquisition.
public struct ComediDevice: ~Copyable {
    /// The open `comedi_t` (only the calls in `ComediCalls.swift` use it).
    let handle: OpaquePointer

    /// Opens `path`, e.g. `/dev/comedi0` (`comedi_open`).
    /// Throws `ComediError` (`.openFailed`) with `comedi_strerror`'s text and what to do.
    public init(path: String) throws(ComediError) {
        handle = try comediOpen(path)
    }

    /// Closes the device (`comedi_close`); any running command stops.
    public consuming func close() {
        _ = comediClose(handle)
        discard self
    }

    deinit {
        _ = comediClose(handle)
    }
}
