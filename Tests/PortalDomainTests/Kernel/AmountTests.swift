import Foundation
import PortalDomain
import Testing

@Suite("Quantities, money and rates")
struct AmountTests {
    @Test("R-ACT-2: quantities parse to 4 decimal places and print with all four")
    func quantityParsing() throws {
        #expect(try Quantity.parse("10.5", field: "actual").tenThousandths == 105_000)
        #expect(try Quantity.parse("4.2857", field: "actual").tenThousandths == 42_857)
        #expect(try Quantity.parse(" 7 ", field: "actual").tenThousandths == 70_000)
        #expect(try Quantity.parse("10.50000", field: "actual").tenThousandths == 105_000)
        #expect(Quantity(tenThousandths: 105_000).description == "10.5000")
        #expect(Quantity(tenThousandths: 5).description == "0.0005")
    }

    @Test("R-ACT-2: negative quantities are refused, naming the field")
    func negativeQuantity() {
        let error = #expect(throws: DomainError.self) { try Quantity.parse("-1", field: "frustrated") }
        #expect(error?.field == "frustrated")
        #expect(error?.message.contains("negative") == true)
        #expect(error?.isInvalidValue == true)
    }

    @Test("R-ACT-2: more than 4 decimal places are refused, naming the field")
    func overPreciseQuantity() {
        let error = #expect(throws: DomainError.self) { try Quantity.parse("4.28571", field: "actual") }
        #expect(error?.field == "actual")
        #expect(error?.message.contains("4 decimal places") == true)
    }

    @Test("malformed decimals are refused", arguments: ["", "abc", "1e3", "1,5", "1.", ".5", "+2", "--1", "1.2.3", "1\u{303}", "\u{663}", "1 2", "-", "- 1"])
    func malformedQuantity(text: String) {
        #expect(throws: DomainError.self) { try Quantity.parse(text, field: "actual") }
    }

    @Test("R-ACT-2: a value too large is refused, naming the field, up to the longest whole part; never a crash", arguments: [
        "1000000000", "999999999999999", "999999999999999.9999", "000999999999999999", "9999999999999999", "99999999999999999999999",
    ])
    func tooLargeQuantity(text: String) {
        for signed in [false, true] {
            let error = #expect(throws: DomainError.self) {
                signed ? try Quantity.parseSigned(text, field: "actual") : try Quantity.parse(text, field: "actual")
            }
            #expect(error?.field == "actual")
            #expect(error?.message.contains("too large") == true, "\(error?.message ?? "")")
        }
        #expect(throws: DomainError.self) { try Rate.parse(text, field: "rate") }
        #expect(throws: DomainError.self) { try Quantity.parseSigned("-" + text, field: "actual") }
    }

    @Test("R-ACT-2: the largest values below each limit parse exactly, with and without surrounding whitespace")
    func largestValues() throws {
        #expect(try Quantity.parse("999999999.9999", field: "actual").tenThousandths == 9_999_999_999_999)
        #expect(try Quantity.parse(" 999999999.9999\t", field: "actual").tenThousandths == 9_999_999_999_999)
        #expect(try Quantity.parseSigned("-999999999.99990", field: "actual").tenThousandths == -9_999_999_999_999)
        #expect(try Money.parse("999999999999999.99", field: "amount").pence == 99_999_999_999_999_999)
        #expect(try Money.parse("-0.5", field: "amount").pence == -50)
        #expect(try Quantity.parse("0000.5", field: "actual").tenThousandths == 5_000)
        #expect(throws: DomainError.self) { try Money.parse("1000000000000000", field: "amount") }
    }

    @Test("R-ACT-5: quantity × rate rounds half-up to the penny per line")
    func lineAmounts() throws {
        let ten = try Rate.parse("10", field: "rate")
        #expect(try Quantity.parse("1.0005", field: "q").amount(at: ten) == Money(pence: 1001))
        #expect(try Quantity.parse("1.0004", field: "q").amount(at: ten) == Money(pence: 1000))
        #expect(try Quantity.parse("10.5", field: "q").amount(at: Rate.parse("18.50", field: "rate")) == Money(pence: 19425))
        // 4.2857 × 18.5 = 79.28545 → 79.29
        #expect(try Quantity.parse("4.2857", field: "q").amount(at: Rate.parse("18.5", field: "rate")) == Money(pence: 7929))
        // 3 × 16.4275 = 49.2825 → 49.28
        #expect(try Quantity.parse("3", field: "q").amount(at: Rate.parse("16.4275", field: "rate")) == Money(pence: 4928))
        // a negative correction rounds away from zero: -1.0005 × 10 = -10.005 → -10.01
        #expect(try Quantity.parseSigned("-1.0005", field: "q").amount(at: ten) == Money(pence: -1001))
    }

    @Test("R-ACT-5: totals are sums of rounded lines, not the rounded sum")
    func totalsAreSumsOfLines() throws {
        let rate = try Rate.parse("10", field: "rate")
        let lines = try ["1.0005", "1.0005"].map { try Quantity.parse($0, field: "q").amount(at: rate) }
        #expect(Money.sum(lines) == Money(pence: 2002))
        #expect(Quantity.sum(try ["1.0005", "1.0005"].map { try Quantity.parse($0, field: "q") }).amount(at: rate) == Money(pence: 2001))
    }

    @Test("R-ACT-5: refused — money with a third decimal, a rate with a fifth, a quantity with a fifth; each error names its field and the precision")
    func precisionRefused() {
        let money = #expect(throws: DomainError.self) { try Money.parse("777.005", field: "amount") }
        #expect(money?.field == "amount")
        #expect(money?.isInvalidValue == true)
        let rate = #expect(throws: DomainError.self) { try Rate.parse("18.50001", field: "rate") }
        #expect(rate?.field == "rate")
        #expect(rate?.isInvalidValue == true)
        let quantity = #expect(throws: DomainError.self) { try Quantity.parse("10.50001", field: "actual") }
        #expect(quantity?.field == "actual")
        #expect(quantity?.message.contains("4 decimal places") == true)
        // Floating-point spellings are refused rather than rounded.
        #expect(throws: DomainError.self) { try Money.parse("1e2", field: "amount") }
        #expect(throws: DomainError.self) { try Rate.parse("18,50", field: "rate") }
    }

    @Test("R-ACT-5: money parses to pence, may be negative, and refuses a third decimal")
    func moneyParsing() throws {
        #expect(try Money.parse("12.34", field: "amount").pence == 1234)
        #expect(try Money.parse("-3.5", field: "amount").description == "-3.50")
        let error = #expect(throws: DomainError.self) { try Money.parse("1.234", field: "amount") }
        #expect(error?.field == "amount")
        #expect(throws: DomainError.self) { try Money.parseNonNegative("-1", field: "amount") }
        #expect(throws: DomainError.self) { try Rate.parse("-1", field: "rate") }
        #expect(throws: DomainError.self) { try Rate.parse("1.00001", field: "rate") }
    }

    struct Sample: Codable, Equatable {
        var q: Quantity
        var m: Money
        var r: Rate
    }

    @Test("decimals are JSON strings: quantities and rates at 4 dp, money at 2 dp")
    func jsonForm() throws {
        let sample = Sample(q: Quantity(tenThousandths: 105_000), m: Money(pence: -1234), r: Rate(pence: 1850))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(sample), as: UTF8.self)
        #expect(json == #"{"m":"-12.34","q":"10.5000","r":"18.5000"}"#)
        #expect(try JSONDecoder().decode(Sample.self, from: Data(json.utf8)) == sample)
    }

    @Test("JSON numbers and over-precise strings are refused when decoding")
    func jsonRefusals() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Sample.self, from: Data(#"{"m":"1.00","q":10.5,"r":"1.0000"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Sample.self, from: Data(#"{"m":"1.001","q":"10.5","r":"1.0000"}"#.utf8))
        }
    }

    @Test("pro-rata scaling rounds half-up at 4 decimals")
    func scaling() throws {
        // 7.5 × 4/7 = 4.285714… → 4.2857
        #expect(try Quantity.parse("7.5", field: "q").scaled(by: 4, over: 7) == Quantity(tenThousandths: 42_857))
        // 0.3333 × 1/2 = 0.16665 → 0.1667
        #expect(try Quantity.parse("0.3333", field: "q").scaled(by: 1, over: 2) == Quantity(tenThousandths: 1_667))
    }
}
