/// Whether bytes are ASCII, eight at a time: the fast paths of the JSON reader and the Redis parsers take ASCII text
/// (nearly all of it) without decoding Characters or validating UTF-8.
public enum ASCIIText {
    /// True when no byte has its high bit set.
    public static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var combined: UInt64 = 0
        while index + 8 <= bytes.count {
            combined |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            combined |= UInt64(bytes[index])
            index += 1
        }
        return combined & 0x8080_8080_8080_8080 == 0
    }
}
