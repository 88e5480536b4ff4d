import FleetCore
import Foundation
import Inventory
import Logging
import Synchronization

/// Collects everything the readiness checks need from every selected host, in parallel, and stores it as a run.
///
/// One exec channel per host runs the collector script (no extra round trip over a bare `exec`); passwords travel
/// on that channel's standard input. Each host's snapshot is written as soon as the host finishes.
public struct Collector: Sendable {
    let executor: any RemoteExecutor
    let store: RunStore
    let logger: Logger
    /// What to sample beyond the fixed reads (write rates, keys), and whether key names are kept.
    let options: CollectionOptions

    public init(
        executor: any RemoteExecutor, store: RunStore, logger: Logger = Logger(label: "fleet-audit.collector"),
        options: CollectionOptions = CollectionOptions()
    ) {
        self.executor = executor
        self.store = store
        self.logger = logger
        self.options = options
    }

    /// A run's outcome: where it is, its manifest, every snapshot.
    public struct Collection: Sendable {
        public var run: RunStore.Run
        public var manifest: RunManifest
        public var snapshots: [HostSnapshot]
        /// Files that could not be written (the run is then incomplete on disk).
        public var storeErrors: [String]
    }

    /// Why a collection could not start: the input (a password the inventory names cannot be used), or the
    /// environment (the run directory cannot be created or written). The CLI maps the kind to its exit status.
    public struct CollectionError: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable { case input, environment }
        public var kind: Kind = .input
        public var description: String
    }

    /// Collects from `hosts` of `inventory`; `onHost` sees each snapshot as it is stored.
    public func collect(
        inventory: Inventory, hosts: [InventoryHost],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        onHost: @escaping @Sendable (HostSnapshot) -> Void = { _ in }
    ) async throws(CollectionError) -> Collection {
        // Every secret reference must resolve before anything runs: a missing one is an input error.
        var secretsByHost: [String: [CollectorScript.Credential]] = [:]
        for host in hosts {
            for spec in host.redis {
                do {
                    if let password = try spec.resolvePassword(environment: environment) {
                        guard !password.contains("\n") else {
                            throw CollectionError(
                                description: "\(host.name): the password for port \(spec.port) spans lines")
                        }
                        if let username = spec.username, username.contains(where: \.isWhitespace) {
                            throw CollectionError(
                                description: "\(host.name): the Redis username for port \(spec.port) holds a space")
                        }
                        secretsByHost[host.name, default: []].append(
                            CollectorScript.Credential(port: spec.port, username: spec.username, password: password))
                    }
                } catch let error as SecretError {
                    throw CollectionError(description: "\(host.name): \(error.description)")
                } catch let error as CollectionError {
                    throw error
                } catch {
                    throw CollectionError(description: "\(host.name): \(error)")
                }
            }
        }
        let run: RunStore.Run
        do {
            run = try store.startRun()
        } catch {
            throw CollectionError(kind: .environment, description: error.description)
        }
        let startedAt = Date()
        var manifest = RunManifest(
            schema: RunStore.manifestSchema, runID: run.id, toolVersion: FleetAuditVersion.current,
            inventoryPath: inventory.sourcePath, inventoryDigest: inventory.digest, startedAt: startedAt, endedAt: nil,
            complete: false, hostKeysVerified: !hosts.contains { $0.hostKeyChecking == .off }, hosts: [],
            plannedHosts: hosts.map(\.name))
        // The first manifest says which hosts were planned: a run killed before the end still names them. A failure
        // to write it is the store's problem, reported with the others, never dropped.
        var firstManifestError: String?
        do {
            try run.writeManifest(manifest)
        } catch {
            firstManifestError = error.description
        }

        let passwordsByHost = secretsByHost.mapValues { $0.map(\.password) }
        let credentialPortsByHost = secretsByHost.mapValues { Set($0.map(\.port)) }
        let token = CollectorScript.newToken()
        let marker = CollectorScript.newToken()
        // Inventory names are unique (the parser rejects repeats); a caller passing a repeat gets the first, not a trap.
        let hostsByName = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let jobs = hosts.map { host in
            RemoteJob(
                host: host.connection,
                command: CollectorScript.commandLine(marker: marker, host: host, options: options),
                standardInput: CollectorScript.standardInput(
                    token: token, credentials: secretsByHost[host.name, default: []]),
                outputLimit: CollectorScript.hostOutputLimit, totalOutputLimit: CollectorScript.hostOutputLimit)
        }
        let stored = Mutex<(snapshots: [String: HostSnapshot], errors: [String])>(([:], []))
        let logger = logger
        let showKeyNames = options.showKeyNames
        // Results are handed over one at a time and never retained: memory is bounded by the sessions in flight.
        await executor.forEachResult(of: jobs) { result in
            guard let host = hostsByName[result.host] else { return }
            let builder = SnapshotBuilder(
                host: host, knownSecrets: passwordsByHost[host.name, default: []],
                credentialPorts: credentialPortsByHost[host.name, default: []], showKeyNames: showKeyNames)
            let snapshot = builder.snapshot(from: result, token: token, collectedAt: Date())
            var storeError: String?
            do {
                try run.record(snapshot)
            } catch {
                storeError = "\(error)"
                logger.error("cannot store a snapshot", metadata: ["host": "\(host.name)"])
            }
            stored.withLock { state in
                state.snapshots[host.name] = snapshot
                if let storeError { state.errors.append(storeError) }
            }
            onHost(snapshot)
        }
        let (snapshotsByName, errors) = stored.withLock { ($0.snapshots, $0.errors) }
        let snapshots = hosts.compactMap { snapshotsByName[$0.name] }
        manifest.hosts = snapshots.map { snapshot in
            RunManifest.HostOutcome(
                name: snapshot.host.name, address: snapshot.host.address,
                outcome: snapshot.failure == nil ? "collected" : "unreachable",
                errorClass: snapshot.failure?.errorClass.rawValue, phase: snapshot.failure?.phase?.rawValue,
                message: snapshot.failure?.message, instances: snapshot.instances.count)
        }
        manifest.endedAt = Date()
        manifest.complete = errors.isEmpty && snapshots.count == hosts.count
        manifest.hostKeysVerified = !snapshots.contains { $0.hostKeyUnverified }
        var allErrors = (firstManifestError.map { [$0] } ?? []) + errors
        do {
            try run.writeManifest(manifest)
        } catch {
            allErrors.append(error.description)
        }
        return Collection(run: run, manifest: manifest, snapshots: snapshots, storeErrors: allErrors)
    }
}
