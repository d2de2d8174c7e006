import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Sends one request to a session's control socket and returns its response,
/// or gives up after a timeout with a message saying what to check.
public enum ControlClient {
    /// Seconds `ketamapctl` waits for an answer by default: longer than a dose's
    /// wait for the disk (`DoseDesk.defaultDurableTimeoutSeconds`), so the session's refusal arrives first.
    public static let defaultTimeoutSeconds = 10.0

    /// Why a session could not be reached, with what to try.
    public struct Unreachable: Error, CustomStringConvertible {
        public let socketPath: String
        public let underlying: String
        public var description: String {
            "cannot reach the session at \(socketPath) (\(underlying)); is it running? `ketamapctl sessions` lists running sessions"
        }
    }

    /// The session accepted the connection but did not answer in time.
    public struct TimedOut: Error, CustomStringConvertible {
        public let socketPath: String
        public let seconds: Double
        public var description: String {
            "the session at \(socketPath) did not answer within \(seconds.formatted()) s; it may be stalled: check its log (`journalctl -u ketamap-session@ID`). A dose without an answer may or may not be recorded: `ketamapctl status` shows the doses recorded"
        }
    }

    public static func send(_ request: ControlRequest, to socketPath: String, timeoutSeconds: Double = defaultTimeoutSeconds) async throws -> ControlResponse {
        let timeout = TimeAmount.nanoseconds(Int64(min(max(timeoutSeconds, 0.001), 86_400) * 1e9))
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: LineFrameDecoder.maximumResponseBytes)))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as IOError {
            // NIO's own wording names its internal call; a user needs only the reason.
            throw Unreachable(socketPath: socketPath, underlying: String(cString: strerror(error.errnoCode)))
        } catch {
            throw Unreachable(socketPath: socketPath, underlying: "\(error)")
        }
        let timedOut = Atomic<Bool>(false)
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) {
            timedOut.store(true, ordering: .relaxed)
            channel.channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        var line = try JSONEncoder().encode(request)
        line.append(UInt8(ascii: "\n"))
        do {
            return try await channel.executeThenClose { inbound, outbound in
                // A session at its connection cap writes its refusal and closes at once, maybe
                // before the request is out: the refusal is read all the same.
                let sent = (try? await outbound.write(ByteBuffer(bytes: line))) != nil
                for try await reply in inbound {
                    return try JSONDecoder().decode(ControlResponse.self, from: Data(reply.readableBytesView))
                }
                throw Unreachable(
                    socketPath: socketPath, underlying: sent ? "the session closed the connection without answering" : "the session closed the connection before the request was sent")
            }
        } catch where timedOut.load(ordering: .relaxed) {
            throw TimedOut(socketPath: socketPath, seconds: timeoutSeconds)
        }
    }
}
