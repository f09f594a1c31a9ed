"""How long a test suite waits for a server: the first and the following in-process starts.

    .venv/bin/python benchmarks/startup.py                  # default profile (win2016) and win2016-dc, 50 starts each
    .venv/bin/python benchmarks/startup.py --runs 200 --profiles win2000,win2016

A start is the time from the call to a server listening on 127.0.0.1: entering
``async with smbemu.serve(profile=...)`` (the fixture corp.yaml), and the pytest fixture's way,
`smbemu.testing.start_in_thread` (its own event loop in a thread). Each profile runs in a fresh
Python process, so its first start is the first of a process (``import smbemu`` done, nothing
parsed yet); the next starts reuse what the first parsed (smbemu.builder). "parsing every time"
clears that cache before each start: what every start cost before the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from typing import Any


def _child(profile: str, runs: int) -> dict[str, Any]:
    import smbemu
    from smbemu.testing import start_in_thread

    try:
        from smbemu.builder import clear_cache
    except ImportError:  # a tree from before the cache: every start parses anyway
        def clear_cache() -> None:
            pass

    async def serve_once(clear: bool) -> float:
        if clear:
            clear_cache()
        began = time.perf_counter()
        async with smbemu.serve(profile=profile):
            ready = time.perf_counter()
        return (ready - began) * 1000

    def thread_once() -> float:
        began = time.perf_counter()
        threaded, _ = start_in_thread(profile)
        ready = time.perf_counter()
        threaded.stop()
        return (ready - began) * 1000

    async def measure() -> dict[str, Any]:
        first = await serve_once(False)
        following = [await serve_once(False) for _ in range(runs)]
        threaded = [thread_once() for _ in range(runs)]
        uncached = [await serve_once(True) for _ in range(max(5, runs // 5))]
        return {
            "profile": profile,
            "first": first,
            "next_median": statistics.median(following),
            "next_p90": sorted(following)[int(len(following) * 0.9) - 1],
            "thread_median": statistics.median(threaded),
            "uncached_median": statistics.median(uncached),
        }

    return asyncio.run(measure())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="starts after the first, per profile (default 50)")
    parser.add_argument("--profiles", default="win2016,win2016-dc", help="comma-separated (default: win2016,win2016-dc)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(_child(args.child, args.runs)))
        return 0
    print(f"Python {sys.version.split()[0]}, {args.runs} starts after the first; milliseconds")
    print()
    print("| profile | first start | next starts, median | next, 90th percentile | next, smbemu_server's way (thread), median | parsing every time, median |")
    print("|---|---|---|---|---|---|")
    for profile in args.profiles.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--child", profile, "--runs", str(args.runs)],
            check=True, capture_output=True, text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"| {r['profile']} | {r['first']:.0f} | {r['next_median']:.1f} | {r['next_p90']:.1f} | "
              f"{r['thread_median']:.1f} | {r['uncached_median']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
