import FleetCore
import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `PrivateFile.AtomicWriter`, on real files: the pieces become one private file only at `commit()`, and a writer
/// that fails or is dropped leaves the directory as it was.
final class AtomicWriterTests: XCTestCase {
    func testPiecesBecomeOnePrivateFileOnlyWhenCommitted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("report.json")
        let previous = umask(0)
        defer { umask(previous) }
        let writer = try PrivateFile.AtomicWriter(path: path)
        try writer.write("{\n  \"a\" : ")
        try Array("1\n}\n".utf8).withUnsafeBytes { try writer.write($0) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing is visible before commit")
        try writer.commit()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "{\n  \"a\" : 1\n}\n")
        var status = stat()
        XCTAssertEqual(stat(path, &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o600, "private whatever the umask")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["report.json"])
    }

    func testAWriterDroppedBeforeCommitLeavesThePreviousFileAndNoTemporary() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("report.html")
        try PrivateFile.write("the previous report\n", to: path)
        do {
            let writer = try PrivateFile.AtomicWriter(path: path)
            try writer.write("half of a new one")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "the previous report\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["report.html"])
    }

    func testAFailedRenameIsThrownAndLeavesNoTemporary() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A non-empty directory where the file should go: rename(2) cannot replace it.
        let path = directory.file("report.md")
        try PrivateFile.makeDirectory(path + "/inside")
        let writer = try PrivateFile.AtomicWriter(path: path)
        try writer.write("text")
        XCTAssertThrowsError(try writer.commit()) { error in
            XCTAssertEqual((error as? PrivateFile.WriteError)?.operation, "rename", "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["report.md"])
    }

    func testAWriterIsRefusedWhereItsDirectoryIsMissing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        XCTAssertThrowsError(try PrivateFile.AtomicWriter(path: directory.file("gone/report.csv"))) { error in
            XCTAssertEqual((error as? PrivateFile.WriteError)?.operation, "create", "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
