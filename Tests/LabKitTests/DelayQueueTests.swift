import LabKit
import XCTest

/// The delay relay's queue: what it holds, when it is due, and that it bounds what it holds.
final class DelayQueueTests: XCTestCase {
    func testChunksAreDueAfterTheDelayInTheOrderTheyCame() {
        var queue = DelayQueue(delayNanoseconds: 100)
        queue.append([1, 2], now: 0)
        queue.append([3], now: 50)
        XCTAssertNil(queue.due(now: 99))
        XCTAssertEqual(queue.nextDue, 100)
        XCTAssertEqual(queue.due(now: 100), [1, 2])
        queue.consume(1)
        XCTAssertEqual(queue.due(now: 100), [2], "a partial write keeps the rest first")
        queue.consume(1)
        XCTAssertNil(queue.due(now: 149))
        XCTAssertEqual(queue.due(now: 150), [3])
    }

    func testTheEndIsPassedOnAfterEveryChunkBeforeIt() {
        var queue = DelayQueue(delayNanoseconds: 100)
        queue.append([1], now: 0)
        queue.end(now: 10)
        XCTAssertFalse(queue.acceptsMore)
        XCTAssertFalse(queue.endIsDue(now: 200), "a chunk is still held")
        queue.consume(1)
        XCTAssertFalse(queue.endIsDue(now: 109))
        XCTAssertTrue(queue.endIsDue(now: 110))
        queue.deliverEnd()
        XCTAssertFalse(queue.endIsDue(now: 200), "passed on once")
    }

    func testAFullQueueStopsReadingUntilItDrains() {
        var queue = DelayQueue(delayNanoseconds: 0, capacity: 4)
        queue.append([1, 2, 3, 4], now: 0)
        XCTAssertFalse(queue.acceptsMore)
        queue.consume(4)
        XCTAssertTrue(queue.acceptsMore)
        XCTAssertEqual(queue.heldBytes, 0)
    }
}
