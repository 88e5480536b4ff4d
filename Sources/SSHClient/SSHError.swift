import CLibSSH2

/// A failure inside libssh2 or the SSH protocol, with the phase it happened in and libssh2's own words.
public struct SSHError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the client was doing when it failed.
    public enum Code: String, Sendable, Hashable {
        /// Creating the session or its socket options.
        case session
        /// Banner exchange and key exchange.
        case handshake
        /// Reading or checking the server's host key.
        case hostKey
        /// User authentication, including reading the private key.
        case authentication
        /// Opening a channel or starting the command.
        case channel
        /// Reading or writing command data.
        case transfer
        /// Closing the channel or the session.
        case teardown
    }

    public var code: Code
    /// The libssh2 constant's name, e.g. `LIBSSH2_ERROR_KEX_FAILURE` (nil for errors found in Swift).
    public var libssh2Error: String?
    /// libssh2's message (`libssh2_session_last_error`), or ours.
    public var message: String

    public init(code: Code, libssh2Error: String? = nil, message: String) {
        self.code = code
        self.libssh2Error = libssh2Error
        self.message = message
    }

    public var description: String {
        if let libssh2Error { return "\(code.rawValue): \(message) (\(libssh2Error))" }
        return "\(code.rawValue): \(message)"
    }

    /// True when the server refused the credentials (as opposed to a broken key file or protocol error).
    public var isCredentialRefusal: Bool {
        libssh2Error == "LIBSSH2_ERROR_AUTHENTICATION_FAILED" || libssh2Error == "LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED"
    }

    /// For a refused channel open (`LIBSSH2_ERROR_CHANNEL_FAILURE`): the reason code's words as libssh2 1.10 puts
    /// them in its message, e.g. `administratively prohibited`, `connect failed` (RFC 4254 §5.1 reason codes).
    public var channelOpenFailureReason: String? {
        guard libssh2Error == "LIBSSH2_ERROR_CHANNEL_FAILURE" else { return nil }
        guard let open = message.range(of: "Channel open failure") else { return nil }
        let rest = message[open.upperBound...]
        if let start = rest.firstIndex(of: "("), let end = rest.lastIndex(of: ")"), start < end {
            return String(rest[rest.index(after: start)..<end])
        }
        return "unspecified reason"
    }

    /// The name of a libssh2 error constant, matched by constant (never by arithmetic on the raw value).
    static func constantName(_ code: Int32) -> String {
        switch code {
        case LIBSSH2_ERROR_SOCKET_NONE: "LIBSSH2_ERROR_SOCKET_NONE"
        case LIBSSH2_ERROR_BANNER_RECV: "LIBSSH2_ERROR_BANNER_RECV"
        case LIBSSH2_ERROR_BANNER_SEND: "LIBSSH2_ERROR_BANNER_SEND"
        case LIBSSH2_ERROR_KEX_FAILURE: "LIBSSH2_ERROR_KEX_FAILURE"
        case LIBSSH2_ERROR_ALLOC: "LIBSSH2_ERROR_ALLOC"
        case LIBSSH2_ERROR_SOCKET_SEND: "LIBSSH2_ERROR_SOCKET_SEND"
        case LIBSSH2_ERROR_TIMEOUT: "LIBSSH2_ERROR_TIMEOUT"
        case LIBSSH2_ERROR_HOSTKEY_INIT: "LIBSSH2_ERROR_HOSTKEY_INIT"
        case LIBSSH2_ERROR_HOSTKEY_SIGN: "LIBSSH2_ERROR_HOSTKEY_SIGN"
        case LIBSSH2_ERROR_DECRYPT: "LIBSSH2_ERROR_DECRYPT"
        case LIBSSH2_ERROR_SOCKET_DISCONNECT: "LIBSSH2_ERROR_SOCKET_DISCONNECT"
        case LIBSSH2_ERROR_PROTO: "LIBSSH2_ERROR_PROTO"
        case LIBSSH2_ERROR_PASSWORD_EXPIRED: "LIBSSH2_ERROR_PASSWORD_EXPIRED"
        case LIBSSH2_ERROR_FILE: "LIBSSH2_ERROR_FILE"
        case LIBSSH2_ERROR_METHOD_NONE: "LIBSSH2_ERROR_METHOD_NONE"
        case LIBSSH2_ERROR_AUTHENTICATION_FAILED: "LIBSSH2_ERROR_AUTHENTICATION_FAILED"
        case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: "LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED"
        case LIBSSH2_ERROR_CHANNEL_OUTOFORDER: "LIBSSH2_ERROR_CHANNEL_OUTOFORDER"
        case LIBSSH2_ERROR_CHANNEL_FAILURE: "LIBSSH2_ERROR_CHANNEL_FAILURE"
        case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED: "LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED"
        case LIBSSH2_ERROR_CHANNEL_UNKNOWN: "LIBSSH2_ERROR_CHANNEL_UNKNOWN"
        case LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED: "LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED"
        case LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED: "LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED"
        case LIBSSH2_ERROR_CHANNEL_CLOSED: "LIBSSH2_ERROR_CHANNEL_CLOSED"
        case LIBSSH2_ERROR_CHANNEL_EOF_SENT: "LIBSSH2_ERROR_CHANNEL_EOF_SENT"
        case LIBSSH2_ERROR_SOCKET_TIMEOUT: "LIBSSH2_ERROR_SOCKET_TIMEOUT"
        case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED: "LIBSSH2_ERROR_METHOD_NOT_SUPPORTED"
        case LIBSSH2_ERROR_PUBLICKEY_PROTOCOL: "LIBSSH2_ERROR_PUBLICKEY_PROTOCOL"
        case LIBSSH2_ERROR_EAGAIN: "LIBSSH2_ERROR_EAGAIN"
        case LIBSSH2_ERROR_AGENT_PROTOCOL: "LIBSSH2_ERROR_AGENT_PROTOCOL"
        case LIBSSH2_ERROR_SOCKET_RECV: "LIBSSH2_ERROR_SOCKET_RECV"
        case LIBSSH2_ERROR_KNOWN_HOSTS: "LIBSSH2_ERROR_KNOWN_HOSTS"
        case LIBSSH2_ERROR_CHANNEL_WINDOW_FULL: "LIBSSH2_ERROR_CHANNEL_WINDOW_FULL"
        default: "libssh2 error \(code)"
        }
    }
}

/// The outcome of one non-blocking libssh2 call: done, try again when the socket is ready, or failed.
public enum SSHOperation<Value> {
    case done(Value)
    /// libssh2 returned `LIBSSH2_ERROR_EAGAIN`: call the same function again, with the same arguments, once the
    /// socket is ready in the directions `SSHSession.prepareToWait()` returns.
    case wouldBlock
    case failed(SSHError)

    func map<Other>(_ transform: (Value) -> Other) -> SSHOperation<Other> {
        switch self {
        case .done(let value): .done(transform(value))
        case .wouldBlock: .wouldBlock
        case .failed(let error): .failed(error)
        }
    }
}
