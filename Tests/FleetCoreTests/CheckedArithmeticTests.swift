import FleetCore
import XCTest

/// The helpers every sum, product and Double-to-integer conversion of a remote number goes through: each case
/// here would trap with the plain operator (`+`, `*`, `Int64(_:)`).
final class CheckedArithmeticTests: XCTestCase {
    func testSumsAndProductsPastInt64AreNilNotATrap() {
        XCTAssertNil(Int64.max.addingChecked(1))
        XCTAssertNil(Int64.min.addingChecked(-1))
        XCTAssertNil(Int64.min.subtractingChecked(1))
        XCTAssertNil(Int64.max.multipliedChecked(by: 2))
        XCTAssertNil((Int64.max / 1024 + 1).multipliedChecked(by: 1024), "a kB value just past Int64.max bytes")
        XCTAssertEqual((Int64.max / 1024).multipliedChecked(by: 1024), Int64.max / 1024 * 1024)
        XCTAssertEqual(Int64(40).addingChecked(2), 42)
        XCTAssertEqual([Int64.max, 1].checkedSum(), nil, "two instances near Int64.max summed")
        XCTAssertEqual([Int64.max - 1, 1].checkedSum(), Int64.max)
        XCTAssertEqual([Int64]().checkedSum(), 0)
    }

    func testSaturatingSumsStopAtTheBounds() {
        XCTAssertEqual(Int64.max.saturatingAdding(Int64.max), .max)
        XCTAssertEqual(Int64.min.saturatingAdding(-1), .min)
        XCTAssertEqual([Int64.max, Int64.max, -5].saturatingSum(), Int64.max - 5, "saturates, then goes on")
        XCTAssertEqual([Int64(1), 2, 3].saturatingSum(), 6)
    }

    func testDoubleToIntegerIsNilForNaNInfinityAndOutOfRange() {
        for value in [Double.nan, .infinity, -.infinity, 1e308, -1e308, 9.223372036854775807e18] {
            XCTAssertNil(Int64(checked: value), "\(value)")
            XCTAssertNil(Int(checked: value), "\(value)")
        }
        // Double(Int64.max) rounds up to 2^63, one past Int64.max: the case `Int64(Double(used))` trapped on.
        XCTAssertNil(Int64(checked: Double(Int64.max)))
        XCTAssertEqual(Int64(checked: -9.223372036854775808e18), Int64.min, "-2^63 is representable")
        XCTAssertEqual(Int64(checked: 1.9), 1, "rounds toward zero, as Int64(_:) does")
        XCTAssertEqual(Int64(checked: -1.9), -1)
        XCTAssertEqual(Int64(checked: -0.0), 0)
        XCTAssertNil(UInt8(checked: 256.0))
        XCTAssertNil(UInt8(checked: -1.0))
    }
}
