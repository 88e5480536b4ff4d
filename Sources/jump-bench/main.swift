// Benchmark driver for bench/jump-bench.sh (not part of the product): runs one command on N hosts behind one
// bastion through FleetEngine, as `fleet-audit exec` will once inventories carry `proxy_jump` (another branch).
//
//   jump-bench USER KEY KNOWN_HOSTS BASTION_PORT TARGET_PORTS(comma-separated) N CONCURRENCY CHANNELS CONNECTIONS CMD
import FleetCore
import FleetEngine
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 11, let bastionPort = Int(arguments[4]), let count = Int(arguments[6]),
    let concurrency = Int(arguments[7]), let channels = Int(arguments[8]), let connections = Int(arguments[9])
else {
    FileHandle.standardError.write(
        Data(
            "usage: jump-bench USER KEY KNOWN_HOSTS BASTION_PORT TARGET_PORTS N CONCURRENCY CHANNELS CONNECTIONS CMD\n"
                .utf8))
    exit(2)
}
let (user, key, knownHosts, command) = (arguments[1], arguments[2], arguments[3], arguments[10])
let ports = arguments[5].split(separator: ",").compactMap { Int($0) }
let deadlines = PhaseDeadlines(connect: 30, handshake: 60, authentication: 60, command: 120, host: 600)
let bastion = HostConnection(
    name: "bastion", address: "127.0.0.1", port: bastionPort, user: user,
    authentication: Authentication(identityFile: key), knownHostsFile: knownHosts, deadlines: deadlines)
let jobs = (0..<count).map { index in
    RemoteJob(
        host: HostConnection(
            name: "bench-\(index)", address: "127.0.0.1", port: ports[index % ports.count], user: user,
            authentication: Authentication(identityFile: key), knownHostsFile: knownHosts, deadlines: deadlines,
            jumps: [bastion]),
        command: command)
}
let engine = try FleetEngine(
    configuration: .init(
        concurrency: concurrency, agentSocketPath: nil, environment: [:],
        maxChannelsPerBastionConnection: channels, maxConnectionsPerBastion: connections))
let results = await engine.run(jobs) { _ in }
print("\(results.filter { $0.status == .ok }.count) ok")
for failure in results.compactMap(\.failure).prefix(3) {
    FileHandle.standardError.write(Data("\(failure.errorClass.rawValue): \(failure.message)\n".utf8))
}
