// swift-tools-version:6.0
// fleet-audit: which self-managed Redis servers on EC2 are ready to move to Amazon ElastiCache, and in what order.
//
// Direction of dependencies (never the other way), as the imports are (scripts/check-imports.py checks it in CI):
//   fleet-audit -> AuditPipeline -> Collector, Readiness, Reports, History, Inventory (the pipeline and exit statuses)
//   Collector -> RedisFacts, Inventory -> YAMLInput;  Readiness -> RedisFacts, YAMLInput
//   fleet-audit -> FleetEngine -> SSHClient -> CLibSSH2;  fleet-audit -> History -> Reports, RunComparison, Collector
//   Reports -> Planning, RunComparison: every renderer (audit and plan) reads the verdict, plan and run-change models.
//   Planning and RunComparison are pure algorithms over FleetCore.  fleet-lab -> LabKit -> YAMLInput.
//   FleetCore (value types: hosts, snapshots, stored runs, verdicts) is the leaf every module uses; YAMLInput holds
//   only the YAML reading helpers, over Yams.
import PackageDescription

let package = Package(
    name: "fleet-audit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fleet-audit", targets: ["fleet-audit"]),
        .executable(name: "fleet-lab", targets: ["fleet-lab"]),
        // For Fuzz/Package.swift: the fuzz targets' entry points, which the regression tests replay too.
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C: Debian's libssh2-1-dev, as little C as possible (static inline wrappers for function-like macros).
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        // The only Swift code that touches libssh2.
        .target(name: "SSHClient", dependencies: ["CLibSSH2", "FleetCore"]),
        // Value types shared by every layer: hosts to reach, command results, failure classes, snapshots, check statuses.
        .target(name: "FleetCore"),
        // Many sessions at once on one event loop, deadlines per phase, classified results.
        .target(
            name: "FleetEngine",
            dependencies: ["SSHClient", "FleetCore", .product(name: "Logging", package: "swift-log")]
        ),
        // Reading YAML input files node by node, so every error names the file, the line and the field.
        .target(name: "YAMLInput", dependencies: ["Yams"]),
        // Inventory model, its loaders (YAML, Ansible, EC2 JSON, ssh_config), host selection.
        .target(name: "Inventory", dependencies: ["FleetCore", "YAMLInput"]),
        // Pure parsers of real program output: INFO, redis.conf, CONFIG GET, CLIENT LIST, /proc, ip. No I/O.
        .target(name: "RedisFacts", dependencies: ["FleetCore"]),
        // The collector script, running it over an executor, snapshots, raw evidence, redaction, the run store.
        .target(
            name: "Collector",
            dependencies: [
                "FleetCore", "RedisFacts", "Inventory", .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")]
        ),
        // Target model, requirement profiles, one rule per check id, waivers, roll-up and ranking.
        .target(name: "Readiness", dependencies: ["FleetCore", "RedisFacts", "YAMLInput"]),
        // What changed between two evaluated runs, and the points of a readiness trend: pure, over the verdict model.
        .target(name: "RunComparison", dependencies: ["FleetCore"]),
        // One report model, one renderer per format (the audit's and the plan's).
        .target(name: "Reports", dependencies: ["FleetCore", "RunComparison", "Planning"]),
        // SQLite history of runs, diffs between runs, trends.
        .target(
            name: "History",
            dependencies: [
                "Reports", "RunComparison", "Collector", "FleetCore", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The audit as one library call (collect -> evaluate -> report -> record) returning a classified outcome, and
        // the one function that turns an outcome into the exit status.
        .target(
            name: "AuditPipeline",
            dependencies: [
                "FleetCore", "Inventory", "Collector", "Readiness", "Reports", "RunComparison", "History",
            ]
        ),
        // Migration waves and the remediation backlog: the algorithm only (its formats are in Reports/Plan).
        .target(name: "Planning", dependencies: ["FleetCore"]),
        // The test fleet: network namespaces with sshd, redis-server and instance metadata.
        .target(name: "LabKit", dependencies: ["YAMLInput", "FleetCore"]),
        .executableTarget(
            name: "fleet-audit",
            dependencies: [
                "AuditPipeline", "FleetCore", "Inventory", "FleetEngine", "Collector", "Readiness", "Reports", "History",
                "Planning", "RunComparison", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Entry points of the libFuzzer targets (built in Fuzz/, docs/security.md), replayed by unit tests.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "FleetCore", "RedisFacts", "Collector", "Inventory", "SSHClient", "Readiness", "Reports", "Planning",
                "RunComparison",
            ]
        ),
        .executableTarget(
            name: "fleet-lab",
            dependencies: ["LabKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Tests: one target per module; TestSupport starts real sshd and redis-server processes.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SSHClientTests", dependencies: ["SSHClient", "TestSupport"]),
        .testTarget(name: "FleetEngineTests", dependencies: ["FleetEngine", "FleetCore", "TestSupport"]),
        .testTarget(name: "FleetCoreTests", dependencies: ["FleetCore", "TestSupport"]),
        .testTarget(
            name: "InventoryTests", dependencies: ["Inventory", "YAMLInput", "FleetCore", "TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "RedisFactsTests", dependencies: ["RedisFacts"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "CollectorTests",
            dependencies: [
                "Collector", "FleetEngine", "FleetCore", "Inventory", "RedisFacts", "Readiness", "TestSupport",
            ]),
        .testTarget(
            name: "ReadinessTests", dependencies: ["Readiness", "FleetCore", "YAMLInput", "RedisFacts", "TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "ReportsTests", dependencies: ["Reports", "RunComparison", "FleetCore", "TestSupport"],
            exclude: ["Golden"]),
        .testTarget(
            name: "HistoryTests",
            dependencies: [
                "History", "Reports", "RunComparison", "Collector", "FleetCore", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Golden"]),
        .testTarget(
            name: "PlanningTests", dependencies: ["Planning", "Reports", "FleetCore", "TestSupport"], exclude: ["Golden"]),
        // Replays the seeds and every crash the fuzzers found (Fuzz/corpus, Fuzz/regressions) in every test run.
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets", "FleetCore"]),
        .testTarget(
            name: "LabKitTests",
            dependencies: ["LabKit", "Inventory", "YAMLInput", "Collector", "RedisFacts", "FleetCore", "TestSupport"],
            exclude: ["Corpus"]),
        .testTarget(
            name: "AuditPipelineTests",
            dependencies: [
                "AuditPipeline", "Collector", "FleetCore", "FleetEngine", "Inventory", "Readiness", "Reports",
                "TestSupport",
            ]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
    ]
)
