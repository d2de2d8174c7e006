/// The scalar kinds KetaMap stores, each mapped to an HDF5 predefined type
/// (`H5T_NATIVE_*` in memory, `H5T_STD_*LE`/`H5T_IEEE_*LE` on disk).
enum HDF5ScalarKind: Sendable {
    case int8, uint8, int16, int32, int64, float32, float64
    /// `H5T_STD_REF_OBJ`: an object reference (`hobj_ref_t`, 8 bytes).
    case objectReference
}

/// A Swift type that HDF5 stores as one scalar of `kind`.
protocol HDF5Element {
    /// The matching HDF5 scalar kind.
    static var kind: HDF5ScalarKind { get }
}

extension Int8: HDF5Element { static var kind: HDF5ScalarKind { .int8 } }
extension UInt8: HDF5Element { static var kind: HDF5ScalarKind { .uint8 } }
extension Int16: HDF5Element { static var kind: HDF5ScalarKind { .int16 } }
extension Int32: HDF5Element { static var kind: HDF5ScalarKind { .int32 } }
extension Int64: HDF5Element { static var kind: HDF5ScalarKind { .int64 } }
extension Float: HDF5Element { static var kind: HDF5ScalarKind { .float32 } }
extension Double: HDF5Element { static var kind: HDF5ScalarKind { .float64 } }

/// An HDF5 object reference (`hobj_ref_t`), stored with type `H5T_STD_REF_OBJ`.
struct HDF5ObjectReference: HDF5Element {
    static var kind: HDF5ScalarKind { .objectReference }
    /// The referenced object's address in the file.
    var address: UInt64
}
