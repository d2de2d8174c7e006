import KetaMapStorage

extension NWBSessionWriter: SessionSink {}
