import FleetCore
import Foundation
import SSHClient

/// Tries the host's identities one after the other (the identity file, the extra identity files in order, then the
/// agent's keys) and remembers what each attempt said, so that a failure lists every method tried. With
/// `identitiesOnly` (OpenSSH's IdentitiesOnly) the agent is asked to sign only for keys whose public half is one of
/// the configured files' `.pub`; its other keys are never offered (a server counts every offer against MaxAuthTries).
struct AuthenticationState {
    enum Outcome {
        case wouldBlock
        case authenticated
        case failed(Failure)
    }

    private enum Attempt {
        case keyFile(String)
        case agent
    }

    let session: SSHSession
    private let user: String
    private let passphraseVariable: String?
    private let agentSocketPath: String?
    private let environment: [String: String]
    private let context: SessionContext
    private var attempts: [Attempt] = []
    private var next = 0
    private var serverMethods: [String]?
    private var agent: SSHAgent?
    private var agentIdentity = 0
    private var outcomes: [String] = []
    private var refusedRSAKey: String?
    private var inProgress = false
    /// The key file's type and encryption, read once per attempt (not on every EAGAIN retry).
    private var inspectedKey: PrivateKeyFile?
    /// The key decoded once per loop, when it is one SSHClient signs with in memory; otherwise libssh2 reads the file.
    private var decodedKey: DecodedPrivateKey?

    /// With identitiesOnly: the public key blobs of the configured files (read from their `.pub`).
    private var allowedAgentKeys: Set<[UInt8]>?
    private let identitiesOnly: Bool

    init(session: SSHSession, host: HostConnection, context: SessionContext) {
        self.session = session
        let authentication = host.authentication
        user = host.user
        passphraseVariable = authentication.passphraseEnvironmentVariable
        agentSocketPath = authentication.agentSocketPath ?? context.agentSocketPath
        environment = context.environment
        identitiesOnly = authentication.identitiesOnly
        self.context = context
        let files = (authentication.identityFile.map { [$0] } ?? []) + authentication.extraIdentityFiles
        attempts = files.map(Attempt.keyFile)
        if authentication.useAgent { attempts.append(.agent) }
        if identitiesOnly { allowedAgentKeys = Set(files.compactMap(Self.publicKeyBlob)) }
    }

    /// The key blob of `path.pub` (second field, base64), or nil when there is none.
    private static func publicKeyBlob(ofIdentity path: String) -> [UInt8]? {
        guard let text = try? String(contentsOfFile: path + ".pub", encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, let data = Data(base64Encoded: String(fields[1])) else { return nil }
        return [UInt8](data)
    }

    /// The identities go first, without asking the server what it accepts (a "none" request, RFC 4252 §5.2): that
    /// question costs a round trip per host, and a refused key's failure says as much. The server is asked only when
    /// there is nothing to offer (it may let the user in with "none"), or after every identity was refused, to name
    /// its methods in the message.
    mutating func advance() -> Outcome {
        if attempts.isEmpty || next >= attempts.count { return askServerAfterAttempts() }
        while next < attempts.count {
            switch attempts[next] {
            case .keyFile(let path):
                switch tryKeyFile(path) {
                case .some(let outcome): return outcome
                case .none: next += 1
                }
            case .agent:
                switch tryAgent() {
                case .some(let outcome): return outcome
                case .none: next += 1
                }
            }
        }
        return askServerAfterAttempts()
    }

    /// Every identity was refused (or there was none): the server's methods, for the failure message; a server that
    /// accepts "none" lets the user in here.
    private mutating func askServerAfterAttempts() -> Outcome {
        if serverMethods == nil {
            switch session.authenticationMethods(user: user) {
            case .wouldBlock: return .wouldBlock
            case .failed(let error):
                // A server that counted our refused keys against MaxAuthTries may have hung up: report the attempts.
                if !outcomes.isEmpty {
                    return .failed(Failure(.auth, phase: .authentication, message: failureMessage()))
                }
                return .failed(Failure(.auth, phase: .authentication, message: "authentication failed: \(error)"))
            case .done(let methods):
                if methods.isEmpty && session.isAuthenticated { return .authenticated }
                serverMethods = methods
            }
        }
        if let methods = serverMethods, !methods.contains("publickey") {
            return .failed(
                Failure(
                    .auth, phase: .authentication,
                    message: """
                        the server accepts only \(methods.joined(separator: ", ")) for \(user); fleet-audit \
                        authenticates with keys (identity_file or ssh-agent) only
                        """))
        }
        return .failed(Failure(.auth, phase: .authentication, message: failureMessage()))
    }

    /// nil: this attempt is over (and failed); try the next one.
    private mutating func tryKeyFile(_ path: String) -> Outcome? {
        if !inProgress { inspectedKey = context.inspectKey(path) }
        let key = inspectedKey
        if !inProgress {
            guard let key else {
                outcomes.append("key \(path): cannot be read")
                return nil
            }
            if let variable = passphraseVariable, environment[variable] == nil, key.isEncrypted {
                outcomes.append("key \(path): encrypted, but the passphrase variable \(variable) is not set")
                return nil
            }
            let decodable = (key.algorithm == .ed25519 || key.algorithm == .ecdsa) && !key.isEncrypted
            decodedKey = decodable ? context.decodedKey(path) : nil
        }
        let passphrase = passphraseVariable.flatMap { environment[$0] }
        let result =
            decodedKey.map { session.authenticate(user: user, decodedKey: $0) }
            ?? session.authenticate(user: user, privateKeyFile: path, passphrase: passphrase)
        switch result {
        case .wouldBlock:
            inProgress = true
            return .wouldBlock
        case .done:
            inProgress = false
            return .authenticated
        case .failed(let error):
            inProgress = false
            let algorithm = key?.algorithm.rawValue ?? "unknown type"
            if error.isCredentialRefusal {
                outcomes.append("key \(path) (\(algorithm)): refused by the server")
                if key?.algorithm == .rsa { refusedRSAKey = path }
            } else if error.libssh2Error == "LIBSSH2_ERROR_FILE" {
                let hint = key?.isEncrypted == true ? "wrong passphrase?" : "unsupported key format?"
                outcomes.append("key \(path) (\(algorithm)): cannot be loaded (\(hint))")
            } else {
                outcomes.append("key \(path) (\(algorithm)): \(error)")
            }
            return nil
        }
    }

    private mutating func tryAgent() -> Outcome? {
        if agent == nil {
            guard let socketPath = agentSocketPath else {
                outcomes.append("ssh-agent: SSH_AUTH_SOCK is not set (and no agent socket is configured for the host)")
                return nil
            }
            do {
                agent = try SSHAgent(session: session, socketPath: socketPath)
            } catch {
                outcomes.append("ssh-agent: \(error.message)")
                return nil
            }
        }
        guard let agent else { return nil }
        while agentIdentity < agent.identityCount {
            if let allowed = allowedAgentKeys, !allowed.contains(agent.identityBlob(agentIdentity)) {
                outcomes.append(
                    "ssh-agent key \(agent.identityComment(agentIdentity)): not offered (identities_only, and no "
                        + "configured identity file's .pub matches it)")
                agentIdentity += 1
                continue
            }
            switch agent.authenticate(user: user, identity: agentIdentity) {
            case .wouldBlock: return .wouldBlock
            case .done: return .authenticated
            case .failed:
                outcomes.append("ssh-agent key \(agent.identityComment(agentIdentity)): refused")
                agentIdentity += 1
            }
        }
        if agent.identityCount == 0 { outcomes.append("ssh-agent: holds no keys") }
        return nil
    }

    private func failureMessage() -> String {
        var message = "authentication failed for user \(user)"
        if outcomes.isEmpty {
            message += ": no identity_file and no ssh-agent configured"
        } else {
            message += ": " + outcomes.joined(separator: "; ")
        }
        if let methods = serverMethods { message += ". The server accepts: \(methods.joined(separator: ", "))" }
        if let rsaKey = refusedRSAKey {
            let banner = session.serverBanner.map { " (\($0))" } ?? ""
            message += """
                . The RSA key \(rsaKey) was probably refused because this libssh2 \(LibSSH2Version.current) signs RSA \
                keys only with SHA-1 (ssh-rsa), which OpenSSH 8.8 and later refuse\(banner). Use an ed25519 or ecdsa \
                key, or fleet-audit built with libssh2 1.11 or later
                """
        }
        return message
    }
}
