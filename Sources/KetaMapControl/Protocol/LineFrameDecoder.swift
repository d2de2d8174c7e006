import NIOCore

/// Splits the control socket's byte stream into lines (without the `\n`).
/// Only framing: JSON decoding happens elsewhere.
public struct LineFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Longest request line the server accepts, in bytes; a longer one closes the connection.
    public static let maximumRequestBytes = 64 * 1024
    /// Longest response line a client accepts (a status of 4096 channels is about 1 MB).
    public static let maximumResponseBytes = 64 * 1024 * 1024

    /// Longest accepted line, in bytes.
    public let maximumLineBytes: Int

    public init(maximumLineBytes: Int) { self.maximumLineBytes = maximumLineBytes }

    public struct LineTooLong: Error, CustomStringConvertible {
        public let maximumLineBytes: Int
        public var description: String { "a control line longer than \(maximumLineBytes) bytes" }
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumLineBytes { throw LineTooLong(maximumLineBytes: maximumLineBytes) }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without its newline still counts.
        if try decode(context: context, buffer: &buffer) == .continue { return .continue }
        if buffer.readableBytes > 0, let rest = buffer.readSlice(length: buffer.readableBytes) {
            context.fireChannelRead(wrapInboundOut(rest))
        }
        return .needMoreData
    }
}
