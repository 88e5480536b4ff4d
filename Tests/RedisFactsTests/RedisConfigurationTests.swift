import RedisFacts
import XCTest

final class RedisConfigurationTests: XCTestCase {
    func testDebiansDefaultConfigReadsAsRedisReadsIt() throws {
        let text = try fixture("debian-redis-7.0.15.conf")
        let configuration = RedisConfiguration(
            files: [ConfigSourceFile(path: "/etc/redis/redis.conf", text: text)], mainFile: "/etc/redis/redis.conf")
        XCTAssertTrue(configuration.problems.isEmpty, "\(configuration.problems)")
        XCTAssertEqual(configuration.effective("bind")?.arguments, ["127.0.0.1", "-::1"])
        XCTAssertEqual(configuration.effective("protected-mode")?.value, "yes")
        XCTAssertEqual(configuration.effective("port")?.value, "6379")
        XCTAssertEqual(configuration.effective("databases")?.value, "16")
        let port = try XCTUnwrap(configuration.effective("port"))
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false)[port.line - 1], "port 6379")
        XCTAssertEqual(configuration.all("client-output-buffer-limit").count, 3)
    }

    func testQuotingIncludesRepeatsAndRenamesFollowRedisRules() {
        let main = """
            # comment
            PORT 6380
            include /etc/redis/extra.conf
            requirepass "pa ss\\x41"
            rename-command CONFIG ""
            rename-command FLUSHALL 'danger\\'ous'
            port 6381
            """
        let extra = "maxmemory 2gb\nsave 900 1\nsave 300 10\n"
        let configuration = RedisConfiguration(
            files: [
                ConfigSourceFile(path: "/r.conf", text: main),
                ConfigSourceFile(path: "/etc/redis/extra.conf", text: extra),
            ],
            mainFile: "/r.conf")
        XCTAssertEqual(configuration.effective("port")?.value, "6381", "the last occurrence wins")
        XCTAssertEqual(configuration.effective("port")?.location, "/r.conf:7")
        XCTAssertEqual(configuration.effective("maxmemory")?.location, "/etc/redis/extra.conf:1")
        XCTAssertEqual(configuration.all("save").map(\.value), ["900 1", "300 10"])
        XCTAssertEqual(configuration.effective("requirepass")?.arguments, ["pa ssA"])
        XCTAssertEqual(configuration.renamedCommands.map(\.command), ["config", "flushall"])
        XCTAssertEqual(configuration.renamedCommands.first?.isDisabled, true)
        XCTAssertEqual(configuration.renamedCommands.last?.newName, "danger'ous")
    }

    func testMissingIncludesAndBadQuotesAreProblemsNotCrashes() {
        let configuration = RedisConfiguration(
            files: [ConfigSourceFile(path: "/r.conf", text: "include /nowhere/*.conf\nbind \"127.0.0.1\nport 1\n")],
            mainFile: "/r.conf")
        XCTAssertEqual(configuration.problems.count, 2, "\(configuration.problems)")
        XCTAssertEqual(configuration.effective("port")?.value, "1")
    }

    func testSplitArgumentsMatchesSdssplitargs() {
        XCTAssertEqual(RedisConfiguration.splitArguments("a  b\t c"), ["a", "b", "c"])
        XCTAssertEqual(RedisConfiguration.splitArguments("x \"\" y"), ["x", "", "y"])
        XCTAssertEqual(RedisConfiguration.splitArguments("\"a\\nb\""), ["a\nb"])
        XCTAssertNil(RedisConfiguration.splitArguments("\"a\"b"), "a closing quote must end the word")
        XCTAssertNil(RedisConfiguration.splitArguments("'open"))
    }

    func testCRLFAndBareCRConfigsParseLikeUnixOnesAtTheSameLines() {
        let unix = "port 6380\nrequirepass \"a b\"\nsave 900 1\nmaxmemory 2gb"
        for text in [
            unix, unix.replacingOccurrences(of: "\n", with: "\r\n"), unix + "\r", unix + "\r\n",
            unix.replacingOccurrences(of: "\n", with: "\r\n") + "\r",
        ] {
            let configuration = RedisConfiguration(
                files: [ConfigSourceFile(path: "/r.conf", text: text)], mainFile: "/r.conf")
            XCTAssertEqual(configuration.problems, [], text.debugDescription)
            XCTAssertEqual(configuration.effective("port")?.value, "6380", text.debugDescription)
            XCTAssertEqual(configuration.effective("requirepass")?.arguments, ["a b"], text.debugDescription)
            XCTAssertEqual(configuration.effective("save")?.location, "/r.conf:3", text.debugDescription)
            XCTAssertEqual(configuration.effective("maxmemory")?.value, "2gb", text.debugDescription)
        }
    }

    func testTheTokeniserFollowsSdssplitargs() {
        let cases: [(String, [String]?)] = [
            ("a  b\t c", ["a", "b", "c"]),
            ("\u{0B}\u{0C}a \u{0C}b", ["a", "b"]),  // isspace skips \v and \f before a word ...
            ("a\u{0B}b c\u{0C}", ["a\u{0B}b", "c\u{0C}"]),  // ... but only space, \t, \r, \n end an unquoted one
            ("a\rb", ["a", "b"]),
            ("x \"\" y", ["x", "", "y"]),
            ("\"a\\nb\\r\\t\\a\\b\\\\\\q\"", ["a\nb\r\t\u{07}\u{08}\\q"]),
            ("\"\\x41\\x4a\\x4A\"", ["AJJ"]),
            ("\"\\x+1\\x4\"", ["x+1x4"]),  // \x without two hex digits is a plain x (is_hex_digit)
            ("'it\\'s' '\\n'", ["it's", "\\n"]),
            ("ab\"c d\"", ["abc d"]),
            ("\"a\"\u{0B}b", ["a", "b"]),  // a closing quote may be followed by any isspace
            ("\"a\"b", nil), ("'a'b", nil), ("'open", nil), ("\"open", nil), ("\"a\\", nil),
            ("a\0b c", ["a"]),  // a C string: nothing after NUL
            ("", []), ("   ", []),
        ]
        for (line, expected) in cases {
            XCTAssertEqual(RedisConfiguration.splitArguments(line), expected, line.debugDescription)
        }
        XCTAssertEqual(RedisArguments.words("ab \"c d\"  'e'")?.map(\.span), [0..<2, 3..<8, 10..<13])
    }

    func testTextLinesSplitOnNewlineAndCRLFAndJoinBackByteForByte() {
        let text = "a\r\nb\nc\r\rd\r\n\ne"
        let lines = TextLine.split(text)
        XCTAssertEqual(lines.map(\.content), ["a", "b", "c\r\rd", "", "e"])
        XCTAssertEqual(lines.map(\.terminator), ["\r\n", "\n", "\r\n", "\n", ""])
        XCTAssertEqual(TextLine.join(lines), text)
        XCTAssertEqual(TextLine.split("x\n").count, 2, "as sdssplitlen: a last empty line")
    }
}

final class ReplyParsingTests: XCTestCase {
    func testConfigGetFromEveryVersion() throws {
        for version in ["redis-6.2.14", "redis-7.0.15", "valkey-9.1.2"] {
            let reply = ConfigGetReply(parsing: try fixture("\(version)/config-get.txt"))
            XCTAssertEqual(reply["maxmemory"], "268435456", version)
            XCTAssertEqual(reply["databases"], "16", version)
            XCTAssertEqual(reply["requirepass"], "", version)
            XCTAssertEqual(reply["save"], "", version)
            XCTAssertNotNil(reply["client-output-buffer-limit"], version)
            XCTAssertNotNil(reply["protected-mode"], version)
        }
    }

    func testClientListFromEveryVersion() throws {
        for version in ["redis-6.2.14", "redis-7.0.15", "valkey-9.1.2"] {
            let clients = ClientList(parsing: try fixture("\(version)/client-list.txt")).clients
            XCTAssertEqual(clients.count, 1, version)
            XCTAssertEqual(clients.first?.ip, "127.0.0.1", version)
            XCTAssertFalse(clients.first?.isReplica ?? true, version)
        }
    }

    func testOldServersConfigGetUsesSlaveAndLacksProtectedModeBefore32() throws {
        for version in ["redis-2.8.17", "redis-3.2.6"] {
            let reply = ConfigGetReply(parsing: try fixture("\(version)/config-get.txt"))
            XCTAssertEqual(reply["maxmemory"], "268435456", version)
            XCTAssertEqual(reply["databases"], "16", version)
            let limits = try XCTUnwrap(reply["client-output-buffer-limit"], version)
            XCTAssertTrue(limits.contains("slave 268435456 67108864 60"), version)
            XCTAssertEqual(ClientOutputBufferLimit.replica(in: limits)?.hardBytes, 268_435_456, version)
        }
        XCTAssertNil(ConfigGetReply(parsing: try fixture("redis-2.8.17/config-get.txt"))["protected-mode"])
        XCTAssertEqual(ConfigGetReply(parsing: try fixture("redis-3.2.6/config-get.txt"))["protected-mode"], "yes")
    }

    func testModuleAndACLListOfServersWithoutThemAreErrorsThatListNothing() throws {
        for version in ["redis-2.8.17", "redis-3.2.6"] {
            XCTAssertTrue(try fixture("\(version)/module-list.txt").hasPrefix("ERR unknown command"), version)
            XCTAssertEqual(ModuleList(parsing: try fixture("\(version)/module-list.txt")).modules, [], version)
            XCTAssertNil(ACLList(parsing: try fixture("\(version)/acl-list.txt")).user("default"), version)
        }
    }

    func testModuleListOfValkeyNamesItsLuaModule() throws {
        XCTAssertEqual(ModuleList(parsing: try fixture("valkey-9.1.2/module-list.txt")).modules.map(\.name), ["lua"])
        XCTAssertEqual(ModuleList(parsing: try fixture("redis-7.0.15/module-list.txt")).modules, [])
    }
}
