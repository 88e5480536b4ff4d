import Foundation
import YAMLInput

#if canImport(Glibc)
    import Glibc
#endif

/// Hosts read from the output of `aws ec2 describe-instances` (JSON), so an inventory need not list every host.
///
/// Selected by the inventory's `ec2_instances` entries; each instance becomes a host with its private address,
/// VPC, security groups and tags, and the inventory's defaults for everything SSH needs.
struct EC2InstancesSource {
    /// Path of the JSON file.
    var file: String
    /// Tag whose value names the host (default `Name`); the instance id when the tag is missing.
    var nameTag: String
    /// `private` (default: what ElastiCache will connect to) or `public`.
    var useAddress: AddressKind
    /// Only instances carrying every one of these tags (values are shell globs).
    var requiredTags: [String: String]

    enum AddressKind: String, CaseIterable {
        case `private`
        case `public`
        /// The instance id (`i-0abc...`), for a ProxyCommand such as AWS Systems Manager's that takes it as `%h`.
        case instanceID = "instance-id"
    }

    /// One EC2 instance, as much of it as an inventory needs.
    struct Instance {
        var instanceID: String
        var name: String
        var address: String
        var vpcID: String?
        var securityGroupIDs: [String]
        var tags: [String: String]
        var line: Int?
    }

    /// Reads the running instances that match. JSON is YAML, so errors keep their line numbers.
    func instances() throws(YAMLFileError) -> [Instance] {
        let root = try YAMLNode.load(path: file)
        let top = try root.mappingEntries()
        guard let reservations = top.first(where: { $0.key == "Reservations" })?.value else {
            throw root.error("not `aws ec2 describe-instances` output: no 'Reservations' key")
        }
        var found: [Instance] = []
        for reservation in try reservations.sequence() {
            let fields = try reservation.mappingEntries()
            guard let instances = fields.first(where: { $0.key == "Instances" })?.value else { continue }
            for instanceNode in try instances.sequence() {
                if let instance = try instance(from: instanceNode) { found.append(instance) }
            }
        }
        return uniquelyNamed(found)
    }

    private func instance(from node: YAMLNode) throws(YAMLFileError) -> Instance? {
        let fields = Dictionary(
            try node.mappingEntries().map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let idNode = fields["InstanceId"] else { throw node.error("an instance without 'InstanceId'") }
        let instanceID = try idNode.nonEmptyString()
        if let state = fields["State"], let stateName = try state.mappingEntries().first(where: { $0.key == "Name" }) {
            // Stopped or terminated instances cannot be audited; they are not hosts of this run.
            guard try stateName.value.string() == "running" else { return nil }
        }
        var tags: [String: String] = [:]
        if let tagList = fields["Tags"] {
            for tag in try tagList.sequence() {
                let pair = Dictionary(
                    try tag.mappingEntries().map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
                if let key = try pair["Key"]?.string(), let value = try pair["Value"]?.string() { tags[key] = value }
            }
        }
        for (key, pattern) in requiredTags {
            guard let value = tags[key], fnmatch(pattern, value, 0) == 0 else { return nil }
        }
        let address: String
        if useAddress == .instanceID {
            address = instanceID
        } else {
            let addressKey = useAddress == .private ? "PrivateIpAddress" : "PublicIpAddress"
            guard let found = try fields[addressKey]?.string(), !found.isEmpty else {
                throw node.error("instance \(instanceID) has no \(addressKey)")
            }
            address = found
        }
        var securityGroups: [String] = []
        if let groups = fields["SecurityGroups"] {
            for group in try groups.sequence() {
                if let id = try group.mappingEntries().first(where: { $0.key == "GroupId" })?.value.string() {
                    securityGroups.append(id)
                }
            }
        }
        return Instance(
            instanceID: instanceID, name: Self.safeName(tags[nameTag] ?? instanceID), address: address,
            vpcID: try fields["VpcId"]?.string(), securityGroupIDs: securityGroups, tags: tags, line: node.line)
    }

    /// Host names become file names: keep a safe alphabet, and append the instance id where names repeat.
    private func uniquelyNamed(_ instances: [Instance]) -> [Instance] {
        var counts: [String: Int] = [:]
        for instance in instances { counts[instance.name, default: 0] += 1 }
        return instances.map { instance in
            var renamed = instance
            if counts[instance.name, default: 0] > 1 { renamed.name = instance.name + "-" + instance.instanceID }
            return renamed
        }
    }

    static func safeName(_ text: String) -> String {
        let mapped = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        return mapped.hasPrefix(".") ? "-" + mapped.dropFirst() : mapped
    }
}
