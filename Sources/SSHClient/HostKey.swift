import FleetCore
import Foundation

/// A server's public host key: its algorithm name and the raw key blob as sent in the SSH protocol (RFC 4253 §6.6).
public struct HostKey: Sendable, Hashable {
    /// Algorithm name as known_hosts spells it, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`.
    public var type: String
    public var blob: [UInt8]

    public init(type: String, blob: [UInt8]) {
        self.type = type
        self.blob = blob
    }

    /// The blob in base64, as the third field of a known_hosts line.
    public var base64: String { Data(blob).base64EncodedString() }

    /// OpenSSH's fingerprint form, `SHA256:` and unpadded base64, as `ssh-keygen -lf` prints it.
    public var fingerprint: String {
        let digest = Data(SHA256.digest(of: Data(blob))).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// The algorithm name stored inside the blob (an SSH string: 4-byte length, then the name).
    static func typeName(inBlob blob: [UInt8]) -> String? {
        guard blob.count >= 4 else { return nil }
        let length = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
        guard length > 0, length < 64, blob.count >= 4 + length else { return nil }
        return String(decoding: blob[4..<(4 + length)], as: UTF8.self)
    }
}
