/// HMAC-SHA1 (RFC 2104 over FIPS 180-4 SHA-1), used only to match hashed known_hosts entries (`|1|salt|hash`),
/// which OpenSSH defines with HMAC-SHA1. Not used for anything that needs collision resistance.
enum HMACSHA1 {
    static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var key = key
        if key.count > 64 { key = sha1(key) }
        key += [UInt8](repeating: 0, count: 64 - key.count)
        let inner = sha1(key.map { $0 ^ 0x36 } + message)
        return sha1(key.map { $0 ^ 0x5c } + inner)
    }

    static func sha1(_ input: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var message = input
        let bitLength = UInt64(input.count) * 8
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            message.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }
        var words = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: message.count, by: 64) {
            for index in 0..<16 {
                let offset = chunk + index * 4
                words[index] =
                    UInt32(message[offset]) << 24 | UInt32(message[offset + 1]) << 16
                    | UInt32(message[offset + 2]) << 8 | UInt32(message[offset + 3])
            }
            for index in 16..<80 {
                let mixed = words[index - 3] ^ words[index - 8] ^ words[index - 14] ^ words[index - 16]
                words[index] = (mixed << 1) | (mixed >> 31)
            }
            var (a, b, c, d, e) = (state[0], state[1], state[2], state[3], state[4])
            for index in 0..<80 {
                let (function, constant): (UInt32, UInt32)
                switch index {
                case 0..<20: (function, constant) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (function, constant) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (function, constant) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (function, constant) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let temp = ((a << 5) | (a >> 27)) &+ function &+ e &+ constant &+ words[index]
                (e, d, c, b, a) = (d, c, (b << 30) | (b >> 2), a, temp)
            }
            state[0] = state[0] &+ a
            state[1] = state[1] &+ b
            state[2] = state[2] &+ c
            state[3] = state[3] &+ d
            state[4] = state[4] &+ e
        }
        return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - $0 * 8)) } }
    }
}
