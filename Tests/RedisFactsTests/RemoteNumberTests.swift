import RedisFacts
import XCTest

/// Numbers a hostile or broken host can print where a count belongs: every parser keeps them out of range as nil
/// (with a reason where a rule reads them), and none traps.
final class RemoteNumberTests: XCTestCase {
    static let hostile = [
        "9223372036854775808", "-1", "-9223372036854775808", "99999999999999999999999", "1e308", "nan", "inf",
        "-inf", "0x10", "",
    ]

    private func info(usedMemory: String) -> RedisInfo {
        RedisInfo(parsing: "# Server\r\nredis_version:7.0.15\r\n# Memory\r\nused_memory:\(usedMemory)\r\n")
    }

    func testCountsOutOfRangeAreNilWithAReasonNamingFieldAndValue() {
        for value in Self.hostile {
            let parsed = info(usedMemory: value)
            XCTAssertNil(parsed.usedMemory, value)
            let reason = parsed.unusableCount("used_memory")
            XCTAssertEqual(
                reason, "INFO memory.used_memory is '\(value)', not a whole number from 0 to 9223372036854775807",
                value)
        }
    }

    func testInt64MaxIsAValidCountAndNeedsNoReason() {
        let parsed = info(usedMemory: "9223372036854775807")
        XCTAssertEqual(parsed.usedMemory, .max)
        XCTAssertNil(parsed.unusableCount("used_memory"))
        XCTAssertNil(parsed.unusableCount("maxmemory"), "an absent field is not an unusable one")
    }

    func testDoublesAreFiniteOrNil() {
        for (text, expected) in [("nan", nil), ("inf", nil), ("-inf", nil), ("1e999", nil), ("1e308", 1e308)]
            as [(String, Double?)]
        {
            let parsed = RedisInfo(parsing: "# Stats\r\ninstantaneous_input_kbps:\(text)\r\n")
            XCTAssertEqual(parsed.double("instantaneous_input_kbps"), expected, text)
        }
    }

    func testKeyspaceCountsOutOfRangeAreUnknownNotZero() {
        let parsed = RedisInfo(
            parsing:
                "# Keyspace\r\ndb0:keys=9223372036854775807,expires=0,avg_ttl=0\r\n"
                + "db1:keys=9223372036854775808,expires=-1,avg_ttl=0\r\ndb2:expires=3\r\n")
        XCTAssertEqual(parsed.keyspace.map(\.keys), [Int64.max, nil, nil])
        XCTAssertEqual(parsed.keyspace.map(\.expires), [0, nil, 3])
    }

    func testMeminfoKilobytesPastInt64AreLeftOutAndTheEstimateDoesNotOverflow() {
        let huge = String(Int64.max / 1024 + 1)
        let memory = MemInfo(parsing: "MemTotal: \(huge) kB\nMemFree: -5 kB\nCached: 1 kB\n")
        XCTAssertNil(memory.total, "\(huge) kB is beyond Int64 bytes")
        XCTAssertNil(memory.available, "a negative MemFree is out of range")
        let summed = MemInfo(
            parsing: "MemFree: \(Int64.max / 1024) kB\nBuffers: \(Int64.max / 1024) kB\nCached: 0 kB\n")
        XCTAssertNotNil(summed.fields["MemFree"])
        XCTAssertNil(summed.available, "MemFree + Buffers past Int64.max")
        XCTAssertEqual(MemInfo(parsing: "MemAvailable: 4 kB\n").available, 4096)
    }

    func testLoadAverageMustBeFiniteAndNonNegative() {
        for text in ["nan 0.1 0.1 1/2 3", "inf 0 0 1/2 3", "1e999 0 0", "-1 0 0 1/1 1", "0.1 0.2"] {
            XCTAssertNil(LoadAverage(parsing: text), text)
        }
        XCTAssertEqual(LoadAverage(parsing: "1e308 0.5 0.6 1/467 12345\n")?.oneMinute, 1e308)
        XCTAssertEqual(LoadAverage(parsing: "0.52 0.58 0.59\n")?.fifteenMinutes, 0.59)
    }

    func testDiskFreePastInt64IsNil() {
        let header = "Filesystem 1024-blocks Used Available Capacity Mounted on\n"
        XCTAssertNil(DiskFree.availableBytes(parsing: header + "/dev/vda 1 1 \(Int64.max) 1% /\n"))
        XCTAssertNil(DiskFree.availableBytes(parsing: header + "/dev/vda 1 1 -4 1% /\n"))
        XCTAssertEqual(DiskFree.availableBytes(parsing: header + "/dev/vda 1 1 4 1% /\n"), 4096)
    }

    func testMemoryUnitsThatOverflowAreNil() {
        XCTAssertNil(ByteSize.parse("99999999999gb"))
        XCTAssertNil(ByteSize.parse("8589934592gb"), "2^33 GiB is 2^63 bytes, one past Int64.max")
        XCTAssertEqual(ByteSize.parse("8589934591gb"), Int64.max - (1 << 30) + 1)
        XCTAssertNil(ByteSize.parse("9223372036854775807k"))
        XCTAssertEqual(ByteSize.parse("20gb"), 20 << 30)
        let configuration = RedisConfiguration(
            files: [ConfigSourceFile(path: "/r.conf", text: "maxmemory 99999999999gb\n")], mainFile: "/r.conf")
        XCTAssertEqual(configuration.effective("maxmemory")?.value, "99999999999gb", "kept as evidence")
        XCTAssertNil(configuration.effective("maxmemory").flatMap { ByteSize.parse($0.value) })
        XCTAssertNil(ClientOutputBufferLimit.replica(in: "replica 99999999999gb 0 60"))
    }
}
