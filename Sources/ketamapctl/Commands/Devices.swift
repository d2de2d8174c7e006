import ArgumentParser
import KetaMapAcquisition

extension KetamapCtl {
    /// `ketamapctl devices`: every Comedi board, its subdevices, ranges and buffers.
    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List Comedi devices: board, driver, subdevices, channels, ranges, maxdata, streaming and buffers.")

        @Option(help: ArgumentHelp("Folder holding the comedi device nodes.", valueName: "dir"))
        var directory = "/dev"

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
