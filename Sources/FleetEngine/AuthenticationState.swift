import FleetCore
import Foundation
import SSHClient

/// Tries the host's identities one after the other (key file first, then the agent's keys) and remembers what each
/// attempt said, so that a failure lists every method tried.
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

    init(session: SSHSession, job: RemoteJob, context: SessionContext) {
        self.session = session
        user = job.host.user
        passphraseVariable = job.host.authentication.passphraseEnvironmentVariable
        agentSocketPath = context.agentSocketPath
        environment = context.environment
        self.context = context
        if let file = job.host.authentication.identityFile { attempts.append(.keyFile(file)) }
        if job.host.authentication.useAgent { attempts.append(.agent) }
    }

    mutating func advance() -> Outcome {
        if serverMethods == nil {
            switch session.authenticationMethods(user: user) {
            case .wouldBlock: return .wouldBlock
            case .failed(let error):
                return .failed(Failure(.auth, phase: .authentication, message: "authentication failed: \(error)"))
            case .done(let methods):
                if methods.isEmpty && session.isAuthenticated { return .authenticated }
                serverMethods = methods
                guard methods.contains("publickey") else {
                    return .failed(
                        Failure(
                            .auth, phase: .authentication,
                            message: """
                                the server accepts only \(methods.joined(separator: ", ")) for \(user); fleet-audit \
                                authenticates with keys (identity_file or ssh-agent) only
                                """))
                }
            }
        }
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
        }
        let passphrase = passphraseVariable.flatMap { environment[$0] }
        switch session.authenticate(user: user, privateKeyFile: path, passphrase: passphrase) {
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
                outcomes.append("ssh-agent: SSH_AUTH_SOCK is not set")
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
