import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import KetaMapControl

/// The session's control socket (Unix domain, JSON lines): `status`, `dose`,
/// `mark`, `stop`. On graceful shutdown it stops accepting and lets open
/// connections finish; one failing client never stops the server.
final class ControlServer: Service {
    private let socketPath: String
    private let dispatcher: ControlDispatcher
    private let logger: Logger

    init(socketPath: String, dispatcher: ControlDispatcher, logger: Logger) {
        self.socketPath = socketPath
        self.dispatcher = dispatcher
        self.logger = logger
    }

    func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: LineFrameDecoder.maximumRequestBytes)))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("control socket ready", metadata: ["socket": "\(socketPath)"])
        let dispatcher = self.dispatcher
        let logger = self.logger
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask {
                            do {
                                try await Self.serve(connection, dispatcher: dispatcher)
                            } catch {
                                logger.debug("control connection ended", metadata: ["error": "\(error)"])
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
        }
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    private static func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, dispatcher: ControlDispatcher) async throws {
        try await connection.executeThenClose { inbound, outbound in
            for try await line in inbound {
                let reply = await dispatcher.respond(toLine: Array(line.readableBytesView))
                try await outbound.write(ByteBuffer(bytes: reply))
            }
        }
    }
}
