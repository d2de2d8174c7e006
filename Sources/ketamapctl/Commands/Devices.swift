import ArgumentParser
import Foundation
import KetaMapAcquisition

extension KetamapCtl {
    /// `ketamapctl devices`: every Comedi board, its subdevices, ranges and buffers.
    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List Comedi devices: board, driver, subdevices, channels, ranges, maxdata, streaming and buffers.")

        @Option(help: ArgumentHelp("Folder holding the comedi device nodes.", valueName: "dir"))
        var directory = "/dev"

        func validate() throws {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--directory \(directory): no such folder")
            }
        }

        func run() async throws {
            let entries = ComediDeviceListing.list(directory: directory)
            guard !entries.isEmpty else {
                print("no Comedi devices in \(directory) (is the driver loaded? see docs/hardware.md)")
                return
            }
            print(ComediDeviceListing.plainText(entries))
        }
    }
}
