import RedisFacts
import XCTest

final class SecretRedactionTests: XCTestCase {
    func testConfigSecretsAreRedactedAndEverythingElseIsByteIdentical() {
        let text =
            "port 6379\n  requirepass hunter2\nmasterauth \"x y\"\nrequirepass \"\"\nuser app on >pw1 #abc ~* +@all\n"
        let redacted = SecretRedaction.redactConfig(text)
        XCTAssertFalse(redacted.contains("hunter2"))
        XCTAssertFalse(redacted.contains("pw1"))
        XCTAssertFalse(redacted.contains("abc "))
        XCTAssertEqual(
            redacted,
            "port 6379\n  requirepass <redacted>\nmasterauth <redacted>\nrequirepass \"\"\nuser app on ><redacted> #<redacted> ~* +@all\n"
        )
    }

    func testACLListOfARealServerLosesItsPasswordHash() throws {
        for version in ["redis-6.2.14", "redis-7.0.15", "valkey-9.1.2"] {
            let raw = try fixture("\(version)/acl-list.txt")
            let hash = try XCTUnwrap(raw.split(separator: " ").first { $0.hasPrefix("#") }, version)
            let redacted = SecretRedaction.redactACLList(raw)
            XCTAssertFalse(redacted.contains(hash.dropFirst()), version)
            let users = ACLList(parsing: redacted)
            XCTAssertEqual(users.user("default")?.allowsNoPassword, true, version)
            XCTAssertEqual(users.user("default")?.isEnabled, true, version)
            XCTAssertEqual(users.user("auditor")?.hasPasswords, true, version)
        }
    }

    func testConfigGetSecretsAreRedacted() {
        let redacted = SecretRedaction.redactConfigGet("requirepass\nhunter2\nmasterauth\n\nport\n6379\n")
        XCTAssertEqual(redacted, "requirepass\n<redacted>\nmasterauth\n\nport\n6379\n")
    }

    // MARK: - Config files, one case per way a secret hides

    private struct Case {
        let name: String
        let input: String
        let expected: String
        /// Byte sequences that must not survive anywhere in the output.
        var secrets: [String]
    }

    private let configCases: [Case] = [
        Case(
            name: "CRLF", input: "port 6379\r\nmasterauth s3cr3tpw\r\nuser alice on >alicepw ~* +@all\r\n",
            expected: "port 6379\r\nmasterauth <redacted>\r\nuser alice on ><redacted> ~* +@all\r\n",
            secrets: ["s3cr3tpw", "alicepw"]),
        Case(
            name: "bare CR ends the last line", input: "port 6379\nrequirepass lastline\r",
            expected: "port 6379\nrequirepass <redacted>\r", secrets: ["lastline"]),
        Case(
            name: "mixed terminators", input: "requirepass mixa1\nmasterauth mixb2\r\n\r\nport 1\r\r\nsave 9 1",
            expected: "requirepass <redacted>\nmasterauth <redacted>\r\n\r\nport 1\r\r\nsave 9 1",
            secrets: ["mixa1", "mixb2"]),
        Case(
            name: "tabs and leading spaces", input: "\t  requirepass\ttabbed\t\n   masterauth  spaced  \n",
            expected: "\t  requirepass <redacted>\t\n   masterauth <redacted>  \n", secrets: ["tabbed", "spaced"]),
        Case(
            name: "directive names in any case", input: "MasterAuth UpperPw\nREQUIREPASS upper2\nPrimaryAuth vk3\n",
            expected: "MasterAuth <redacted>\nREQUIREPASS <redacted>\nPrimaryAuth <redacted>\n",
            secrets: ["UpperPw", "upper2", "vk3"]),
        Case(
            name: "a quoted directive name", input: "\"requirepass\" quotedname\n",
            expected: "\"requirepass\" <redacted>\n", secrets: ["quotedname"]),
        Case(
            name: "quoted value with spaces", input: "requirepass \"pa ss word\"\nmasterauth 'one two'\n",
            expected: "requirepass <redacted>\nmasterauth <redacted>\n", secrets: ["ss word", "one two"]),
        Case(
            name: "escaped quotes", input: #"masterauth "a\"b c""# + "\n" + #"requirepass 'it\'s me'"# + "\n",
            expected: "masterauth <redacted>\nrequirepass <redacted>\n", secrets: [#"\"b c"#, "s me"]),
        Case(
            name: "hex escapes", input: #"requirepass "\x68unter2""# + "\n",
            expected: "requirepass <redacted>\n", secrets: ["x68unter2", "unter2"]),
        Case(
            name: "a quote opened inside a word", input: "requirepass ab\"c d\"\n",
            expected: "requirepass <redacted>\n", secrets: ["ab", "c d"]),
        Case(
            name: "unbalanced double quote", input: "requirepass \"open quote\nport 1\n",
            expected: "requirepass <redacted>\nport 1\n", secrets: ["open quote"]),
        Case(
            name: "unbalanced single quote", input: "masterauth 'x y\n", expected: "masterauth <redacted>\n",
            secrets: ["x y"]),
        Case(
            name: "unbalanced quote in a user line", input: "user bob on \">Bob pw ~*\n",
            expected: "user <redacted>\n", secrets: ["Bob pw"]),
        Case(
            name: "unbalanced quote before the name", input: "\"requirepass qname2\n", expected: "<redacted>\n",
            secrets: ["qname2"]),
        Case(
            name: "closing quote glued to a word", input: "requirepass \"abc\"defgh\n",
            expected: "requirepass <redacted>\n", secrets: ["abc", "defgh"]),
        Case(
            name: "an unknown directive that cannot be read", input: "frobnicate \"x\ny 2\n",
            expected: "frobnicate <redacted>\ny 2\n", secrets: []),
        Case(
            name: "several ACL passwords and hashes",
            input: "user app on >one1 >two2 #abcdef0123 <three3 !fedcba98 ~* +@all\n",
            expected: "user app on ><redacted> ><redacted> #<redacted> <<redacted> !<redacted> ~* +@all\n",
            secrets: ["one1", "two2", "abcdef0123", "three3", "fedcba98"]),
        Case(
            name: "quoted ACL passwords with spaces",
            input: "user carol on \">Carol Pw\" ~* +@all\nuser dave on >\"Dave Pw\" ~*\n",
            expected: "user carol on ><redacted> ~* +@all\nuser dave on ><redacted> ~*\n",
            secrets: ["Carol Pw", "Carol", "Dave Pw", "Dave"]),
        Case(
            name: "an ACL password hidden in a quoted word", input: "user eve on \"~x >evepw\"\n",
            expected: "user eve on \"~x ><redacted>\"\n", secrets: ["evepw"]),
        Case(
            name: "resetpass, nopass and a selector",
            input: "user erin on resetpass >newpw nopass (~x +get)\nuser gus on (>selpw ~y)\n",
            expected: "user erin on resetpass ><redacted> nopass (~x +get)\nuser gus on (><redacted> ~y)\n",
            secrets: ["newpw", "selpw"]),
        Case(
            name: "a SHA-256 hash",
            input: "user frank on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~*\n",
            expected: "user frank on #<redacted> ~*\n", secrets: ["5e884898da28047151d0e56f8dc6292773603d0d"]),
        Case(
            name: "empty values stay visible",
            input: "requirepass \"\"\nmasterauth ''\nrequirepass\nuser x on > ~*\nrename-command FLUSHALL \"\"\n",
            expected: "requirepass \"\"\nmasterauth ''\nrequirepass\nuser x on > ~*\nrename-command FLUSHALL \"\"\n",
            secrets: []),
        Case(
            name: "TLS key passphrases",
            input: "tls-key-file-pass kfp1\ntls-client-key-file-pass \"ck p2\"\ntls-key-file /k.pem\n",
            expected: "tls-key-file-pass <redacted>\ntls-client-key-file-pass <redacted>\ntls-key-file /k.pem\n",
            secrets: ["kfp1", "ck p2"]),
        Case(
            name: "Sentinel passwords",
            input:
                "sentinel monitor mymaster 10.0.0.1 6379 2\nsentinel auth-pass mymaster sentpw\n"
                + "sentinel auth-user mymaster bob\nsentinel sentinel-pass sspw\nsentinel auth-pass onlypw\n",
            expected:
                "sentinel monitor mymaster 10.0.0.1 6379 2\nsentinel auth-pass mymaster <redacted>\n"
                + "sentinel auth-user mymaster bob\nsentinel sentinel-pass <redacted>\nsentinel auth-pass <redacted>\n",
            secrets: ["sentpw", "sspw", "onlypw"]),
        Case(
            name: "user names are not secrets", input: "masteruser replicator\nprimaryuser rep2\n",
            expected: "masteruser replicator\nprimaryuser rep2\n", secrets: []),
        Case(
            name: "any name that says secret", input: "my-module-token tok1\nmodule.secret sec2\napi_password pw3\n",
            expected: "my-module-token <redacted>\nmodule.secret <redacted>\napi_password <redacted>\n",
            secrets: ["tok1", "sec2", "pw3"]),
        Case(
            name: "a renamed command's new name", input: "rename-command CONFIG c0nfig_x9\n",
            expected: "rename-command CONFIG <redacted>\n", secrets: ["c0nfig_x9"]),
        Case(
            name: "commented-out secrets",
            input: "# requirepass oldpass1\n#user old on >oldpw ~*\n# If you don't like it, don't\n#\n",
            expected: "# requirepass <redacted>\n#user old on ><redacted> ~*\n# If you don't like it, don't\n#\n",
            secrets: ["oldpass1", "oldpw"]),
        Case(
            name: "a commented-out secret that cannot be read", input: "# requirepass \"x y\n",
            expected: "# requirepass <redacted>\n", secrets: ["x y"]),
        Case(
            name: "a bare CR inside a line", input: "port 6379\rrequirepass crpw\nrequirepass \"a\rb\"\n",
            expected: "port <redacted>\nrequirepass <redacted>\n", secrets: ["crpw", "a\rb"]),
        Case(
            name: "vertical tab and form feed",
            input: "requirepass\u{0B}vtpw\n\u{0B}requirepass vtpw2\nuser h on >ffpw\u{0C}~*\n",
            expected: "requirepass <redacted>\n<redacted>\nuser h on ><redacted>\n",
            secrets: ["vtpw", "vtpw2", "ffpw"]),
        Case(
            name: "a NUL byte", input: "port 6379\0requirepass nulpw\n", expected: "port <redacted>\n",
            secrets: ["nulpw"]),
        Case(
            name: "short passwords", input: "requirepass a\nuser x on >b ~*\nmasterauth \"c\"\nport 6379\n",
            expected: "requirepass <redacted>\nuser x on ><redacted> ~*\nmasterauth <redacted>\nport 6379\n",
            secrets: []),
        Case(
            name: "a password that is a substring of other words", input: "requirepass red\nloglevel notice\n",
            expected: "requirepass <redacted>\nloglevel notice\n", secrets: []),
    ]

    func testEveryWayASecretHidesInAConfigFileIsRedacted() {
        for testCase in configCases {
            let output = SecretRedaction.redactConfig(testCase.input)
            XCTAssertEqual(output, testCase.expected, testCase.name)
            assertLinesKept(input: testCase.input, output: output, secrets: testCase.secrets, testCase.name)
            // Redacting twice changes nothing: what is stored is already safe to read again.
            XCTAssertEqual(SecretRedaction.redactConfig(output), output, testCase.name)
        }
    }

    /// Same number of lines with the same terminators; no secret byte sequence survives; a line holding no secret
    /// (and not a comment about one) is byte-identical.
    private func assertLinesKept(input: String, output: String, secrets: [String], _ name: String) {
        let inputLines = TextLine.split(input)
        let outputLines = TextLine.split(output)
        XCTAssertEqual(outputLines.count, inputLines.count, "\(name): line count")
        XCTAssertEqual(outputLines.map(\.terminator), inputLines.map(\.terminator), "\(name): terminators")
        for secret in secrets {
            XCTAssertFalse(output.unicodeScalars.contains(secret.unicodeScalars), "\(name): \(secret) survived")
        }
        for (before, after) in zip(inputLines, outputLines) where !after.content.contains(SecretRedaction.placeholder) {
            XCTAssertEqual(after.content, before.content, "\(name): a line without a secret changed")
        }
    }

    func testDebiansDefaultConfigLosesOnlyItsCommentedExamplePasswords() throws {
        let text = try fixture("debian-redis-7.0.15.conf")
        let output = SecretRedaction.redactConfig(text)
        let changed = zip(TextLine.split(text), TextLine.split(output)).filter { $0.content != $1.content }
        XCTAssertEqual(TextLine.split(output).count, TextLine.split(text).count)
        XCTAssertFalse(changed.isEmpty, "the example `# requirepass foobared` is redacted")
        for (before, after) in changed {
            XCTAssertTrue(before.content.hasPrefix("#"), "only comments change: \(before.content)")
            XCTAssertTrue(after.content.contains(SecretRedaction.placeholder), after.content)
        }
        XCTAssertFalse(output.contains("foobared"))
        let configuration = RedisConfiguration(
            files: [ConfigSourceFile(path: "/r.conf", text: output)], mainFile: "/r.conf")
        XCTAssertTrue(configuration.problems.isEmpty, "\(configuration.problems)")
    }

    // MARK: - CONFIG GET and ACL LIST

    func testConfigGetWithCRLFIsRedactedAndParsed() {
        let text =
            "requirepass\r\nhunter2\r\nmasterauth\r\n\r\ntls-key-file-pass\r\nkp\r\nprimaryauth\r\nvk\r\n"
            + "masteruser\r\nrepl\r\nport\r\n6379\r\n"
        let output = SecretRedaction.redactConfigGet(text)
        XCTAssertEqual(
            output,
            "requirepass\r\n<redacted>\r\nmasterauth\r\n\r\ntls-key-file-pass\r\n<redacted>\r\nprimaryauth\r\n"
                + "<redacted>\r\nmasteruser\r\nrepl\r\nport\r\n6379\r\n")
        let reply = ConfigGetReply(parsing: output)
        XCTAssertEqual(reply["port"], "6379")
        XCTAssertEqual(reply["requirepass"], SecretRedaction.placeholder)
        XCTAssertEqual(reply["masterauth"], "")
        XCTAssertEqual(reply["masteruser"], "repl")
    }

    func testConfigGetOfEveryVersionLosesOnlyItsSecretValues() throws {
        for version in ["redis-2.8.17", "redis-3.2.6", "redis-6.2.14", "redis-7.0.15", "valkey-9.1.2"] {
            let text = try fixture("\(version)/config-get.txt")
            let before = ConfigGetReply(parsing: text).values
            let after = ConfigGetReply(parsing: SecretRedaction.redactConfigGet(text)).values
            XCTAssertEqual(after.keys.sorted(), before.keys.sorted(), version)
            for (name, value) in before where after[name] != value {
                XCTAssertTrue(SecretRedaction.isSecretName(name), "\(version): \(name) changed")
            }
        }
    }

    func testACLListWithCRLFAndTabsLosesEveryHash() {
        let text = "user default on nopass ~* &* +@all\r\nuser app\ton\t#abc123 #def456 ~* -@all\r\nERR x 'y'\r\n"
        XCTAssertEqual(
            SecretRedaction.redactACLList(text),
            "user default on nopass ~* &* +@all\r\nuser app\ton\t#<redacted> #<redacted> ~* -@all\r\nERR x 'y'\r\n")
        let users = ACLList(parsing: SecretRedaction.redactACLList(text))
        XCTAssertEqual(users.user("app")?.hasPasswords, true)
        XCTAssertEqual(users.user("default")?.allowsNoPassword, true)
    }

    // MARK: - Command lines

    func testSecretArgumentsInTheProcessListAreRedacted() {
        let cases: [(String, String)] = [
            ("  101 redis-server *:6379", "  101 redis-server *:6379"),
            (
                "102 /usr/bin/redis-server 127.0.0.1:6380 --requirepass procpw --port 6380",
                "102 /usr/bin/redis-server 127.0.0.1:6380 --requirepass <redacted> --port 6380"
            ),
            (
                "103 redis-server --requirepass two words --masterauth m1 --tls-key-file-pass kp",
                "103 redis-server --requirepass <redacted> <redacted> --masterauth <redacted> --tls-key-file-pass <redacted>"
            ),
            ("104 redis-cli -h 10.0.0.1 -a clipw -p 6379 PING", "104 redis-cli -h 10.0.0.1 -a <redacted> -p 6379 PING"),
            ("105 redis-cli --pass clipw2 --user bob INFO", "105 redis-cli --pass <redacted> --user bob INFO"),
            ("106 redis-cli --askpass -h host", "106 redis-cli --askpass -h host"),
            (
                "107 redis_exporter --redis.password=exppw --redis.addr=redis://:urlpw@localhost:6379",
                "107 redis_exporter --redis.password=<redacted> --redis.addr=redis://:<redacted>@localhost:6379"
            ),
            ("108 sh -c REDISCLI_AUTH=envpw redis-cli INFO", "108 sh -c REDISCLI_AUTH=<redacted> redis-cli INFO"),
            ("109 redis-cli CONFIG SET requirepass newpw", "109 redis-cli CONFIG SET requirepass <redacted>"),
            ("110 redis-cli auth bob bobpw", "110 redis-cli auth <redacted> <redacted>"),
            ("111 redis-server --requirepass=eqpw", "111 redis-server --requirepass=<redacted>"),
            ("112 redis-sentinel *:26379 [sentinel]", "112 redis-sentinel *:26379 [sentinel]"),
            ("113 redis-server /etc/redis.conf --sentinel", "113 redis-server /etc/redis.conf --sentinel"),
            ("114 redis-cli -a z INFO", "114 redis-cli -a <redacted> INFO"),
            ("115 app -redis.password gopw -web :9121", "115 app -redis.password <redacted> -web :9121"),
            ("116 redis-server --masteruser repl --port 1", "116 redis-server --masteruser repl --port 1"),
            ("117 redis-server --requirepass", "117 redis-server --requirepass"),
        ]
        for (line, expected) in cases {
            XCTAssertEqual(SecretRedaction.redactCommandLines(line), expected)
        }
        let text = cases.map(\.0).joined(separator: "\r\n") + "\r\n"
        let output = SecretRedaction.redactCommandLines(text)
        XCTAssertEqual(output, cases.map(\.1).joined(separator: "\r\n") + "\r\n", "CRLF lines read the same")
        for secret in ["procpw", "words", "m1", "clipw", "exppw", "urlpw", "envpw", "newpw", "bobpw", "eqpw", "gopw"] {
            XCTAssertFalse(output.contains(secret), secret)
        }
    }

    // MARK: - Known secrets

    func testShortKnownSecretsGoAsWholeTokensAndLongOnesEverywhere() {
        XCTAssertEqual(
            SecretRedaction.scrub("AUTH hunter2 then hunter2", secrets: ["hunter2"]), "AUTH <redacted> then <redacted>")
        XCTAssertEqual(
            SecretRedaction.scrub("AUTH ab\nxaby ab: 'ab' ab,ab=ab\r\nredis://:ab@h \"ab\"", secrets: ["ab"]),
            "AUTH <redacted>\nxaby <redacted>: '<redacted>' <redacted>,<redacted>=<redacted>\r\n"
                + "redis://:<redacted>@h \"<redacted>\"")
        XCTAssertEqual(SecretRedaction.scrub("x -a x xx x", secrets: ["x"]), "<redacted> -a <redacted> xx <redacted>")
        XCTAssertEqual(
            SecretRedaction.scrub("redis_version:7.0.15\nredis-server *:6379\n", secrets: ["redis"]),
            "redis_version:7.0.15\nredis-server *:6379\n", "a short password inside words destroys nothing")
        XCTAssertEqual(
            SecretRedaction.scrub("xLongPassw0rdy and LongPassw0rd", secrets: ["LongPassw0rd"]),
            "x<redacted>y and <redacted>")
        XCTAssertEqual(
            SecretRedaction.scrub("abcdefghij abcdefgh", secrets: ["abcdefgh", "abcdefghij"]),
            "<redacted> <redacted>", "the longer secret goes whole")
        XCTAssertEqual(SecretRedaction.scrub("a\nb\r\n", secrets: [""]), "a\nb\r\n")
    }

    func testTheOneEntryPointRedactsEachSectionByItsShape() {
        let secrets = ["pw"]
        XCTAssertEqual(
            SecretRedaction.redact("requirepass abc\r\nbind pw\r\n", section: "config_file", knownSecrets: secrets),
            "requirepass <redacted>\r\nbind <redacted>\r\n")
        XCTAssertEqual(
            SecretRedaction.redact("requirepass\nabc\n", section: "config_get", knownSecrets: []),
            "requirepass\n<redacted>\n")
        XCTAssertEqual(
            SecretRedaction.redact("user a on #abc\n", section: "acl_list", knownSecrets: []), "user a on #<redacted>\n"
        )
        XCTAssertEqual(
            SecretRedaction.redact("1 redis-server --requirepass abc\n", section: "processes", knownSecrets: []),
            "1 redis-server --requirepass <redacted>\n")
        XCTAssertEqual(
            SecretRedaction.redact("requirepass abc pw\n", section: "info", knownSecrets: secrets),
            "requirepass abc <redacted>\n", "other sections lose known secrets only")
    }

    func testTheSecretNamePredicate() {
        for name in [
            "requirepass", "MASTERAUTH", "primaryauth", "tls-key-file-pass", "tls-client-key-file-pass", "auth-pass",
            "sentinel-pass", "pass", "auth", "REDISCLI_AUTH", "redis.password", "api-token", "client-secret",
            "passwd", "aws_credentials",
        ] {
            XCTAssertTrue(SecretRedaction.isSecretName(name), name)
        }
        for name in [
            "masteruser", "primaryuser", "auth-user", "user", "port", "tls-key-file", "tls-auth-clients",
            "protected-mode", "aclfile", "bind",
        ] {
            XCTAssertFalse(SecretRedaction.isSecretName(name), name)
        }
    }

    // MARK: - Random secrets in random places

    /// Secrets drawn from letters that appear nowhere else in the generated text (and from characters that need
    /// quoting), written in every way Redis accepts or refuses, in random files with random line ends. Not one of
    /// those letters may survive, and every other line must be byte-identical.
    func testRandomSecretsInRandomPlacesNeverSurvive() {
        var generator = SplitMix64(seed: 0x5EC2E7)
        let secretLetters = Array("XZJVWKY".unicodeScalars)
        let specials = Array(" \"'\\#>=:,@\t$".unicodeScalars)
        let fillers = [
            "port 6379", "# a comment about the port", "save 900 1", "bind 127.0.0.1 -::1", "", "maxmemory 2gb",
            "user default on nopass ~* +@all", "  loglevel notice", "masteruser repl", "requirepass \"\"",
        ]
        for round in 0..<400 {
            var lines: [(content: String, isSecret: Bool)] = []
            var encodedForms: [String] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                guard Bool.random(using: &generator) else {
                    lines.append((fillers.randomElement(using: &generator) ?? "", false))
                    continue
                }
                var secret = [secretLetters.randomElement(using: &generator) ?? "X"]
                for _ in 0..<Int.random(in: 0...14, using: &generator) {
                    let pool = Int.random(in: 0..<3, using: &generator) == 0 ? specials : secretLetters
                    secret.append(pool.randomElement(using: &generator) ?? "X")
                }
                let value = Self.encode(secret, using: &generator)
                encodedForms.append(value)
                let directive =
                    [
                        "requirepass", "MasterAuth", "tls-key-file-pass", "primaryauth", "sentinel auth-pass mymaster",
                        "sentinel sentinel-pass", "user app on", "user app on ~* +@all", "# requirepass",
                        "rename-command CONFIG",
                    ].randomElement(using: &generator) ?? "requirepass"
                let acl = directive.hasPrefix("user")
                let written = acl ? (value.first == "\"" || value.first == "'" ? ">" + value : ">" + value) : value
                let indentation = ["", " ", "\t", "  \t"].randomElement(using: &generator) ?? ""
                lines.append((indentation + directive + " " + written, true))
            }
            var text = ""
            for line in lines {
                text += line.content + (["\n", "\r\n"].randomElement(using: &generator) ?? "\n")
            }
            let output = SecretRedaction.redactConfig(text)
            for letter in secretLetters {
                XCTAssertFalse(output.unicodeScalars.contains(letter), "round \(round): \(text.debugDescription)")
            }
            for form in encodedForms where form.unicodeScalars.count > 2 {
                XCTAssertFalse(output.contains(form), "round \(round): \(form)")
            }
            let outputLines = TextLine.split(output)
            XCTAssertEqual(outputLines.count, lines.count + 1, "round \(round)")
            for (index, line) in lines.enumerated() where !line.isSecret {
                XCTAssertEqual(outputLines[index].content, line.content, "round \(round)")
            }
        }
    }

    /// The same for `CONFIG GET` replies, process lists and the passwords the auditor sent: random secrets from
    /// letters found nowhere else, random line ends; not one of those letters survives, the other lines are kept.
    func testRandomSecretsInRepliesProcessListsAndKnownPasswordsNeverSurvive() {
        var generator = SplitMix64(seed: 0xC0FF_EE11)
        let secretLetters = Array("XZJVWKY".unicodeScalars)
        func secret(length: ClosedRange<Int>, extra: String) -> String {
            let pool = secretLetters + Array(extra.unicodeScalars)
            var scalars = String.UnicodeScalarView([secretLetters.randomElement(using: &generator) ?? "X"])
            for _ in 1..<Int.random(in: length, using: &generator) {
                scalars.append(pool.randomElement(using: &generator) ?? "X")
            }
            return String(scalars)
        }
        func assertClean(_ output: String, _ input: String, kept: [Int], _ what: String) {
            for letter in secretLetters {
                XCTAssertFalse(output.unicodeScalars.contains(letter), "\(what): \(input.debugDescription)")
            }
            let (before, after) = (TextLine.split(input), TextLine.split(output))
            XCTAssertEqual(after.count, before.count, what)
            XCTAssertEqual(after.map(\.terminator), before.map(\.terminator), what)
            for index in kept { XCTAssertEqual(after[index].content, before[index].content, what) }
        }
        let terminators = ["\n", "\r\n"]
        for round in 0..<300 {
            // CONFIG GET: secret parameters among ordinary ones.
            var reply: [String] = []
            var kept: [Int] = []
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                if Bool.random(using: &generator) {
                    let name =
                        ["requirepass", "masterauth", "primaryauth", "tls-key-file-pass"]
                        .randomElement(using: &generator) ?? "requirepass"
                    kept.append(reply.count)
                    reply += [name, secret(length: 1...20, extra: " \"'#>=:@,")]
                } else {
                    kept += [reply.count, reply.count + 1]
                    reply +=
                        [["port", "6379"], ["masteruser", "repl"], ["save", ""], ["bind", "* -::*"]]
                        .randomElement(using: &generator) ?? ["port", "6379"]
                }
            }
            let replyText = reply.map { $0 + (terminators.randomElement(using: &generator) ?? "\n") }.joined()
            assertClean(SecretRedaction.redactConfigGet(replyText), replyText, kept: kept, "round \(round) CONFIG GET")

            // Process lists: every form a password takes on a command line.
            var processes: [String] = []
            kept = []
            for pid in 0..<Int.random(in: 1...8, using: &generator) {
                let word = secret(length: 1...16, extra: "\"'#>=:,.")
                let words = secret(length: 1...24, extra: " #>=:,.")
                let line: String
                switch Int.random(in: 0..<8, using: &generator) {
                case 0: line = "\(pid) redis-server *:6379 --requirepass \(words) --port 6379"
                case 1: line = "\(pid) redis-server --masterauth \(words)"
                case 2: line = "\(pid) redis-cli -h 10.0.0.1 -a \(word) -p 6379 ping"
                case 3: line = "\(pid) redis_exporter --redis.password=\(word) -web.listen-address :9121"
                case 4: line = "\(pid) app --redis.addr=redis://default:\(word.filter { $0 != "@" })@db:6379/0"
                case 5: line = "\(pid) sh -c rediscli_auth=\(word) redis-cli ping"
                case 6: line = "\(pid) redis-cli config set requirepass \(words)"
                default:
                    kept.append(processes.count)
                    line = "\(pid) /usr/bin/redis-server 127.0.0.1:6379 --sentinel"
                }
                processes.append(line)
            }
            let processText = processes.map { $0 + (terminators.randomElement(using: &generator) ?? "\n") }.joined()
            assertClean(
                SecretRedaction.redactCommandLines(processText), processText, kept: kept, "round \(round) processes")

            // Known passwords: long ones glued anywhere, short ones as whole tokens.
            let known = secret(length: 1...14, extra: "")
            let delimiters = [" ", "\"", "'", "=", ":", ",", "@", "\t", "(", ")"]
            var text = ""
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let filler =
                    ["redis_version:7.0.15", "auth ok", "a-b", "", "port 6379"]
                    .randomElement(using: &generator) ?? ""
                let (left, right) =
                    known.unicodeScalars.count >= SecretRedaction.wholeTokenBelowLength
                    ? ("q", "q")
                    : (
                        delimiters.randomElement(using: &generator) ?? " ",
                        delimiters.randomElement(using: &generator) ?? " "
                    )
                text += filler + left + known + right + filler + (terminators.randomElement(using: &generator) ?? "\n")
            }
            assertClean(SecretRedaction.scrub(text, secrets: [known]), text, kept: [], "round \(round) scrub \(known)")
        }
    }

    /// `secret` as a config value: bare, double-quoted as sdscatrepr writes it, all hex escapes, single-quoted, or
    /// with its quotes left open (a line Redis refuses).
    private static func encode(_ secret: [Unicode.Scalar], using generator: inout SplitMix64) -> String {
        var bare = String.UnicodeScalarView()
        bare.append(contentsOf: secret)
        let needsQuotes = secret.contains { " \t\"'\\".unicodeScalars.contains($0) }
        var doubleQuoted = "\""
        for scalar in secret {
            switch scalar {
            case "\"": doubleQuoted += "\\\""
            case "\\": doubleQuoted += "\\\\"
            case "\t": doubleQuoted += "\\t"
            default: doubleQuoted.unicodeScalars.append(scalar)
            }
        }
        doubleQuoted += "\""
        let hex =
            "\""
            + secret.map { scalar in
                let digits = String(scalar.value, radix: 16)
                return "\\x" + (digits.count == 1 ? "0" + digits : digits)
            }.joined() + "\""
        switch Int.random(in: 0..<5, using: &generator) {
        case 0 where !needsQuotes && secret.first != "#": return String(bare)
        case 1 where !secret.contains("'") && !secret.contains("\\"): return "'" + String(bare) + "'"
        case 2: return hex
        case 3: return String(doubleQuoted.dropLast())
        default: return doubleQuoted
        }
    }
}

/// A small seeded generator, so a failing round can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
