import CFuzzerDriver
import Foundation
import FuzzTargets

/// One input from libFuzzer through FuzzTarget.rules. The fuzzer runtime calls it by this C name; a trap or an
/// AddressSanitizer report inside ends the run with a crash file.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzTarget.rules.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}

// SwiftPM points every executable's `main` at this file, so libFuzzer's own main is not linked: its driver is
// called here instead, with the command line (-max_total_time, corpus directories, ...) as libFuzzer reads it.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
