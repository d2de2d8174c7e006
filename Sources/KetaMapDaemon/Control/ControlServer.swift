import Foundation
import KetaMapCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import KetaMapControl

/// The session's control socket (Unix domain, JSON lines): `status`, `dose`,
/// `mark`, `stop`. Mode 0660, group `ketamap`; each request is answered with
/// exactly one line, in order, also after the client half-closes; the peer's
/// credentials (`SO_PEERCRED`) go with every request. Connections beyond the
/// cap are refused with a line saying so; idle ones are closed. On graceful
/// shutdown it stops accepting and stops reading from open connections: each
/// answers the requests it has read, then closes, so a client that keeps a
/// connection open never holds up a stop. One failing client never stops the server.
final class ControlServer: Service {
    /// How many clients may be connected, and how long one may idle.
    struct Limits: Sendable {
        var maximumConnections = 64
        /// Seconds without a request (and none waiting for its reply) before a connection is closed.
        var idleSeconds = 30.0
    }

    private let socketPath: String
    private let dispatcher: ControlDispatcher
    private let access: ControlSocketAccess
    private let limits: Limits
    private let heartbeat: StageHeartbeat?
    private let logger: Logger
    private let open = Atomic<Int>(0)
    /// The connections being served, so a shutdown can stop reading from them.
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// - Parameter heartbeat: beaten from the listening channel's event loop while the socket serves, for the watchdog.
    init(
        socketPath: String, dispatcher: ControlDispatcher, access: ControlSocketAccess = ControlSocketAccess(), limits: Limits = Limits(),
        heartbeat: StageHeartbeat? = nil, logger: Logger
    ) {
        self.socketPath = socketPath
        self.dispatcher = dispatcher
        self.access = access
        self.limits = limits
        self.heartbeat = heartbeat
        self.logger = logger
    }

    /// Event-loop turns between beats are this far apart (a loop stuck in a call misses them).
    static let heartbeatInterval = TimeAmount.milliseconds(250)

    private typealias Connection = (channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, peer: PeerCredentials)

    func run() async throws {
        let idle = TimeAmount.nanoseconds(Int64(limits.idleSeconds * 1e9))
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true) { channel in
                PeerCredentials.of(channel).flatMapThrowing { peer -> Connection in
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: LineFrameDecoder.maximumRequestBytes)))
                    // After the decoder: only a whole request line counts as activity, so a client
                    // that sends a byte now and then, never a line, is idle and closed.
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idle))
                    try pipeline.addHandler(ControlConnectionGuard())
                    // Closed on deinit: a connection accepted while the server stops (a fault cancels the
                    // group) is dropped by the accept stream before anyone serves it; with the scoped
                    // initializer NIO then traps in its writer's deinit and the session dies instead of exiting.
                    return (try NIOAsyncChannel<ByteBuffer, ByteBuffer>(synchronouslyWrapping: channel), peer)
                }
            }
        do {
            if let warning = try access.apply(to: socketPath) { logger.warning("\(warning)") }
        } catch {
            try? await server.channel.close()
            throw error
        }
        logger.info("control socket ready", metadata: ["socket": "\(socketPath)", "group": "\(access.group)"])
        heartbeat?.begin()
        let beating = heartbeat.map { heartbeat in
            server.channel.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: Self.heartbeatInterval) { _ in heartbeat.beat() }
        }
        defer {
            beating?.cancel()
            heartbeat?.end()
        }
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: { [self] in
            server.channel.close(promise: nil)
            // A stop must not wait for clients to go idle: each connection answers what it has read, then closes.
            for channel in connections.withLock({ Array($0.values) }) {
                channel.close(mode: .input).whenFailure { _ in channel.close(promise: nil) }
            }
        }
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    /// Answers each request line of one connection, in order; refuses the connection over the cap.
    private func serve(_ connection: Connection) async {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        let channel = connection.channel.channel
        connections.withLock { $0[ObjectIdentifier(channel)] = channel }
        defer {
            connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
            open.wrappingSubtract(1, ordering: .relaxed)
        }
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                guard count <= limits.maximumConnections else {
                    let refusal = ControlResponse.refused(
                        field: "connection", "the session already has \(limits.maximumConnections) control connections; try again in a moment")
                    try await outbound.write(ByteBuffer(bytes: ControlDispatcher.encode(refusal)))
                    return
                }
                do {
                    for try await line in inbound {
                        let reply = await dispatcher.respond(toLine: Array(line.readableBytesView), from: connection.peer)
                        try await outbound.write(ByteBuffer(bytes: reply))
                    }
                } catch let tooLong as LineFrameDecoder.LineTooLong {
                    let refusal = ControlResponse.refused(field: "request", "is longer than \(tooLong.maximumLineBytes) bytes; the connection is closed")
                    try await outbound.write(ByteBuffer(bytes: ControlDispatcher.encode(refusal)))
                }
            }
        } catch {
            logger.debug("control connection ended", metadata: ["error": "\(error)", "peer": "\(connection.peer)"])
        }
    }
}
