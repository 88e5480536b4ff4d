// swift-tools-version:6.0
// libFuzzer targets for fleet-audit, apart from the main package so that its `swift build` and `swift test` never
// need the fuzzer runtime. Each executable links one entry point of Sources/FuzzTargets (the entry points that
// Tests/FuzzRegressionTests replays). Build and run them with `make fuzz` (docs/security.md):
//   cd Fuzz && swift build -Xswiftc -sanitize=fuzzer,address --build-path ../.build-fuzz
import PackageDescription

/// One executable per `FuzzTarget` case, named `fuzz-<raw value>`.
let targets = [
    "section-stream", "info", "redis-conf", "config-get", "client-list", "acl-list", "known-hosts", "inventory",
    "ansible-inventory", "ec2-instances", "target", "evaluator", "rules",
]

let package = Package(
    name: "fleet-audit-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "fleet-audit", path: "..")],
    targets: [.target(name: "CFuzzerDriver")]
        + targets.map { name in
            .executableTarget(
                name: "fuzz-\(name)",
                dependencies: ["CFuzzerDriver", .product(name: "FuzzTargets", package: "fleet-audit")])
        }
)
