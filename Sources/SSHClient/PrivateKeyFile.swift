import Foundation

/// What a private key file holds, read without decrypting it: enough to explain an authentication failure.
public struct PrivateKeyFile: Sendable, Hashable {
    public enum Algorithm: String, Sendable {
        case ed25519
        case ecdsa
        case rsa
        case dsa
        case unknown
    }

    public var path: String
    public var algorithm: Algorithm
    public var isEncrypted: Bool

    /// Reads the file's armour and, for the OpenSSH format, the key type and cipher from its header
    /// (PROTOCOL.key: "openssh-key-v1\0", cipher name, kdf name, kdf options, key count, public key blob).
    public static func inspect(path: String) -> PrivateKeyFile? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        if text.contains("BEGIN RSA PRIVATE KEY") {
            return PrivateKeyFile(path: path, algorithm: .rsa, isEncrypted: text.contains("ENCRYPTED"))
        }
        if text.contains("BEGIN EC PRIVATE KEY") {
            return PrivateKeyFile(path: path, algorithm: .ecdsa, isEncrypted: text.contains("ENCRYPTED"))
        }
        if text.contains("BEGIN DSA PRIVATE KEY") {
            return PrivateKeyFile(path: path, algorithm: .dsa, isEncrypted: text.contains("ENCRYPTED"))
        }
        guard text.contains("BEGIN OPENSSH PRIVATE KEY") else {
            return PrivateKeyFile(path: path, algorithm: .unknown, isEncrypted: text.contains("ENCRYPTED"))
        }
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else {
            return PrivateKeyFile(path: path, algorithm: .unknown, isEncrypted: false)
        }
        let bytes = [UInt8](data.prefix(512))
        let header = String(decoding: bytes, as: UTF8.self)
        let algorithm: Algorithm =
            header.contains("ssh-ed25519")
            ? .ed25519
            : header.contains("ecdsa-sha2")
                ? .ecdsa
                : header.contains("ssh-rsa")
                    ? .rsa
                    : header.contains("ssh-dss") ? .dsa : .unknown
        return PrivateKeyFile(path: path, algorithm: algorithm, isEncrypted: !header.contains("none\0\0\0\u{4}none"))
    }
}
