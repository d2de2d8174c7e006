import KetaMapConfiguration
import Logging
import Testing

@testable import KetaMapDaemon

@Suite("Channel check")
struct ChannelCheckTests {
    @Test("check runs the pipeline into a sink that keeps nothing and reports every channel alive")
    func checkReportsEveryChannel() async throws {
        let configuration = try ConfigurationLoader.loadDefault()
        let channels = try await ChannelCheck.run(configuration: configuration, seconds: 1, logger: Logger(label: "check-test")).channels
        #expect(channels.map(\.name) == configuration.montage.channels.map(\.name))
        #expect(channels.allSatisfy { $0.rmsMicrovolts > 0 && !$0.isFlat && !$0.isSaturated })
    }
}
