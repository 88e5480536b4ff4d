#!/usr/bin/env python3
"""Checks that the module graph is what Package.swift says: every module a target imports is one of its declared
dependencies, and every dependency it declares is imported somewhere in it. Run by .ci/run and `make lint`.
Exit 0 when the graph is true; 1 with one line per difference otherwise."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Modules of the toolchain and the OS: imported freely, never declared.
SYSTEM = {"Foundation", "FoundationEssentials", "Glibc", "Musl", "Darwin", "Dispatch", "XCTest", "Testing",
          "Synchronization", "os", "PackageDescription", "_Concurrency", "Android", "WinSDK", "ucrt"}

def targets(package):
    """(name, kind, path or None, [dependency module names]) for every target in Package.swift."""
    found = []
    for match in re.finditer(r'\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)"', package):
        kind, name = match.group(1), match.group(2)
        # The target's own argument list: up to the parenthesis that closes it.
        depth, end = 0, match.end()
        for index in range(match.start(), len(package)):
            if package[index] == "(":
                depth += 1
            elif package[index] == ")":
                depth -= 1
                if depth == 0:
                    end = index
                    break
        body = package[match.end():end]
        path = re.search(r'path:\s*"([^"]+)"', body)
        deps = []
        dependencies = re.search(r'dependencies:\s*\[(.*?)\]\s*(,|$)', body, re.S)
        if dependencies:
            text = dependencies.group(1)
            deps += re.findall(r'\.product\(\s*name:\s*"([^"]+)"', text)
            deps += re.findall(r'(?<![\w:])"([^"]+)"(?!\s*\))', re.sub(r'\.product\([^)]*\)', "", text))
        found.append((name, kind, path.group(1) if path else None, deps))
    return found

def imports(directory):
    modules = {}
    for root, _, files in os.walk(directory):
        for file in files:
            if not file.endswith(".swift"):
                continue
            with open(os.path.join(root, file), encoding="utf-8") as handle:
                for line in handle:
                    match = re.match(r'(?:@testable\s+|@_exported\s+|@preconcurrency\s+)*import\s+(?:struct\s+|enum\s+|class\s+|func\s+)?([A-Za-z_][A-Za-z0-9_]*)', line)
                    if match:
                        modules.setdefault(match.group(1), os.path.relpath(os.path.join(root, file), ROOT))
    return modules

def main():
    with open(os.path.join(ROOT, "Package.swift"), encoding="utf-8") as handle:
        package = handle.read()
    problems = []
    for name, kind, path, deps in targets(package):
        if kind == "systemLibrary":
            continue
        directory = os.path.join(ROOT, path or ("Tests/" + name if kind == "testTarget" else "Sources/" + name))
        used = imports(directory)
        for module, file in sorted(used.items()):
            if module not in SYSTEM and module not in deps and module != name:
                problems.append(f"{name}: imports {module} ({file}) but does not declare it in Package.swift")
        for dependency in deps:
            if dependency not in used:
                problems.append(f"{name}: declares {dependency} in Package.swift but no file of it imports it")
    for problem in problems:
        print("check-imports: " + problem)
    if not problems:
        print(f"check-imports: {len(targets(package))} targets, every import declared and every dependency used")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())
