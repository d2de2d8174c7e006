import Testing

@testable import KetaMapReport

/// participants.tsv's age: whole years, `89+` from 89 on (BIDS's recommendation for human data).
struct BIDSAgeTests {
    @Test(
        "ages from 89 years on are 89+, younger ones whole years, others n/a",
        arguments: [("P92Y", "89+"), ("P89Y", "89+"), ("P89Y/", "89+"), ("P88Y11M", "88"), ("P34Y6M", "34"), ("P400D", "1"), ("unknown", "n/a")])
    func age(iso: String, bids: String) {
        #expect(BIDSExport.bidsAge(iso) == bids)
    }
}
