// libFuzzer's driver, for executables that keep their own main (SwiftPM links every executable's main to its
// module's entry point). Provided by the fuzzer runtime that `-sanitize=fuzzer` links (compiler-rt
// FuzzerDriver.cpp, LLVM 11 and later).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
