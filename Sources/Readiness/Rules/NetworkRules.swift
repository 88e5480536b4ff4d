import FleetCore
import RedisFacts

extension CheckID {
    /// Source reachable on a private IPv4 address.
    public static let networkPrivateIp: CheckID = "network.private-ip"
}

/// network.private-ip: ElastiCache connects to the source over a private (RFC 1918) IPv4 address.
struct NetworkPrivateIPRule: InstanceRule {
    let id = CheckID.networkPrivateIp
    let title = "Source reachable on a private IPv4 address"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        let candidate = context.metadata?.localIPv4 ?? context.host.host.address
        let source = context.metadata?.localIPv4 != nil ? "instance metadata local-ipv4" : "inventory address"
        let evidence = [Evidence(source: source, observed: candidate)]
        guard let address = IPv4Address(candidate) else {
            let onHost = context.interfaceAddresses.compactMap(IPv4Address.init).first { $0.isPrivate }
            if let onHost {
                return result(
                    .pass, "The host has the private address \(onHost).",
                    evidence + [Evidence(source: "ip addr", observed: onHost.description)])
            }
            return result(
                .unknown, "\(candidate) is not an IPv4 address and no private address was seen on the host.", evidence)
        }
        return address.isPrivate
            ? result(.pass, "\(address) is a private address.", evidence)
            : result(
                .fail, "\(address) is not a private (RFC 1918) address.", evidence,
                remediation:
                    "Give the instance a private address in the VPC (ElastiCache replicates over private addressing only)."
            )
    }
}

extension CheckID {
    /// Same VPC as the target.
    public static let networkVpc: CheckID = "network.vpc"
}

/// network.vpc: same VPC as the target, or peering is needed.
struct NetworkVPCRule: InstanceRule {
    let id = CheckID.networkVpc
    let title = "Same VPC as the target"
    let severity = Severity.warning

    func evaluate(_ context: InstanceContext) -> CheckResult {
        let hostVPC = context.metadata?.vpcID ?? context.host.host.vpcID
        let source = context.metadata?.vpcID != nil ? "instance metadata vpc-id" : "inventory vpc_id"
        guard let hostVPC, let targetVPC = context.target.vpcID else {
            return result(
                .unknown,
                "Neither the instance metadata nor the inventory tells the host's VPC, or the target has none.", [],
                remediation: "Set vpc_id for the host in the inventory, or enable instance metadata access.")
        }
        let evidence = [
            Evidence(source: source, observed: hostVPC),
            Evidence(source: "\(context.target.source) vpc_id", observed: targetVPC),
        ]
        return hostVPC == targetVPC
            ? result(.pass, "Both in \(targetVPC).", evidence)
            : result(
                .warn, "The host is in \(hostVPC), the target in \(targetVPC).", evidence,
                remediation:
                    "Set up VPC peering between \(hostVPC) and \(targetVPC), with routes and security group rules both ways."
            )
    }
}

extension CheckID {
    /// Inbound traffic to the Redis port allowed.
    public static let networkSecurityGroup: CheckID = "network.security-group"
}

/// network.security-group: nothing on the host drops the Redis port (cloud security groups need AWS data).
struct NetworkSecurityGroupRule: InstanceRule {
    let id = CheckID.networkSecurityGroup
    let title = "Inbound traffic to the Redis port allowed"
    let severity = Severity.blocker

    func evaluate(_ context: InstanceContext) -> CheckResult {
        let port = context.instance.port
        if let rules = context.hostFacts.firewall {
            let blocking = FirewallRules.rulesBlocking(port: port, in: rules)
            if !blocking.isEmpty {
                return result(
                    .fail, "A host firewall rule drops port \(port).",
                    blocking.map { Evidence(source: "iptables -S", observed: $0) },
                    remediation:
                        "Allow TCP \(port) from the target subnets (\(context.target.subnetCIDRs.joined(separator: ", "))) before the drop rule."
                )
            }
        }
        let groups = context.metadata?.securityGroupIDs ?? context.host.host.securityGroupIDs
        let target = context.target
        let described = groups.filter { target.sourceSecurityGroups[$0] != nil }
        var evidence = [
            Evidence(source: "security groups", observed: groups.isEmpty ? "unknown" : groups.joined(separator: ", "))
        ]
        for group in described {
            let rules = target.sourceSecurityGroups[group] ?? []
            if rules.contains(where: {
                $0.allows(port: port, fromSubnets: target.subnetCIDRs, orGroups: target.securityGroupIDs)
            }) {
                evidence.append(
                    Evidence(source: "\(target.source) source_security_groups.\(group)", observed: "allows TCP \(port)")
                )
                // The host's own firewall may still drop the port: a pass needs its rules, which a login user
                // without root may not list.
                if context.hostFacts.access.firewallDenied {
                    evidence.append(Evidence(source: "iptables -S", observed: "not readable as the login user"))
                    return result(
                        .unknown,
                        "\(group) allows TCP \(port), but the host firewall rules were not read: readable only by "
                            + "root: add become: sudo, or grant read access.",
                        evidence,
                        remediation:
                            "List the host's firewall rules: add become: sudo with the sudoers rule of "
                            + "docs/collector.md#privilege, or check by hand that nothing drops TCP \(port).")
                }
                return result(.pass, "\(group) allows TCP \(port) from the target.", evidence)
            }
        }
        let remediation =
            "Allow inbound TCP \(port) on \(groups.isEmpty ? "the host's security groups" : groups.joined(separator: ", ")) from \(target.subnetCIDRs.isEmpty ? "the target's subnets" : target.subnetCIDRs.joined(separator: ", "))\(target.securityGroupIDs.isEmpty ? "" : " or security group " + target.securityGroupIDs.joined(separator: ", "))."
        if !groups.isEmpty && described.count == groups.count {
            return result(
                .fail, "No inbound rule of \(groups.joined(separator: ", ")) lets the target reach port \(port).",
                evidence, remediation: remediation)
        }
        return result(
            .unknown, "No host firewall rule drops port \(port); the security groups' inbound rules are not known.",
            evidence,
            remediation:
                "Describe the host's security groups in the target file (source_security_groups), or verify by hand: "
                + remediation)
    }
}

extension CheckID {
    /// Dataset.
    public static let infoDataset: CheckID = "info.dataset"
}

/// info.dataset: what moves, and how long the full sync should take.
struct InfoDatasetRule: InstanceRule {
    let id = CheckID.infoDataset
    let title = "Dataset"
    let severity = Severity.info

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard let used = context.usedMemory, let seconds = context.estimatedSyncSeconds else {
            return missingCount("used_memory", context)
        }
        let keyspace = context.info.keyspace
        let evidence =
            [context.infoEvidence("used_memory")]
            + keyspace.map {
                Evidence(
                    source: "INFO keyspace.db\($0.index)",
                    observed: "keys=\($0.keys.map(String.init) ?? "?"),expires=\($0.expires.map(String.init) ?? "?")")
            }
        // Two databases near Int64.max keys each do not sum: the key count is unknown, not a trap.
        guard let keys = InstanceContext.total(keyspace.map(\.keys)) else {
            return outOfRange("the key count (a database's keys=, or their sum beyond Int64)", evidence)
        }
        return result(
            .pass,
            "\(Format.bytes(used)), \(keys) keys in \(keyspace.count) database(s); full sync about \(Format.number(seconds)) s.",
            evidence)
    }
}

extension CheckID {
    /// Connected clients.
    public static let infoClients: CheckID = "info.clients"
}

/// info.clients: the applications to repoint at cut-over.
struct InfoClientsRule: InstanceRule {
    let id = CheckID.infoClients
    let title = "Connected clients"
    let severity = Severity.info

    func evaluate(_ context: InstanceContext) -> CheckResult {
        guard context.clientsWereRead, context.answered else { return silent(context) }
        let addresses = Set(context.clients.compactMap(\.ip)).sorted()
        return result(
            .pass, "\(context.info.connectedClients ?? 0) client(s) from \(addresses.count) address(es).",
            addresses.prefix(20).map { Evidence(source: "CLIENT LIST", observed: $0) })
    }
}
