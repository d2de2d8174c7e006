import NIOCore
import NIOEmbedded
import Testing

@testable import KetaMapControl

@Suite("Control socket line framing")
struct LineFrameDecoderTests {
    @Test("lines fed one byte at a time come out whole, without their newline")
    func byteByByte() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: LineFrameDecoder.maximumRequestBytes)))
        for byte in Array("{\"command\":\"status\"}\nsecond\n".utf8) {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "{\"command\":\"status\"}")
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "second")
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test("a last line without newline still arrives when the peer closes")
    func lastLineWithoutNewline() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: LineFrameDecoder.maximumRequestBytes)))
        try channel.writeInbound(ByteBuffer(string: "status"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try channel.finish()
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "status")
    }

    @Test("a line longer than the limit is refused, not buffered forever")
    func overlongLine() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: LineFrameDecoder.maximumRequestBytes)))
        let long = ByteBuffer(repeating: UInt8(ascii: "x"), count: LineFrameDecoder.maximumRequestBytes + 1)
        #expect(throws: LineFrameDecoder.LineTooLong.self) { try channel.writeInbound(long) }
    }
}
