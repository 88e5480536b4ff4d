import Reports
import XCTest

/// The fast paths of OutputText (plain ASCII, no special bytes, no link pattern) return what the full escaping
/// returns: the same output for text that takes them and text that just misses them.
final class OutputTextFastPathTests: XCTestCase {
    func testMarkdownLinkPatternsAreBrokenInEveryCaseAndPlainTextIsKept() {
        XCTAssertEqual(OutputText.markdown("see WwW.example.org"), "see WwW\\[.\\]example.org")
        XCTAssertEqual(OutputText.markdown("www.a and wWw.b"), "www\\[.\\]a and wWw\\[.\\]b")
        XCTAssertEqual(OutputText.markdown("redis://h:6379"), "redis\\[:\\]//h:6379")
        XCTAssertEqual(OutputText.markdown("ops@example"), "ops\\[@\\]example")
        XCTAssertEqual(OutputText.markdown("7.0.15 on 10.0.1.15:6379"), "7.0.15 on 10.0.1.15:6379")
        XCTAssertEqual(OutputText.markdown("ww.x w.ww .www"), "ww.x w.ww .www")
        XCTAssertEqual(OutputText.markdown("é www.x"), "é www\\[.\\]x", "non-ASCII text takes the full path")
        XCTAssertEqual(OutputText.markdown("a_b*c"), "a\\_b\\*c")
    }

    func testHTMLAndTerminalKeepPlainTextAndEscapeTheRest() {
        XCTAssertEqual(OutputText.html("plain 7.0.15"), "plain 7.0.15")
        XCTAssertEqual(OutputText.html("a<b & 'c'"), "a&lt;b &amp; &#39;c&#39;")
        XCTAssertEqual(OutputText.terminal("plain"), "plain")
        XCTAssertEqual(OutputText.terminal("bell\u{7}"), "bell\\x07")
        XCTAssertEqual(OutputText.terminal("del\u{7F}"), "del\\x7f")
    }
}
