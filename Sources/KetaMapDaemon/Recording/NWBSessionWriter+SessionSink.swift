import KetaMapStorage

extension NWBSessionWriter: SessionSink {
    func framesWritten(stream: Int) -> UInt64 { streams[stream].framesWritten }
}
