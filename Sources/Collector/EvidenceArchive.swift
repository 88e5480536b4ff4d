import Foundation

/// A host's redacted raw sections as one POSIX ustar archive (`evidence/<host>.tar`), readable with any `tar`:
/// `tar -tvf` lists it, `tar -xOf ARCHIVE 6379-info.txt` prints one section.
///
/// One file per host instead of a directory of ~30 small files: creating a file is most of what storing a host
/// costs the kernel (ext4 inode creation), and a 10,000-host fleet audited daily made 300,000 files a day
/// (docs/benchmarks.md, "Evidence in one archive per host"). The archive is uncompressed, so `grep -r` over a run
/// still finds every byte a host sent.
enum EvidenceArchive {
    /// One member: a name built from validated parts only (a `SectionName`, a port, an index; never from what a host
    /// printed) and its text.
    struct Member {
        var name: String
        var text: String
    }

    private static let blockSize = 512
    /// ustar's name field holds 100 bytes; member names here are at most about 40.
    private static let maximumNameLength = 99
    /// The size field: 11 octal digits.
    private static let maximumSize = 0o77777777777

    /// The archive's bytes: each member as a 512-byte header and its text padded to 512 bytes, in the order given,
    /// then two zero blocks. A name given twice is stored once, with its last text (what extracting both would
    /// leave). `modified` is every member's mtime (the host's collection time).
    static func bytes(of members: [Member], modified: Date) -> Data {
        let lastIndexByName = Dictionary(members.enumerated().map { ($1.name, $0) }, uniquingKeysWith: max)
        let kept = members.enumerated().filter { lastIndexByName[$1.name] == $0 }.map(\.element)
        let capacity = kept.reduce(2 * blockSize) { $0 + blockSize + padded($1.text.utf8.count) }
        var archive = [UInt8]()
        archive.reserveCapacity(capacity)
        let mtime = max(0, min(Int(modified.timeIntervalSince1970.rounded(.down)), maximumSize))
        for member in kept {
            archive.append(contentsOf: header(name: member.name, size: member.text.utf8.count, mtime: mtime))
            archive.append(contentsOf: member.text.utf8)
            archive.append(contentsOf: repeatElement(0, count: padded(archive.count) - archive.count))
        }
        archive.append(contentsOf: repeatElement(0, count: 2 * blockSize))
        return Data(archive)
    }

    private static func padded(_ count: Int) -> Int { (count + blockSize - 1) / blockSize * blockSize }

    /// A member's 512-byte ustar header.
    private static func header(name: String, size: Int, mtime: Int) -> [UInt8] {
        precondition(
            name.utf8.count <= maximumNameLength && !name.isEmpty && !name.utf8.contains(UInt8(ascii: "/")),
            "evidence member names are built from validated parts")
        // Sections are bounded by the collector's caps (megabytes), far below ustar's 8 GiB.
        precondition(size <= maximumSize, "an evidence section of \(size) bytes")
        var header = [UInt8](repeating: 0, count: blockSize)
        func put(_ bytes: some Sequence<UInt8>, at offset: Int) {
            for (index, byte) in zip(offset..., bytes) { header[index] = byte }
        }
        /// `digits` octal digits, zero-padded, then a NUL.
        func octal(_ value: Int, digits: Int, at offset: Int) {
            var rest = value
            for index in (offset..<offset + digits).reversed() {
                header[index] = UInt8(ascii: "0") + UInt8(rest & 7)
                rest >>= 3
            }
            header[offset + digits] = 0
        }
        put(name.utf8, at: 0)
        octal(0o600, digits: 7, at: 100)  // mode
        octal(0, digits: 7, at: 108)  // uid
        octal(0, digits: 7, at: 116)  // gid
        octal(size, digits: 11, at: 124)
        octal(mtime, digits: 11, at: 136)
        put(repeatElement(UInt8(ascii: " "), count: 8), at: 148)  // the checksum counts its own field as spaces
        header[156] = UInt8(ascii: "0")  // a regular file
        put("ustar".utf8, at: 257)  // then a NUL
        put("00".utf8, at: 263)
        let checksum = header.reduce(0) { $0 + Int($1) }
        octal(checksum, digits: 6, at: 148)
        header[155] = UInt8(ascii: " ")
        return header
    }
}
