#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Package.swift) and runs each for FUZZ_SECONDS (default 30), one after the other.
# A crash is copied to Fuzz/regressions/<target>/ (Tests/FuzzRegressionTests replays it in every `swift test`) and
# the run goes on with the next target; the exit status is 1 when any target crashed.
#   make fuzz                                   every target, 30 s each
#   FUZZ_SECONDS=120 FUZZ_TARGETS="info evaluator" make fuzz
# New corpus entries stay in .build-fuzz/corpus/<target> (git-ignored); the committed seeds are Fuzz/seeds/<target>.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
build=.build-fuzz
# Release: the info target ran ~12 inputs a second unoptimised under ASan, ~240 optimised (same machine, same
# seeds); overflow checks stay on at -O, so every trap the issue is about still fires. lld: gold stopped with an
# internal error (dwarf_reader.cc) linking these executables.
flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld --build-path "../$build")
all=$(sed -n 's/^    case \([a-zA-Z0-9]*\)\( = "\([a-z0-9-]*\)"\)\{0,1\}$/\1 \3/p' Sources/FuzzTargets/FuzzTargets.swift |
    awk '{ print ($2 == "" ? $1 : $2) }')
targets=${FUZZ_TARGETS:-$all}

(cd Fuzz && swift build "${flags[@]}") || exit 2
status=0
for target in $targets; do
    corpus=$build/corpus/$target
    artifacts=$build/artifacts/$target
    mkdir -p "$corpus" "$artifacts" "Fuzz/regressions/$target"
    echo "== fuzz-$target: ${seconds}s"
    started=$(date +%s)
    # No leak detection (libFuzzer's per input, LeakSanitizer's at exit): the toolchain's FoundationEssentials
    # leaks 4 KiB reading an empty file (String(contentsOfFile:)), which made every file-reading target "crash" on
    # the empty input; a bounded leak is not what this fuzzing is for (docs/security.md).
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
        "$build/release/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -detect_leaks=0 \
        -artifact_prefix="$artifacts/" "$corpus" "Fuzz/seeds/$target" 2>"$build/fuzz-$target.log"
    code=$?
    tail -n 12 "$build/fuzz-$target.log" | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|SUMMARY|ERROR' || true
    echo "   ran $(($(date +%s) - started)) s, exit $code, corpus $(ls "$corpus" | wc -l) inputs"
    for crash in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
        [ -e "$crash" ] || continue
        cp "$crash" "Fuzz/regressions/$target/"
        echo "   kept $(basename "$crash") in Fuzz/regressions/$target/ (log: $build/fuzz-$target.log)"
        rm "$crash"
        status=1
    done
    [ "$code" -eq 0 ] || status=1
done
exit $status
