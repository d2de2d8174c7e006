/// A failed HDF5 call: the C function, the object it worked on, and HDF5's
/// own error stack (read with `H5Ewalk2` right after the failure; automatic
/// printing is off).
public struct HDF5Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function that failed, e.g. `H5Dwrite`.
    public var function: String
    /// The file, group, dataset or attribute name it was called on.
    public var object: String
    /// HDF5's error stack, outermost call first (`function: message`).
    public var stack: [String]

    /// Creates an error for `function` on `object` with HDF5's stack.
    public init(function: String, object: String, stack: [String]) {
        self.function = function
        self.object = object
        self.stack = stack
    }

    /// The stack of an open refused before `H5Fopen`: the path is a folder, a pipe or a device.
    static let notARegularFile = "is not a regular file (a folder, a pipe or a device)"

    /// Whether the stack says the file system refused the file (missing folder, permission, disk full).
    public var isFileSystemError: Bool {
        stack.contains { $0.contains("unable to open file") || $0.contains("file write failed") || $0.contains("No space") }
    }

    /// The function, the object, HDF5's stack and what to check.
    public var description: String {
        var text = "HDF5 \(function) failed on \(object)"
        if !stack.isEmpty { text += ": " + stack.joined(separator: " <- ") }
        if function == "H5Fcreate" {
            text += ". Check that the folder exists, is writable and that no file of that name exists."
        } else if function == "H5Fopen" {
            if stack == [Self.notARegularFile] {
                return "\(object) \(Self.notARegularFile): give the path of a session file (.nwb)"
            } else if stack.contains(where: { $0.contains("file signature not found") }) {
                text += ". It is not an HDF5 file (or it was cut short before its first flush): give the path of a session file (.nwb)."
            } else {
                text += ". If ketamapd was killed while writing it, `ketamapctl recover FILE` finishes it."
            }
        } else if function == "H5Dwrite" || function == "H5Fflush" {
            text += ". Check free disk space and that the disk is still mounted."
        }
        return text
    }
}
