#ifndef FLEET_AUDIT_CLIBSSH2_SHIM_H
#define FLEET_AUDIT_CLIBSSH2_SHIM_H
// Swift does not import libssh2's function-like macros; these static inline wrappers call the `_ex` functions they
// expand to. Keep this file minimal: everything else lives in Swift (Sources/SSHClient).
#include <libssh2.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

static inline LIBSSH2_SESSION *fa_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
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

static inline int fa_session_disconnect(LIBSSH2_SESSION *session, const char *description) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, description, "");
}

// OpenSSH sets no TCP_NODELAY for exec sessions without a terminal, so every round trip may wait ~40 ms for a delayed
// ACK. Asking for a quick ACK before each receive cut one session from ~80 ms to ~32 ms here (shared/notes/libssh2.md).
static ssize_t fa_recv_quickack(libssh2_socket_t socket, void *buffer, size_t length, int flags, void **abstract) {
    (void)abstract;
    int one = 1;
    setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
    ssize_t received = recv(socket, buffer, length, flags);
    if (received < 0) return -errno;
    return received;
}

static inline void fa_session_use_quickack(LIBSSH2_SESSION *session) {
    libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, (void *)fa_recv_quickack);
}
#endif
