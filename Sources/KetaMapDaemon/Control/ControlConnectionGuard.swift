import NIOCore

/// Closes a control connection that has been idle (no request waiting for its
/// reply, nothing read or written) for the idle timeout. Sits after the line
/// decoder, behind an `IdleStateHandler`, so it counts request lines in and
/// reply lines out.
///
/// Event loop only.
final class ControlConnectionGuard: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Requests read whose reply has not been written yet.
    private var waiting = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        waiting += 1
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        waiting = max(0, waiting - 1)
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if waiting == 0 { context.close(promise: nil) }  // a request still being answered keeps its connection
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
