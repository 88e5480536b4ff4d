import FleetCore
import Foundation
import Inventory
import TestSupport
import XCTest

@testable import Collector

/// collector.sh run for real by the local /bin/sh (no SSH) with the argv and standard input `collect` sends, and its
/// output turned into a snapshot by the same code `collect` uses.
enum CollectorScriptRun {
    static func host(_ redisYAML: String) throws -> InventoryHost {
        let yaml = """
            defaults: {user: nobody, metadata: off}
            hosts:
              - name: local
                address: 127.0.0.1
                redis: \(redisYAML)
            """
        return try XCTUnwrap(try Inventory.parse(yaml, file: "inventory.yaml", baseDirectory: "/").hosts.first)
    }

    static func run(
        host: InventoryHost, home: String, credentials: [CollectorScript.Credential] = [], path: String? = nil,
        limit: Int = CollectorScript.sectionLimit, metadata: String = "off", deadline: Int = 50,
        timeout: Double = 60, asUser user: String? = nil,
        options: CollectionOptions = CollectionOptions(syncSampleSeconds: 0, keySampleCount: 0)
    ) throws -> (output: ProcessOutput, token: String) {
        let token = CollectorScript.newToken()
        let marker = CollectorScript.newToken()
        var listed = host
        if metadata != "off" { listed.metadata = .url(metadata) }
        let arguments =
            ["-c", CollectorScript.source, "fleet-audit-collector"]
            + CollectorScript.arguments(
                marker: marker, host: listed, sectionLimit: limit, deadline: deadline, options: options)
        var environment = ["HOME": home, "LC_ALL": "C"]
        environment["PATH"] = path ?? "/usr/local/bin:/usr/bin:/bin"
        // As another user: setpriv execs sh directly, as `ssh user@host` would start it, without root's groups.
        let (program, programArguments) =
            user.map {
                (
                    "/usr/bin/setpriv",
                    ["--reuid=\($0)", "--regid=\($0 == "nobody" ? "nogroup" : $0)", "--clear-groups", "/bin/sh"]
                        + arguments
                )
            }
            ?? ("/bin/sh", arguments)
        let output = try ProcessRunner.run(
            program, programArguments, environment: environment,
            input: CollectorScript.standardInput(token: token, credentials: credentials), timeout: timeout)
        XCTAssertFalse(output.timedOut)
        return (output, token)
    }

    static func snapshot(
        host: InventoryHost, output: ProcessOutput, token: String, secrets: [String] = []
    ) -> HostSnapshot {
        let result = CommandResult(
            host: host.name, address: host.connection.address, port: 22, status: .ok,
            exitStatus: output.exitCode, stdout: Data(output.stdout.utf8), stderr: Data(output.stderr.utf8))
        return SnapshotBuilder(host: host, knownSecrets: secrets).snapshot(
            from: result, token: token, collectedAt: Date())
    }
}
