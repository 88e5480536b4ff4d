/// Bytes of one output stream, kept up to a limit; the rest is counted and dropped so the command can finish.
struct CappedBuffer {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var truncated = false

    init(limit: Int) { self.limit = max(0, limit) }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        let room = limit - bytes.count
        // Grow geometrically as Array does, but never past the limit: a full buffer holds `limit` bytes, not up to
        // twice that.
        let needed = bytes.count + min(chunk.count, max(0, room))
        if needed > bytes.capacity { bytes.reserveCapacity(min(limit, max(needed, bytes.capacity * 2))) }
        if chunk.count <= room {
            bytes.append(contentsOf: chunk)
        } else {
            if room > 0 { bytes.append(contentsOf: chunk.prefix(room)) }
            truncated = true
        }
    }
}
