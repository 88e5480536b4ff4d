#ifndef FLEET_AUDIT_CLIBSSH2_SHIM_H
#define FLEET_AUDIT_CLIBSSH2_SHIM_H
// Swift does not import libssh2's function-like macros; these static inline wrappers call the `_ex` functions they
// expand to. Keep this file minimal: everything else lives in Swift (Sources/SSHClient).
#include <libssh2.h>
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

// The session's socket state, kept by the receive and send callbacks below. It is the session's abstract pointer,
// which only these callbacks read (the allocator callbacks are libssh2's own).
//
// Read-ahead: libssh2 1.10 reads the server's identification line one byte per recv(2) (session.c,
// banner_receive): about forty system calls for "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10". Reads of fewer than 64
// bytes are served from a small buffer filled by one recv; the bytes it holds past the line (the start of the
// server's KEXINIT) go to libssh2's next read before the socket is read again.
//
// `drained`: the last recv found the socket empty (EAGAIN, or fewer bytes than asked for). libssh2 reads again after
// every packet and once per channel call (channel_read of each stream ends with a read that finds nothing), about a
// dozen empty system calls per session; until the engine next waits on the socket, those get EAGAIN without one. The
// engine clears the flag when it asks what to wait for (fa_session_prepare_wait): the next read after a wait is
// real, and data that arrived meanwhile is still seen, because the engine's poll(2) is level-triggered.
//
// `ack_owed`: data arrived and no segment of ours has carried its ACK yet (see fa_session_prepare_wait).
//
// Held writes: while the engine holds writes (fa_session_hold_writes), packets of up to `out`'s size are collected
// and given to the kernel in one send when it releases them, at the end of the libssh2 calls it wraps: NEWKEYS and
// the service request of the handshake, the exec request and our EOF, the channel close and the disconnect, one
// segment each instead of two. Over loopback every segment also runs the receiving sshd's TCP path and its wake-up on
// our CPU. Nothing stays held past the release unless the kernel refuses it (a full send buffer); then
// fa_session_prepare_wait says to wait for writability, and the next send or wait gives it to the kernel first, so
// the bytes leave in libssh2's order. A send that failed there is returned by the session's next send.
//
// libssh2 also calls these callbacks for the ssh-agent's socket (agent.c reads and writes it through the session's
// callbacks), so the state applies only to `socket`, the session's own; any other descriptor is read and written as
// it is.
typedef struct {
    int socket;
    size_t start;
    size_t end;
    int drained;
    int ack_owed;
    int no_quickack;
    int holding;
    int send_error;
    size_t held;
    unsigned char bytes[512];
    unsigned char out[512];
} fa_socket_state;

static inline LIBSSH2_SESSION *fa_session_init(int socket) {
    fa_socket_state *state = calloc(1, sizeof(fa_socket_state));
    if (state == NULL) return NULL;
    state->socket = socket;
    LIBSSH2_SESSION *session = libssh2_session_init_ex(NULL, NULL, NULL, state);
    if (session == NULL) free(state);
    return session;
}

// Frees the session and then its socket state (only once libssh2 has let go of the session).
static inline int fa_session_free(LIBSSH2_SESSION *session) {
    void **abstract = libssh2_session_abstract(session);
    void *state = abstract != NULL ? *abstract : NULL;
    int result = libssh2_session_free(session);
    if (result == 0) free(state);
    return result;
}

static inline LIBSSH2_CHANNEL *fa_channel_open_session(LIBSSH2_SESSION *session) {
    return libssh2_channel_open_ex(session, "session", sizeof("session") - 1, LIBSSH2_CHANNEL_WINDOW_DEFAULT,
                                   LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
}

// A "direct-tcpip" channel (RFC 4254 §7.2) to host:port, the transport of a ProxyJump hop. The originator fields are
// informational; OpenSSH's `ssh -W` sends these same placeholder values.
static inline LIBSSH2_CHANNEL *fa_channel_direct_tcpip(LIBSSH2_SESSION *session, const char *host, int port) {
    return libssh2_channel_direct_tcpip_ex(session, host, port, "127.0.0.1", 0);
}

static inline int fa_channel_exec(LIBSSH2_CHANNEL *channel, const char *command, unsigned int length) {
    return libssh2_channel_process_startup(channel, "exec", sizeof("exec") - 1, command, length);
}

static inline ssize_t fa_channel_read(LIBSSH2_CHANNEL *channel, int stream, char *buffer, size_t length) {
    return libssh2_channel_read_ex(channel, stream, buffer, length);
}

static inline ssize_t fa_channel_write(LIBSSH2_CHANNEL *channel, const char *buffer, size_t length) {
    return libssh2_channel_write_ex(channel, 0, buffer, length);
}

static inline int fa_channel_close(LIBSSH2_CHANNEL *channel) { return libssh2_channel_close(channel); }

static inline int fa_userauth_publickey_fromfile(LIBSSH2_SESSION *session, const char *user, const char *privateKey,
                                                 const char *passphrase) {
    return libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned int)strlen(user), NULL, privateKey,
                                                  passphrase);
}

// Public-key authentication with a key decoded once per run (SSHClient's DecodedPrivateKey) instead of once per
// session by `_fromfile`. libssh2 1.10 (userauth.c) passes the sign callback the data to sign, wraps the returned
// signature blob in the method name taken from the public key blob, and frees it with LIBSSH2_FREE: our sessions use
// the default allocator (fa_session_init passes NULL), so the blob comes from malloc. For ssh-ed25519 the blob is the
// raw 64-byte Ed25519 signature of the data (RFC 8709 §6), which is what EVP_DigestSign produces.
static int fa_sign_ed25519(LIBSSH2_SESSION *session, unsigned char **sig, size_t *sig_len, const unsigned char *data,
                           size_t data_len, void **abstract) {
    (void)session;
    EVP_PKEY *key = (EVP_PKEY *)*abstract;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (context == NULL) return -1;
    size_t length = 64;
    unsigned char *signature = malloc(length);
    int ok = signature != NULL && EVP_DigestSignInit(context, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(context, signature, &length, data, data_len) == 1 && length == 64;
    EVP_MD_CTX_free(context);
    if (!ok) {
        free(signature);
        return -1;
    }
    *sig = signature;
    *sig_len = length;
    return 0;
}

static inline int fa_userauth_publickey_ed25519(LIBSSH2_SESSION *session, const char *user,
                                                const unsigned char *publicKey, size_t publicKeyLength,
                                                EVP_PKEY *key) {
    void *abstract = key;
    return libssh2_userauth_publickey(session, user, publicKey, publicKeyLength, fa_sign_ed25519, &abstract);
}

// An EC key pair from an OpenSSH ecdsa key's fields: the curve (OpenSSL group name), the private scalar d (big-endian)
// and the public point Q (SEC1 uncompressed). NULL when OpenSSL rejects them. Free with EVP_PKEY_free.
static inline EVP_PKEY *fa_ecdsa_key(const char *group, const unsigned char *d, size_t dLength,
                                     const unsigned char *q, size_t qLength) {
    EVP_PKEY *key = NULL;
    BIGNUM *scalar = BN_bin2bn(d, (int)dLength, NULL);
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_PARAM *parameters = NULL;
    if (scalar && builder && context && OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
        OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, scalar) &&
        OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, q, qLength) &&
        (parameters = OSSL_PARAM_BLD_to_param(builder)) != NULL && EVP_PKEY_fromdata_init(context) == 1 &&
        EVP_PKEY_fromdata(context, &key, EVP_PKEY_KEYPAIR, parameters) != 1)
        key = NULL;
    OSSL_PARAM_free(parameters);
    EVP_PKEY_CTX_free(context);
    OSSL_PARAM_BLD_free(builder);
    BN_clear_free(scalar);
    return key;
}

// Appends an SSH mpint (RFC 4251 §5: uint32 length, big-endian, a leading zero when the top bit is set).
static inline unsigned char *fa_put_mpint(unsigned char *out, const BIGNUM *number) {
    int length = BN_num_bytes(number);
    int pad = length > 0 && BN_is_bit_set(number, length * 8 - 1);
    uint32_t total = (uint32_t)(length + pad);
    out[0] = total >> 24; out[1] = total >> 16; out[2] = total >> 8; out[3] = total;
    out += 4;
    if (pad) *out++ = 0;
    BN_bn2bin(number, out);
    return out + length;
}

// For ecdsa-sha2-nistp256/384/521 the blob libssh2 wraps is mpint r, mpint s (RFC 5656 §3.1.2) of an ECDSA
// signature over SHA-256/384/512 of the data (as libssh2's own _libssh2_ecdsa_sign writes it).
static int fa_sign_ecdsa(LIBSSH2_SESSION *session, unsigned char **sig, size_t *sig_len, const unsigned char *data,
                         size_t data_len, void **abstract) {
    (void)session;
    EVP_PKEY *key = (EVP_PKEY *)*abstract;
    int bits = EVP_PKEY_get_bits(key);
    const EVP_MD *digest = bits <= 256 ? EVP_sha256() : bits <= 384 ? EVP_sha384() : EVP_sha512();
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    unsigned char der[160];
    size_t derLength = sizeof(der);
    int ok = context != NULL && EVP_DigestSignInit(context, NULL, digest, NULL, key) == 1 &&
             EVP_DigestSign(context, der, &derLength, data, data_len) == 1;
    EVP_MD_CTX_free(context);
    if (!ok) return -1;
    const unsigned char *cursor = der;
    ECDSA_SIG *signature = d2i_ECDSA_SIG(NULL, &cursor, (long)derLength);
    if (signature == NULL) return -1;
    const BIGNUM *r = ECDSA_SIG_get0_r(signature), *s = ECDSA_SIG_get0_s(signature);
    unsigned char *blob = malloc(2 * (4 + 1 + (size_t)BN_num_bytes(r) + (size_t)BN_num_bytes(s)));
    if (blob == NULL) {
        ECDSA_SIG_free(signature);
        return -1;
    }
    unsigned char *end = fa_put_mpint(fa_put_mpint(blob, r), s);
    ECDSA_SIG_free(signature);
    *sig = blob;
    *sig_len = (size_t)(end - blob);
    return 0;
}

static inline int fa_userauth_publickey_ecdsa(LIBSSH2_SESSION *session, const char *user,
                                              const unsigned char *publicKey, size_t publicKeyLength,
                                              EVP_PKEY *key) {
    void *abstract = key;
    return libssh2_userauth_publickey(session, user, publicKey, publicKeyLength, fa_sign_ecdsa, &abstract);
}

static inline int fa_session_disconnect(LIBSSH2_SESSION *session, const char *description) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, description, "");
}

// The session's socket state, when `socket` is the session's own.
static inline fa_socket_state *fa_state(void **abstract, libssh2_socket_t socket) {
    fa_socket_state *state = abstract != NULL ? (fa_socket_state *)*abstract : NULL;
    return state != NULL && state->socket == socket ? state : NULL;
}

static ssize_t fa_recv(libssh2_socket_t socket, void *buffer, size_t length, int flags, void **abstract) {
    fa_socket_state *state = fa_state(abstract, socket);
    if (state != NULL && state->start < state->end) {
        size_t count = state->end - state->start < length ? state->end - state->start : length;
        memcpy(buffer, state->bytes + state->start, count);
        state->start += count;
        return (ssize_t)count;
    }
    if (state != NULL && state->drained) return -EAGAIN;
    int small = state != NULL && length > 0 && length < 64;
    size_t asked = small ? sizeof(state->bytes) : length;
    ssize_t received = recv(socket, small ? state->bytes : buffer, asked, flags);
    if (received < 0) {
        int error = errno;
        if (state != NULL && (error == EAGAIN || error == EWOULDBLOCK)) state->drained = 1;
        return -error;
    }
    if (state != NULL && received > 0) {
        state->ack_owed = 1;
        // A stream socket hands over everything it holds, up to what was asked: a short read emptied it.
        if ((size_t)received < asked) state->drained = 1;
    }
    if (small) {
        size_t count = (size_t)received < length ? (size_t)received : length;
        memcpy(buffer, state->bytes, count);
        state->start = count;
        state->end = (size_t)received;
        return (ssize_t)count;
    }
    return received;
}

// Gives the held bytes to the kernel, as far as it takes them; 1 when none are left. A failure other than a full
// buffer drops them and is kept for the next send: the connection is broken either way.
static int fa_flush_with(fa_socket_state *state, int flags) {
    size_t done = 0;
    while (done < state->held) {
        ssize_t sent = send(state->socket, state->out + done, state->held - done, MSG_NOSIGNAL | flags);
        if (sent < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            state->send_error = errno;
            state->held = 0;
            return 1;
        }
        done += (size_t)sent;
        // Every segment carries the current acknowledgement, so data of ours settles what was owed.
        state->ack_owed = 0;
    }
    if (done > 0) memmove(state->out, state->out + done, state->held - done);
    state->held -= done;
    return state->held == 0;
}

static int fa_flush(fa_socket_state *state) { return fa_flush_with(state, 0); }

static ssize_t fa_send(libssh2_socket_t socket, const void *buffer, size_t length, int flags, void **abstract) {
    fa_socket_state *state = fa_state(abstract, socket);
    if (state != NULL) {
        if (state->send_error != 0) return -state->send_error;
        if (state->holding && length <= sizeof(state->out) - state->held) {
            memcpy(state->out + state->held, buffer, length);
            state->held += length;
            return (ssize_t)length;
        }
        // Held bytes go first; until the kernel takes them, libssh2 keeps this packet and tries again.
        if (state->held > 0 && !fa_flush(state)) return -EAGAIN;
        if (state->send_error != 0) return -state->send_error;
    }
    ssize_t sent = send(socket, buffer, length, flags);
    if (sent < 0) return -errno;
    if (state != NULL && sent > 0) state->ack_owed = 0;
    return sent;
}

// Starts (on = 1) or ends holding writes. Ending gives what is held to the kernel; returns 1 when some of it is still
// held (the kernel's send buffer is full): the caller must then wait for the socket to be writable.
static inline int fa_session_hold_writes(LIBSSH2_SESSION *session, int socket, int on) {
    fa_socket_state *state = fa_state(libssh2_session_abstract(session), socket);
    if (state == NULL) return 0;
    state->holding = on;
    return on ? 0 : !fa_flush(state);
}

// Shuts the session's socket down (both ways) when it is being freed. Bytes still held (the channel close and the
// disconnect of a finished session) go to the kernel first with MSG_MORE, so that the FIN the shutdown sends rides
// in their segment (Linux tcp_send_fin adds it to a queued segment not yet sent) instead of a segment of its own.
static inline void fa_session_shutdown(LIBSSH2_SESSION *session, int socket) {
    fa_socket_state *state = fa_state(libssh2_session_abstract(session), socket);
    if (state != NULL && state->held > 0) (void)fa_flush_with(state, MSG_MORE);
    shutdown(socket, SHUT_RDWR);
}

// Room left for held writes: a caller that must not see EAGAIN from a small packet checks it first.
static inline size_t fa_session_hold_room(LIBSSH2_SESSION *session, int socket) {
    fa_socket_state *state = fa_state(libssh2_session_abstract(session), socket);
    if (state == NULL || !state->holding) return 0;
    return sizeof(state->out) - state->held;
}

static inline void fa_session_use_socket_callbacks(LIBSSH2_SESSION *session) {
    libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, (void *)fa_recv);
    libssh2_session_callback_set(session, LIBSSH2_CALLBACK_SEND, (void *)fa_send);
}

// Called when the engine is about to wait on the session's socket; `reading` says it waits for input.
//
// OpenSSH sets no TCP_NODELAY for exec sessions without a terminal: a second small packet of the server's waits (Nagle)
// until its first is acknowledged, and a delayed ACK takes ~40 ms, on every round trip. A quick ACK cut one session
// from ~80 ms to ~32 ms here (shared/notes/libssh2.md). It is sent only here, before a wait for input, and only when
// data came in since our last send: when libssh2 answers what it read at once, that answer carries the ACK, and a
// separate one (a system call, and a segment for both ends' kernels) would be spent for nothing. Setting TCP_QUICKACK
// sends an ACK that is due at once (Linux tcp_setsockopt). A socket that is not TCP (the socketpair of a tunnel or a
// proxy command) refuses it once and is not asked again.
//
// Returns 1 when written bytes are still held (fa_session_hold_writes): the wait must then include writability.
static inline int fa_session_prepare_wait(LIBSSH2_SESSION *session, int socket, int reading) {
    fa_socket_state *state = fa_state(libssh2_session_abstract(session), socket);
    if (state == NULL) return 0;
    state->drained = 0;
    int still_held = state->held > 0 && !fa_flush(state);
    if (reading && state->ack_owed && !state->no_quickack) {
        int one = 1;
        if (setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one)) != 0)
            state->no_quickack = 1;
        state->ack_owed = 0;
    }
    return still_held;
}
#endif
