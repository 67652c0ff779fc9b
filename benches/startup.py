#!/usr/bin/env python3
"""Start-to-first-`tools/list` of a connector binary, over stdio, against a baseline measured in
the same run: the same binary answering `--version` (process start alone).

Usage: benches/startup.py BINARY [RUNS]     (see benches/startup.sh for the GitHub connector)
"""
import json
import statistics
import subprocess
import sys
import time

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {},
    "clientInfo": {"name": "startup-bench", "version": "1"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


def first_list(binary):
    start = time.perf_counter()
    proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    for message in (INIT, INITIALIZED, LIST):
        proc.stdin.write((json.dumps(message) + "\n").encode())
    proc.stdin.flush()
    tools = None
    for line in proc.stdout:
        reply = json.loads(line)
        if reply.get("id") == 2:
            tools = len(reply["result"]["tools"])
            break
    elapsed = time.perf_counter() - start
    proc.stdin.close()
    proc.wait()
    return elapsed, tools


def version(binary):
    start = time.perf_counter()
    subprocess.run([binary, "--version"], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    version(binary)
    first_list(binary)  # warm the page cache
    base = statistics.median(version(binary) for _ in range(runs))
    samples = [first_list(binary) for _ in range(runs)]
    listed = statistics.median(s[0] for s in samples)
    print(f"{binary}: first page of tools/list ({samples[0][1]} tools), median of {runs} runs")
    print(f"  baseline: process start (--version)   {base * 1000:7.1f} ms")
    print(f"  start -> first tools/list answered    {listed * 1000:7.1f} ms  ({listed / base:.1f}x baseline)")


if __name__ == "__main__":
    main()
