import Glibc
import KetaMapTestSupport
import Testing

@testable import KetaMapAcquisition

@Suite("Comedi device listing")
struct ComediDeviceListingTests {
    @Test func describesEverySubdeviceAndFormatsThemForPeople() throws {
        let driver = FakeComediDriver(
            subdevices: [
                .init(
                    kind: .analogInput, flags: [.readable, .commandRead, .ground, .common, .differential], channels: 16,
                    maxdata: 65535, ranges: [ComediRange(min: -10, max: 10), ComediRange(min: -0.1, max: 0.1)],
                    bufferBytes: 4 << 20, maxBufferBytes: 32 << 20),
                .init(kind: .digitalIO, flags: [.readable, .writable], channels: 24, maxdata: 1, ranges: [ComediRange(min: 0, max: 5)]),
                .init(kind: .unused, flags: [], channels: 0, maxdata: 0, ranges: []),
                .init(kind: .other(42), flags: [.readable], channels: 1, maxdata: 4095, ranges: [ComediRange(min: 0, max: 20, unit: .milliamperes)]),
            ], readSubdevice: 0)
        driver.boardName = "pci-6221"
        driver.driverName = "ni_pcimio"
        let description = try ComediDeviceDescription.describe(driver)
        #expect(description.subdevices.map(\.kind) == [.analogInput, .digitalIO, .unused, .other(42)])
        #expect(description.subdevices[0].bufferBytes == 4 << 20)
        #expect(description.subdevices[1].bufferBytes == nil)  // does not stream
        let text = ComediDeviceListing.plainText([.success(description)])
        #expect(text == """
            /dev/comedi-fake: board pci-6221, driver ni_pcimio, input streams from subdevice 0
              subdevice 0: analog input, 16 channels, maxdata 65535 (16-bit), streams input, buffer 4096 KiB (max 32768 KiB)
                ranges: 0: [-10, 10] V, 1: [-0.1, 0.1] V
                references: ground, common, differential
              subdevice 1: digital I/O, 24 channels, maxdata 1 (1-bit), no streaming
                ranges: 0: [0, 5] V
              subdevice 2: unused
              subdevice 3: type 42, 1 channel, maxdata 4095 (12-bit), no streaming
                ranges: 0: [0, 20] mA

            """)
    }

    @Test("a node with no board attached says so and how to attach one, not that a board went away; the board beside it is listed")
    func aNodeWithoutABoardSaysHowToAttachOne() throws {
        let temporary = try TemporaryFolder("comedi")
        for node in ["comedi0", "comedi1"] { close(open(temporary.path(node), O_CREAT | O_WRONLY, 0o600)) }
        let board = FakeComediDriver.comediTestLike()
        board.boardName = "comedi_test"
        board.driverName = "comedi_test"
        let unattached = temporary.path("comedi1")
        // comedi_open on a node without a board fails with ENODEV: the kernel's answer to the node's first ioctl.
        let entries = ComediDeviceListing.list(directory: temporary.path) { (path) throws(ComediError) -> any ComediDriver in
            guard path == unattached else { return board }
            throw comediOpenError(path, errorNumber: ENODEV, libraryMessage: String(cString: strerror(ENODEV)))
        }
        #expect(entries.count == 2)
        let text = ComediDeviceListing.plainText(entries)
        #expect(text.hasPrefix("/dev/comedi-fake: board comedi_test, driver comedi_test, input streams from subdevice 0\n"), "\(text)")
        #expect(
            text.contains("\(unattached): comedi_open failed: No such device (errno 19): no board is attached to this device node. Attach one with comedi_config \(unattached) DRIVER [OPTIONS]"),
            "\(text)")
        #expect(!text.contains("went away"), "\(text)")
        // Any other failure to open keeps its own words.
        let denied = comediOpenError(unattached, errorNumber: EACCES, libraryMessage: String(cString: strerror(EACCES)))
        #expect(denied.message == "cannot open the Comedi device" && denied.remedy.contains("udev"))
    }

    @Test func aDeviceThatCannotBeOpenedSaysWhyAndNoDevicesSaysWhatToLoad() throws {
        // Real comedilib on a folder holding a fake node that is not a Comedi device.
        let temporary = try TemporaryFolder("comedi")
        let folder = temporary.path
        #expect(ComediDeviceListing.list(directory: folder).isEmpty)
        #expect(ComediDeviceListing.plainText([]).contains("No Comedi devices"))

        let node = folder + "/comedi3"
        close(open(node, O_CREAT | O_WRONLY, 0o600))
        close(open(folder + "/comedi3_subd1", O_CREAT | O_WRONLY, 0o600))
        let entries = ComediDeviceListing.list(directory: folder)
        #expect(entries.count == 1)
        guard case .failure(let error) = entries.first else {
            Issue.record("a plain file is not a Comedi device")
            return
        }
        #expect(error.device == node)
        #expect(error.code == .openFailed)
        #expect(ComediDeviceListing.plainText(entries).hasPrefix("\(node): comedi_open failed: "))
    }
}
