import XCTest

// Placeholder so the target builds; replaced by real tests.
final class RedisFactsTestsPlaceholder: XCTestCase {}
