import CLibSSH2
import Foundation

/// A private key decoded once and kept for the whole run, so that each session signs with it instead of having
/// libssh2 read and decode the file again (`_fromfile` spent ~45% of the client's CPU in OpenSSL 3's decoder set-up).
///
/// Only unencrypted ed25519 and ecdsa keys in the OpenSSH format (what `ssh-keygen` writes) are decoded here; every
/// other key (encrypted, RSA, PEM) keeps going through libssh2's `_fromfile`. Not `Sendable`: it holds an
/// OpenSSL handle and lives on one loop's thread, like the sessions that use it.
public final class DecodedPrivateKey {
    enum Kind {
        case ed25519
        case ecdsa
    }

    /// The key's public half as an SSH blob (RFC 8709 §4, RFC 5656 §3.1), as sent to the server.
    public let publicKeyBlob: [UInt8]
    let kind: Kind
    let key: OpaquePointer

    private init(publicKeyBlob: [UInt8], kind: Kind, key: OpaquePointer) {
        self.publicKeyBlob = publicKeyBlob
        self.kind = kind
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// Reads and decodes `path`, or nil when it is not an unencrypted OpenSSH-format ed25519 or ecdsa key (use
    /// `_fromfile`).
    public static func load(path: String) -> DecodedPrivateKey? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
        else { return nil }
        let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { return nil }
        let bytes = Array(data)
        if let parsed = parseOpenSSHEd25519(bytes) {
            let created = parsed.seed.withUnsafeBufferPointer {
                EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, $0.count)
            }
            guard let key = created else { return nil }
            return DecodedPrivateKey(publicKeyBlob: parsed.publicKeyBlob, kind: .ed25519, key: key)
        }
        guard let parsed = parseOpenSSHECDSA(bytes) else { return nil }
        let created = parsed.scalar.withUnsafeBufferPointer { scalar in
            parsed.point.withUnsafeBufferPointer { point in
                fa_ecdsa_key(parsed.group, scalar.baseAddress, scalar.count, point.baseAddress, point.count)
            }
        }
        guard let key = created else { return nil }
        return DecodedPrivateKey(publicKeyBlob: parsed.publicKeyBlob, kind: .ecdsa, key: key)
    }

    /// The unencrypted single-key container's public blob and private section (PROTOCOL.key), past the check words.
    private static func openSSHContainer(_ bytes: [UInt8]) -> (publicKeyBlob: [UInt8], secret: WireReader)? {
        var reader = WireReader(bytes)
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard reader.take(magic.count) == magic else { return nil }
        guard reader.string() == Array("none".utf8), reader.string() == Array("none".utf8),
            reader.string() == [], reader.uint32() == 1,
            let publicKeyBlob = reader.string(), let privateSection = reader.string()
        else { return nil }
        var secret = WireReader(privateSection)
        guard let check = secret.uint32(), secret.uint32() == check else { return nil }
        return (publicKeyBlob, secret)
    }

    /// ecdsa-sha2-nistp256/384/521 (RFC 5656): public blob = string type, string curve, string Q; private = string
    /// type, string curve, string Q, mpint d, string comment.
    static func parseOpenSSHECDSA(_ bytes: [UInt8]) -> (
        publicKeyBlob: [UInt8], group: String, point: [UInt8],
        scalar: [UInt8]
    )? {
        let groups = ["nistp256": "prime256v1", "nistp384": "secp384r1", "nistp521": "secp521r1"]
        guard let container = openSSHContainer(bytes) else { return nil }
        let publicKeyBlob = container.publicKeyBlob
        var secret = container.secret
        var blob = WireReader(publicKeyBlob)
        guard let type = blob.string(), let curve = blob.string(), let point = blob.string(),
            let group = groups[String(decoding: curve, as: UTF8.self)],
            type == Array("ecdsa-sha2-".utf8) + curve,
            secret.string() == type, secret.string() == curve, secret.string() == point,
            var scalar = secret.string(), !scalar.isEmpty
        else { return nil }
        if scalar.first == 0 { scalar.removeFirst() }
        return (publicKeyBlob, group, point, scalar)
    }

    /// PROTOCOL.key: "openssh-key-v1\0", string cipher, string kdf, string kdf options, uint32 count, string public
    /// key, string private section = uint32 check, uint32 check, string type, string public (32), string private
    /// (seed 32 + public 32), string comment, padding. Nil unless unencrypted, one key, ssh-ed25519, consistent.
    static func parseOpenSSHEd25519(_ bytes: [UInt8]) -> (publicKeyBlob: [UInt8], seed: [UInt8])? {
        guard let container = openSSHContainer(bytes) else { return nil }
        let publicKeyBlob = container.publicKeyBlob
        var secret = container.secret
        var blob = WireReader(publicKeyBlob)
        guard blob.string() == Array("ssh-ed25519".utf8), let publicKey = blob.string(), publicKey.count == 32
        else { return nil }
        guard secret.string() == Array("ssh-ed25519".utf8),
            secret.string() == publicKey, let privateKey = secret.string(), privateKey.count == 64,
            Array(privateKey[32...]) == publicKey
        else { return nil }
        return (publicKeyBlob, Array(privateKey[..<32]))
    }
}

/// Reads SSH wire-format fields (RFC 4251 §5) from a byte array; nil once the data runs out.
struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint32() -> UInt32? {
        take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
    }

    mutating func string() -> [UInt8]? {
        guard let length = uint32() else { return nil }
        return take(Int(length))
    }
}
