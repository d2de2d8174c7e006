import Foundation
import NIOCore
import NIOPosix

/// Sends one request to a session's control socket and returns its response.
public enum ControlClient {
    /// Why a session could not be reached, with what to try.
    public struct Unreachable: Error, CustomStringConvertible {
        public let socketPath: String
        public let underlying: String
        public var description: String {
            "cannot reach the session at \(socketPath) (\(underlying)); is it running? `ketamapctl sessions` lists running sessions"
        }
    }

    public static func send(_ request: ControlRequest, to socketPath: String) async throws -> ControlResponse {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: LineFrameDecoder.maximumResponseBytes)))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Unreachable(socketPath: socketPath, underlying: "\(error)")
        }
        var line = try JSONEncoder().encode(request)
        line.append(UInt8(ascii: "\n"))
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: line))
            for try await reply in inbound {
                return try JSONDecoder().decode(ControlResponse.self, from: Data(reply.readableBytesView))
            }
            throw Unreachable(socketPath: socketPath, underlying: "the session closed the connection without answering")
        }
    }
}
