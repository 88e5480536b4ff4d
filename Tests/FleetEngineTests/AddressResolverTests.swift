import Foundation
import XCTest

@testable import FleetEngine

#if canImport(Glibc)
    import Glibc
#endif

/// The resolver on this machine's own resolver (loopback names and literals only: no query leaves the host).
final class AddressResolverTests: XCTestCase {
    private func ipv4(_ outcome: AddressResolver.Outcome?) -> String? {
        guard case .resolved(let resolved)? = outcome, resolved.family == AF_INET else { return nil }
        var storage = resolved.storage
        return withUnsafeBytes(of: &storage) { raw in
            raw.withMemoryRebound(to: sockaddr_in.self) { address in
                var bytes = address[0].sin_addr
                var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                guard inet_ntop(AF_INET, &bytes, &text, socklen_t(text.count)) != nil else { return nil }
                return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }

    func testMoreNamesThanThreadsAreEachResolvedOnceToTheirOwnAddress() async {
        let names = (1...40).map { "127.0.0.\($0)" }
        let resolved = await AddressResolver.resolve(names + names.prefix(10), parallelism: 3)
        XCTAssertEqual(Set(resolved.keys), Set(names), "one outcome per distinct name")
        for name in names { XCTAssertEqual(ipv4(resolved[name]), name) }
    }

    func testANameFromTheHostsFilePrefersIPv4AndAnIPv6LiteralStaysIPv6() async {
        let resolved = await AddressResolver.resolve(["localhost", "::1"])
        XCTAssertEqual(ipv4(resolved["localhost"]), "127.0.0.1")
        guard case .resolved(let loopback6)? = resolved["::1"] else {
            return XCTFail("::1 not resolved: \(String(describing: resolved["::1"]))")
        }
        XCTAssertEqual(loopback6.family, AF_INET6)
    }

    func testNoNamesNeedNoThread() async {
        let resolved = await AddressResolver.resolve([])
        XCTAssertTrue(resolved.isEmpty)
    }
}
