import FleetCore
import Foundation
import Inventory
import RedisFacts
import TestSupport
import XCTest

@testable import Collector

/// The collector script run for real by the local /bin/sh (no SSH), against real redis-server instances, with its
/// output turned into a snapshot by the same code `collect` uses.
final class CollectorScriptTests: XCTestCase {
    private var redisServers: [RedisServer] = []
    private var scratch: TemporaryDirectory!

    override func setUpWithError() throws { scratch = try TemporaryDirectory(prefix: "fleet-audit-script") }

    override func tearDown() {
        redisServers.forEach { $0.stop() }
        scratch?.remove()
    }

    private func redis(_ configuration: [String] = [], includes: [String: String] = [:]) throws -> RedisServer {
        let instance = try RedisServer(configuration: configuration, includes: includes)
        redisServers.append(instance)
        return instance
    }

    private func host(_ redisYAML: String) throws -> InventoryHost { try CollectorScriptRun.host(redisYAML) }

    private func runScript(
        host: InventoryHost, credentials: [CollectorScript.Credential] = [], path: String? = nil,
        limit: Int = CollectorScript.sectionLimit, metadata: String = "off"
    ) throws -> (output: ProcessOutput, token: String) {
        try CollectorScriptRun.run(
            host: host, home: scratch.path, credentials: credentials, path: path, limit: limit, metadata: metadata)
    }

    private func snapshot(
        host: InventoryHost, output: ProcessOutput, token: String, secrets: [String] = []
    ) -> HostSnapshot {
        CollectorScriptRun.snapshot(host: host, output: output, token: token, secrets: secrets)
    }

    func testIncludedFilesAreFollowedAndKeptInOrderWithTheirPaths() throws {
        let directory = try TemporaryDirectory(prefix: "fleet-audit-includes")
        defer { directory.remove() }
        let deeper = try directory.write("maxclients 77\n", to: "deeper.conf")
        let first = try directory.write("maxmemory 32mb\ninclude \(deeper)\n", to: "first.conf")
        let instance = try redis(["include \(first)"])
        let host = try host("[{port: \(instance.port)}]")
        let (output, token) = try runScript(host: host)
        let snapshot = snapshot(host: host, output: output, token: token)
        let found = try XCTUnwrap(snapshot.instances.first { $0.port == instance.port })
        XCTAssertEqual(found.configFiles.map(\.path), [instance.configFile, first, deeper])
        let configuration = RedisConfiguration(
            files: found.configFiles.map { ConfigSourceFile(path: $0.path, text: $0.text) },
            mainFile: instance.configFile)
        XCTAssertEqual(configuration.effective("maxclients")?.value, "77")
        XCTAssertEqual(ConfigGetReply(parsing: found[.configGet]?.text ?? "")["maxclients"], "77", "running value")
        XCTAssertEqual(found[.diskFree]?.exitCode, 0)
        XCTAssertTrue(found[.processRSS]?.text.hasPrefix("VmRSS:") ?? false, found[.processRSS]?.text ?? "nil")
        // The instance's own cgroup limit, read independently here from /proc/<pid>/cgroup.
        let cgroups = try String(contentsOfFile: "/proc/\(instance.pid ?? 0)/cgroup", encoding: .utf8)
        let limitFile = cgroups.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            if parts[1].split(separator: ",").contains("memory") {
                return "/sys/fs/cgroup/memory\(parts[2])/memory.limit_in_bytes"
            }
            return parts[1].isEmpty ? "/sys/fs/cgroup\(parts[2])/memory.max" : nil
        }.first { FileManager.default.isReadableFile(atPath: $0) }
        let expected = try String(contentsOfFile: try XCTUnwrap(limitFile), encoding: .utf8)
        XCTAssertEqual(found[.cgroupMemoryLimit]?.text, expected)
    }

    func testAnACLUserAuthenticatesAndItsPasswordIsStoredNowhere() throws {
        let password = "acl-\(UUID().uuidString)"
        let instance = try redis(["user default off", "user auditor on >\(password) ~* &* +@all"])
        let host = try host("[{port: \(instance.port), username: auditor, password_env: X}]")
        let (output, token) = try runScript(
            host: host,
            credentials: [CollectorScript.Credential(port: instance.port, username: "auditor", password: password)])
        XCTAssertFalse(
            output.stdout.contains("NOAUTH"),
            "the ACL user authenticated: \(output.stdout.split(separator: "\n").filter { $0.contains("NOAUTH") || $0.contains("BEGIN") })"
        )
        let snapshot = snapshot(host: host, output: output, token: token, secrets: [password])
        let found = try XCTUnwrap(snapshot.instances.first { $0.port == instance.port })
        XCTAssertNotNil(RedisInfo(parsing: found[.info]?.text ?? "").version)
        XCTAssertTrue(found[.aclList]?.text.contains("user auditor on") ?? false, found[.aclList]?.text ?? "nil")
        let encoded = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        XCTAssertFalse(encoded.contains(password))
        XCTAssertFalse(encoded.contains(String(password.dropFirst(4))), "no part of the password survives")
    }

    func testWithoutRedisCliOrSsTheHostIsStillDescribedAndTheInstanceSaysWhy() throws {
        let instance = try redis()
        // A PATH holding the usual tools but neither redis-cli, valkey-cli nor ss.
        let bin = try TemporaryDirectory(prefix: "fleet-audit-bin")
        defer { bin.remove() }
        let tools = [
            "sh", "mktemp", "rm", "cat", "wc", "tr", "head", "grep", "sed", "awk", "sort", "hostname", "nproc",
            "sleep", "ps", "df", "timeout", "mkdir", "echo",
        ]
        for tool in tools {
            try FileManager.default.createSymbolicLink(atPath: bin.file(tool), withDestinationPath: "/usr/bin/" + tool)
        }
        let host = try host("[{port: \(instance.port)}]")
        let (output, token) = try runScript(host: host, path: bin.path)
        let snapshot = snapshot(host: host, output: output, token: token)
        XCTAssertNil(snapshot.failure)
        XCTAssertEqual(snapshot[.meminfo]?.exitCode, 0)
        let listening = try XCTUnwrap(snapshot[.listeningSockets])
        XCTAssertTrue(
            listening.text.contains("local_address"), "the /proc/net/tcp fallback: \(listening.text.prefix(200))")
        XCTAssertTrue(listening.text.contains(String(format: ":%04X", instance.port)), "the instance's socket is there")
        let found = try XCTUnwrap(snapshot.instances.first { $0.port == instance.port })
        XCTAssertEqual(found[.info]?.exitCode, 127)
        XCTAssertEqual(found[.info]?.text, "redis-cli: not found\n")
    }

    func testEverySectionIsBoundedAndFlaggedWhenCut() throws {
        let host = try host("[]")
        let (output, token) = try runScript(host: host, limit: 64)
        let sections = SectionStream.sections(output.stdout, token: token, limit: 64)
        let processes = try XCTUnwrap(sections.first { $0.name == .processes })
        XCTAssertLessThanOrEqual(processes.text.utf8.count, 64)
        XCTAssertTrue(processes.truncated)
        let meminfo = try XCTUnwrap(sections.first { $0.name == .meminfo })
        XCTAssertTrue(meminfo.truncated, "/proc/meminfo is longer than 64 bytes")
    }

    func testTheFramingTokenAndTheCollectorItselfStayOutOfTheProcessList() throws {
        let host = try host("[]")
        let (output, token) = try runScript(host: host)
        let sections = SectionStream.sections(output.stdout, token: token, limit: CollectorScript.sectionLimit)
        let processes = try XCTUnwrap(sections.first { $0.name == .processes })
        XCTAssertEqual(processes.exitCode, 0)
        XCTAssertFalse(processes.text.contains(token), "the token is never in argv")
        XCTAssertFalse(processes.text.contains("fleet-audit-collector"), "the collector's own sh is left out")
        XCTAssertGreaterThan(processes.text.split(separator: "\n").count, 1)
    }

    /// Key sampling cannot run unbounded: on a million keys it stops by itself at its key count, and with a count it
    /// cannot reach, at its time bound; names are hashed before anything is kept unless asked for, and shown only
    /// quoted and escaped (a name with a newline, quotes and a terminal escape stays one printable line).
    func testKeySamplingStopsByItselfAtItsCountAndTimeAndHidesHostileNames() throws {
        let instance = try redis(["enable-debug-command local"])
        _ = try instance.cli(["DEBUG", "POPULATE", "1000000"])
        let hostile = "evil\n\"name\"\u{1B}[2J\r"
        _ = try instance.cli(["SETRANGE", hostile, "3000000", "x"])
        let host = try host("[{port: \(instance.port)}]")
        func sample(_ options: CollectionOptions, showNames: Bool = false) throws -> (KeySample, String, Double) {
            let started = Date()
            let (output, token) = try CollectorScriptRun.run(host: host, home: scratch.path, options: options)
            let elapsed = Date().timeIntervalSince(started)
            let result = CommandResult(
                host: host.name, address: "127.0.0.1", port: 22, status: .ok, exitStatus: output.exitCode,
                stdout: Data(output.stdout.utf8), stderr: Data())
            let snapshot = SnapshotBuilder(host: host, knownSecrets: [], showKeyNames: showNames).snapshot(
                from: result, token: token, collectedAt: Date())
            let section = try XCTUnwrap(snapshot.instances.first?[.keySample])
            XCTAssertEqual(section.exitCode, 0, section.text)
            return (try XCTUnwrap(KeySample(parsing: section.text), section.text), section.text, elapsed)
        }
        let counted = try sample(CollectionOptions(syncSampleSeconds: 0, keySampleCount: 500, keySampleSeconds: 10))
        XCTAssertEqual(counted.0.sampled, 500)
        XCTAssertFalse(counted.0.complete, "500 of a million keys is a sample, not the whole")
        XCTAssertTrue(counted.0.keys.allSatisfy { $0.name.hasPrefix("sha256:") }, counted.1)
        XCTAssertFalse(counted.1.contains("key:"), "no name is kept: \(counted.1)")

        let timed = try sample(CollectionOptions(syncSampleSeconds: 0, keySampleCount: 100_000, keySampleSeconds: 1))
        XCTAssertFalse(timed.0.complete)
        XCTAssertLessThan(timed.0.sampled, 100_000)
        XCTAssertGreaterThan(timed.0.sampled, 0)
        // A million keys unbounded would take minutes (10,000 SCAN pages, then 2 commands a key).
        XCTAssertLessThan(timed.2, 20, "the collection with a 1 s key sampling bound took \(timed.2) s")

        // A small instance is sampled whole; the 3 MB key is the largest, its name quoted and escaped when shown.
        let small = try redis()
        _ = try small.cli(["SETRANGE", hostile, "3000000", "x"])
        _ = try small.cli(["SET", "plain", "v"])
        let smallHost = try self.host("[{port: \(small.port)}]")
        let (output, token) = try CollectorScriptRun.run(
            host: smallHost, home: scratch.path, options: CollectionOptions(syncSampleSeconds: 0))
        let result = CommandResult(
            host: smallHost.name, address: "127.0.0.1", port: 22, status: .ok, exitStatus: output.exitCode,
            stdout: Data(output.stdout.utf8), stderr: Data())
        for showNames in [false, true] {
            let snapshot = SnapshotBuilder(host: smallHost, knownSecrets: [], showKeyNames: showNames).snapshot(
                from: result, token: token, collectedAt: Date())
            let text = try XCTUnwrap(snapshot.instances.first?[.keySample]?.text)
            let parsed = try XCTUnwrap(KeySample(parsing: text), text)
            XCTAssertTrue(parsed.complete)
            XCTAssertEqual(parsed.sampled, 2)
            let largest = try XCTUnwrap(parsed.keys.first)
            XCTAssertEqual(largest.type, "string")
            XCTAssertGreaterThan(largest.bytes ?? 0, 3_000_000)
            XCTAssertFalse(text.contains("\u{1B}"), "no terminal escape is kept")
            if showNames {
                XCTAssertEqual(largest.name, #""evil\n\"name\"\x1b[2J\r""#)
                XCTAssertEqual(KeySample.unquote(largest.name), Array(hostile.utf8))
            } else {
                XCTAssertEqual(
                    largest.name, "sha256:" + SHA256.hexDigest(of: Data(hostile.utf8)).prefix(12))
            }
        }
    }

    func testWithoutATokenOnStandardInputTheScriptRefusesToRun() throws {
        let output = try ProcessRunner.run(
            "/bin/sh",
            [
                "-c", CollectorScript.source, "fleet-audit-collector", "m", "off", "100", "10", "32", "none", "0",
                "0,0",
            ],
            environment: ["PATH": "/usr/bin:/bin"], input: Data("not a token!\n".utf8), timeout: 30)
        XCTAssertEqual(output.exitCode, 71)
        XCTAssertEqual(output.stdout, "")
    }

    /// A cluster-mode node: the collector reads CLUSTER NODES (only there), for mapping shards onto the target's.
    func testAClusterNodeHasItsClusterNodesRead() throws {
        let node = try redis(["cluster-enabled yes", "cluster-config-file nodes-\(UUID().uuidString.prefix(8)).conf"])
        let plain = try redis()
        let host = try host("[{port: \(node.port)}, {port: \(plain.port)}]")
        let (output, token) = try runScript(host: host)
        let snapshot = snapshot(host: host, output: output, token: token)
        let clusterNode = try XCTUnwrap(snapshot.instances.first { $0.port == node.port })
        let nodes = try XCTUnwrap(clusterNode[.clusterNodes], "CLUSTER NODES of a cluster node")
        XCTAssertTrue(nodes.text.contains("myself,master"), nodes.text)
        XCTAssertNil(snapshot.instances.first { $0.port == plain.port }?[.clusterNodes], "not asked elsewhere")
    }

    /// IMDSv2 as EC2 serves it (a token from a PUT, then GETs that must carry it), played by a small HTTP responder on
    /// loopback: the inventory's `metadata` URL points the collector at it, so 169.254.169.254 is never contacted.
    func testInstanceMetadataIsReadWithAnIMDSv2TokenFromTheConfiguredEndpoint() throws {
        let port = try FreePort.next()
        let log = scratch.file("imds.log")
        let responder = try scratch.write(
            """
            import http.server, sys
            DATA = {"instance-id": "i-0abc", "instance-type": "r6g.large", "placement/availability-zone": "eu-west-1a",
                    "local-ipv4": "10.1.2.3", "mac": "0a:00:00:00:00:01",
                    "network/interfaces/macs/0a:00:00:00:00:01/vpc-id": "vpc-123",
                    "network/interfaces/macs/0a:00:00:00:00:01/subnet-id": "subnet-9",
                    "network/interfaces/macs/0a:00:00:00:00:01/security-group-ids": "sg-1\\nsg-2"}
            class H(http.server.BaseHTTPRequestHandler):
                def reply(self, code, body=b""):
                    self.send_response(code); self.send_header("Content-Length", str(len(body))); self.end_headers()
                    self.wfile.write(body)
                def do_PUT(self):
                    ok = self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
                    open(sys.argv[2], "a").write("PUT %s\\n" % self.path)
                    self.reply(200, b"t0ken") if ok else self.reply(400)
                def do_GET(self):
                    token = self.headers.get("X-aws-ec2-metadata-token")
                    open(sys.argv[2], "a").write("GET %s %s\\n" % (self.path, token))
                    key = self.path[len("/latest/meta-data/"):]
                    if token != "t0ken": self.reply(401)
                    elif key in DATA: self.reply(200, DATA[key].replace("\\\\n", "\\n").encode())
                    else: self.reply(404)
                def log_message(self, *args): pass
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """, to: "imds.py")
        let server = try ProcessRunner.start("/usr/bin/python3", [responder, String(port), log])
        defer {
            kill(server.processIdentifier, SIGKILL)
            var status: Int32 = 0
            waitpid(server.processIdentifier, &status, 0)
        }
        let deadline = Date().addingTimeInterval(10)
        while !TCPProbe.accepts(host: "127.0.0.1", port: port) && Date() < deadline { usleep(20_000) }

        let host = try host("[]")
        let (output, token) = try runScript(host: host, metadata: "http://127.0.0.1:\(port)")
        let snapshot = snapshot(host: host, output: output, token: token)
        let section = try XCTUnwrap(snapshot[.instanceMetadata])
        XCTAssertEqual(section.exitCode, 0, section.text)
        let metadata = InstanceMetadata(parsing: section.text)
        XCTAssertEqual(metadata.values["instance-id"], "i-0abc")
        XCTAssertEqual(metadata.values["availability-zone"], "eu-west-1a")
        XCTAssertEqual(metadata.values["vpc-id"], "vpc-123")
        XCTAssertEqual(metadata.values["subnet-id"], "subnet-9")
        XCTAssertEqual(metadata.securityGroupIDs, ["sg-1", "sg-2"])
        let requests = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(requests.first, "PUT /latest/api/token", "the token comes first")
        XCTAssertTrue(requests.dropFirst().allSatisfy { $0.hasPrefix("GET ") && $0.hasSuffix(" t0ken") }, "\(requests)")
    }

    func testWithoutAMetadataServiceTheHostIsRecordedAsNotEC2Quickly() throws {
        let closed = try FreePort.next()
        let host = try host("[]")
        let started = Date()
        let (output, token) = try runScript(host: host, metadata: "http://127.0.0.1:\(closed)")
        let section = try XCTUnwrap(snapshot(host: host, output: output, token: token)[.instanceMetadata])
        XCTAssertEqual(section.exitCode, 3)
        XCTAssertEqual(section.text, "no metadata service\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "short timeouts")
    }

    /// redis-cli before 5.0 ignores REDISCLI_AUTH. The stand-in is the real redis-cli behind a wrapper that reports
    /// 4.0.14 and drops the variable, which is exactly how such a client behaves towards the collector.
    func testAnOldRedisCliGetsThePasswordOnItsStandardInputNotItsArguments() throws {
        let password = "old \"cli\" \\ pw-\(UUID().uuidString)"
        // redis.conf's double-quoted form: backslash and quote escaped.
        let quoted = password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let instance = try redis(["requirepass \"\(quoted)\""])
        XCTAssertTrue(try instance.cli(["PING"], password: password).contains("PONG"), "the server took the password")
        let bin = try TemporaryDirectory(prefix: "fleet-audit-oldcli")
        defer { bin.remove() }
        let arguments = bin.file("arguments.log")
        let wrapper = try bin.write(
            """
            #!/bin/sh
            case "$1" in -v|--version) echo "redis-cli 4.0.14"; exit 0 ;; esac
            printf '%s\\n' "$*" >> \(arguments)
            unset REDISCLI_AUTH
            exec /usr/bin/redis-cli "$@"
            """, to: "redis-cli")
        chmod(wrapper, 0o755)
        let host = try host("[{port: \(instance.port), password_env: X}]")
        let (output, token) = try runScript(
            host: host, credentials: [CollectorScript.Credential(port: instance.port, password: password)],
            path: bin.path + ":/usr/bin:/bin")
        let snapshot = snapshot(host: host, output: output, token: token, secrets: [password])
        let found = try XCTUnwrap(snapshot.instances.first { $0.port == instance.port })
        XCTAssertEqual(RedisInfo(parsing: found[.info]?.text ?? "").version?.description, "7.0.15")
        XCTAssertEqual(ConfigGetReply(parsing: found[.configGet]?.text ?? "")["requirepass"], "<redacted>")
        XCTAssertEqual(found.configFiles.first?.path, instance.configFile, "INFO server answered too")
        let seen = try String(contentsOfFile: arguments, encoding: .utf8)
        XCTAssertFalse(seen.contains("pw-"), "no redis-cli was given the password as an argument")
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self).contains("pw-"))
    }
}
