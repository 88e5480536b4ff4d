// The client-side crypto of one fleet-audit session, called the way libssh2 1.10 calls OpenSSL 3 (src/openssl.c,
// kex.c, mac.c, transport.c), without any network: the CPU floor of a session for this library pair. Built and run
// by bench/crypto-floor.sh; results in docs/benchmarks.md.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

// Encrypted packets of one session (exec of a short command), counted from the protocol: sent: service request,
// publickey query, signed publickey, channel open, exec, EOF, close, disconnect; received: service accept, PK_OK,
// success, hostkeys-00 global request, open confirmation, channel success, data, exit-status, EOF, close.
enum { SENT = 8, RECEIVED = 10 };

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static EVP_PKEY *generate(int type) {
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_id(type, NULL);
    if (!context || EVP_PKEY_keygen_init(context) != 1 || EVP_PKEY_keygen(context, &key) != 1) exit(1);
    EVP_PKEY_CTX_free(context);
    return key;
}

static unsigned char data[4096];
static EVP_PKEY *server_x25519, *host_key, *user_key;
static unsigned char host_public[32], server_x25519_public[32], host_signature[64];

// _libssh2_curve25519_new, then _libssh2_curve25519_gen_k (which imports the private key again: a third scalar
// multiplication, for the public half OpenSSL derives on import).
static void key_exchange(void) {
    EVP_PKEY *ours = generate(EVP_PKEY_X25519);
    unsigned char private[32], public[32], secret[32];
    size_t length = 32;
    EVP_PKEY_get_raw_private_key(ours, private, &length);
    EVP_PKEY_get_raw_public_key(ours, public, &length);
    EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, server_x25519_public, 32);
    EVP_PKEY *imported = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, private, 32);
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new(imported, NULL);
    if (EVP_PKEY_derive_init(context) != 1 || EVP_PKEY_derive_set_peer(context, peer) != 1 ||
        EVP_PKEY_derive(context, secret, &length) != 1)
        exit(1);
    EVP_PKEY_CTX_free(context);
    EVP_PKEY_free(imported);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(ours);
}

// _libssh2_ed25519_new_public + _libssh2_ed25519_verify of the exchange hash's signature.
static void verify_host_key(void) {
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, host_public, 32);
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (EVP_DigestVerifyInit(context, NULL, NULL, NULL, key) != 1 ||
        EVP_DigestVerify(context, host_signature, 64, data, 32) != 1)
        exit(1);
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
}

// The exchange hash over both KEXINITs and keys, then six derived keys (RFC 4253 §7.2).
static void hashes(void) {
    for (int i = 0; i < 7; i++) {
        unsigned char digest[32];
        EVP_MD_CTX *context = EVP_MD_CTX_new();
        EVP_DigestInit(context, EVP_sha256());
        EVP_DigestUpdate(context, data, i == 0 ? 2000 : 100);
        EVP_DigestFinal(context, digest, NULL);
        EVP_MD_CTX_free(context);
    }
}

// fa_sign_ed25519 (Sources/CLibSSH2/shim.h): the user key, decoded once per run.
static void sign(void) {
    unsigned char signature[64];
    size_t length = 64;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(context, NULL, NULL, NULL, user_key) != 1 ||
        EVP_DigestSign(context, signature, &length, data, 200) != 1)
        exit(1);
    EVP_MD_CTX_free(context);
}

// aes128-ctr both ways, hmac-sha2-256 per packet as mac.c does it (a new HMAC_CTX and an implicit digest fetch
// for every packet), random padding for every packet sent (transport.c).
static void packets(void) {
    EVP_CIPHER_CTX *out = EVP_CIPHER_CTX_new(), *in = EVP_CIPHER_CTX_new();
    EVP_CipherInit(out, EVP_aes_128_ctr(), data, data + 16, 1);
    EVP_CipherInit(in, EVP_aes_128_ctr(), data + 32, data + 48, 0);
    for (int i = 0; i < SENT + RECEIVED; i++) {
        unsigned char mac[32], buffer[128];
        unsigned int length;
        if (i < SENT) RAND_bytes(buffer, 8);
        EVP_Cipher(i < SENT ? out : in, buffer, data, 96);
        HMAC_CTX *context = HMAC_CTX_new();
        HMAC_Init_ex(context, data, 32, EVP_sha256(), NULL);
        HMAC_Update(context, data, 4);
        HMAC_Update(context, data + 4, 96);
        HMAC_Final(context, mac, &length);
        HMAC_CTX_free(context);
    }
    EVP_CIPHER_CTX_free(out);
    EVP_CIPHER_CTX_free(in);
}

static double per_call(void (*work)(void), int count) {
    work();
    double start = cpu_seconds();
    for (int i = 0; i < count; i++) work();
    return (cpu_seconds() - start) / count * 1e6;
}

int main(int argc, char **argv) {
    int count = argc > 1 ? atoi(argv[1]) : 2000;
    RAND_bytes(data, sizeof data);
    server_x25519 = generate(EVP_PKEY_X25519);
    host_key = generate(EVP_PKEY_ED25519);
    user_key = generate(EVP_PKEY_ED25519);
    size_t length = 32;
    EVP_PKEY_get_raw_public_key(server_x25519, server_x25519_public, &length);
    EVP_PKEY_get_raw_public_key(host_key, host_public, &length);
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    length = 64;
    EVP_DigestSignInit(context, NULL, NULL, NULL, host_key);
    EVP_DigestSign(context, host_signature, &length, data, 32);
    EVP_MD_CTX_free(context);

    struct { const char *name; void (*work)(void); } parts[] = {
        {"x25519 key exchange (3 scalar multiplications)", key_exchange},
        {"ed25519 verify of the host key's signature", verify_host_key},
        {"ed25519 sign (user key decoded once)", sign},
        {"sha256: exchange hash and 6 keys", hashes},
        {"18 packets: aes128-ctr, hmac-sha2-256, padding", packets},
    };
    double total = 0;
    for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        double microseconds = per_call(parts[i].work, count);
        total += microseconds;
        printf("%-50s %8.1f us\n", parts[i].name, microseconds);
    }
    printf("%-50s %8.1f us = %.3f ms per session\n", "total", total, total / 1000);
    return 0;
}
