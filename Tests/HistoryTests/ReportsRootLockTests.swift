import Foundation
import History
import TestSupport
import XCTest

final class ReportsRootLockTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory(prefix: "lock-test") }
    override func tearDown() { directory?.remove() }

    /// Two open file descriptions of the same lock file conflict like two processes do (flock(2)).
    func testASecondHolderWaitsThenTimesOutNamingTheHolder() throws {
        let root = directory.file("reports")
        let first = try ReportsRootLock.acquire(root: root, timeout: 0, purpose: "fleet-audit audit")
        var waitedFor: String?
        let started = Date()
        XCTAssertThrowsError(
            try ReportsRootLock.acquire(root: root, timeout: 0.5, purpose: "second") { waitedFor = $0 }
        ) { error in
            let error = error as? HistoryError
            XCTAssertEqual(error?.code, .locked)
            XCTAssertTrue(
                error?.message.contains("pid \(getpid()) (fleet-audit audit") == true, "\(String(describing: error))")
            XCTAssertTrue(error?.message.contains("--lock-timeout") == true)
        }
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(waited, 0.45)
        XCTAssertLessThan(waited, 5)
        XCTAssertTrue(waitedFor?.contains("fleet-audit audit") == true, waitedFor ?? "onWait not called")
        first.release()
        let third = try ReportsRootLock.acquire(root: root, timeout: 0, purpose: "third")
        third.release()
    }

    /// A real second process holds the lock; once it is killed (SIGKILL: no clean-up of its own), the kernel
    /// drops the lock and the next run gets it at once.
    func testALockHeldByAKilledProcessIsFreedByTheKernel() throws {
        let root = directory.file("reports")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let log = directory.file("holder.log")
        let holder = try ProcessRunner.start(
            "/usr/bin/python3",
            [
                "-c",
                """
                import fcntl, os, sys, time
                fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.ftruncate(fd, 0)
                os.write(fd, b"pid %d (python holder)" % os.getpid())
                print("locked", flush=True)
                time.sleep(60)
                """,
                root + "/" + ReportsRootLock.fileName,
            ], logFile: log)
        defer {
            // Still our unreaped child (waitpid says 0): only then is the PID safe to kill.
            if waitpid(holder.processIdentifier, nil, WNOHANG) == 0 {
                kill(holder.processIdentifier, SIGKILL)
                waitpid(holder.processIdentifier, nil, 0)
            }
        }
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, (try? String(contentsOfFile: log, encoding: .utf8))?.contains("locked") != true {
            usleep(20_000)
        }
        XCTAssertThrowsError(try ReportsRootLock.acquire(root: root, timeout: 0.3, purpose: "audit")) { error in
            XCTAssertTrue("\(error)".contains("pid \(holder.processIdentifier) (python holder)"), "\(error)")
        }
        kill(holder.processIdentifier, SIGKILL)
        waitpid(holder.processIdentifier, nil, 0)
        let started = Date()
        let lock = try ReportsRootLock.acquire(root: root, timeout: 5, purpose: "audit")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        lock.release()
    }
}
