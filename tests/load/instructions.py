#!/usr/bin/env python3
"""Server instructions per call over the load suite, counted by Valgrind (callgrind).

`ab_suite.py` pairs server CPU time, which on a shared two-core machine wanders ±10–30 % from
round to round, so a ±5 % difference takes some thirty rounds a row to show. An instruction
count wanders far less: the machine's other load does not enter it, only how the calls happen
to arrive (Valgrind runs the server's threads one at a time, so how many requests one wake-up
finds varies from run to run); rows differ by 0.1–5 % between runs, most by under 1 %
(docs/benchmarks/2026-12-07-instructions.md). It is not CPU time (a cache miss costs more than
an add), but where two builds or two contracts do different amounts of work it says how much,
and where.

Both sides' servers run `llmarket-server all` under `valgrind --tool=callgrind` with counting
off, side by side. For each row and side the suite's ghz request is sent 300 times to warm up
(connections, reflection, allocator), then counting is zeroed, the row's calls are sent (ghz
`-c 50`) and the count dumped: instructions per call = the dump's total ÷ calls. Each round runs
every row on both sides back to back, which side goes first alternating; a row's figure is the
median over the rounds, the spread the lowest and highest ratio of one round. ghz resolves the
method by reflection on each run, a fixed few hundred thousand instructions spread over the
calls.

Pairs are made as in `ab_suite.py`: two binaries on the suite's v1 reads (or with `--contract
v2` on the v2 reads), or with `--v2 BIN` each v1 read and the same read in contract v2 on one
binary. With `--profile DIR` each row's first-round dump is kept there, to read with
`callgrind_annotate` (e.g. `--inclusive=yes`, or `--tree=caller` for who calls what).

Needs valgrind (Debian `valgrind`) and ghz (`eval "$(tests/tools.sh)"`). Loopback only.
Usage: instructions.py BEFORE_BIN AFTER_BIN [--calls N] [--rounds R] [--cache on|off|both] [--only SUBSTRING]
                       [--contract v1|v2] [--profile DIR] [--write FILE]
       instructions.py --v2 BIN [same options]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ab_suite  # noqa: E402  (the suite's pairs: v1 rows, their v2 forms)
import bench  # noqa: E402  (the server and ghz runner)


def callgrind_control(pid, *flags):
    subprocess.run(["callgrind_control", *flags, str(pid)], check=True, capture_output=True)


def dumped_total(dump):
    """The `totals:` line of a callgrind dump (instructions, the only event collected)."""
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    sys.exit(f"{dump} has no totals line")


class CountedServer:
    """One side's `llmarket-server all` under callgrind, counting only what [`count`] asks."""

    def __init__(self, args, which, bin_path, cache, work):
        self.args, self.which, self.cache = args, which, cache
        self.work = work / f"{which}-{cache}"
        self.work.mkdir()
        os.environ["LLMARKET_REPLY_CACHE"] = cache
        wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-instr=no",
                   f"--callgrind-out-file={self.work / 'callgrind.out'}",
                   f"--log-file={self.work / 'valgrind.log'}"]
        self.server = bench.Server(bin_path, args.server_core, self.work, [], wrapper=wrapper)
        callgrind_control(self.server.proc.pid, "--instr=on")

    def count(self, row, round_no):
        """Instructions per call of `row`: a warm-up, then the row's calls counted alone."""
        pid = self.server.proc.pid
        ab_suite.check(bench.measure(self.args, self.server, row[:4], 300, row[4], self.work), row)
        before = set(self.work.glob("callgrind.out.*"))
        callgrind_control(pid, "--zero")
        result = ab_suite.check(bench.measure(self.args, self.server, row[:4], self.args.calls, row[4], self.work), row)
        callgrind_control(pid, "--dump")
        dump = max(set(self.work.glob("callgrind.out.*")) - before, key=lambda p: int(p.suffix[1:]))
        if self.args.profile and round_no == 0:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", row[0]).strip("-")
            shutil.copy(dump, self.args.profile / f"{self.which}-{self.cache}-{slug}.callgrind")
        counted = dumped_total(dump) / result["count"]
        dump.unlink()
        return counted

    def stop(self):
        self.server.stop()


def pairs_of(args, work):
    """The suite's pairs (`ab_suite.suite_pairs`); the milestone's name from a plain server."""
    work.mkdir()
    server = bench.Server(args.after or args.v2, args.server_core, work, [])
    try:
        milestone = bench.resolve_milestone(args, server, work)
    finally:
        server.stop()
    return ab_suite.suite_pairs(args, milestone)


def table(args, results):
    how = "--v2 BIN" if args.v2 else "BEFORE AFTER"
    flags = "".join(f" --only '{part}'" for part in args.only)
    flags += " --contract v2" if args.contract == "v2" and not args.v2 else ""
    names = ("v1", "v2") if args.v2 else ("before", "after")
    lines = [
        f"`tests/load/instructions.py {how} --calls {args.calls} --rounds {args.rounds}{flags}`: "
        f"median server instructions per call (callgrind) over {args.rounds} rounds of "
        f"{args.calls} calls a row; spread = lowest and highest ratio of a single round.",
        "",
        f"| call | reply cache | {names[0]} | {names[1]} | {names[1]}/{names[0]} | spread |",
        "|---|---|---|---|---|---|",
    ]
    worst = 0.0
    for cache, figures in results.items():
        for name, (before, after) in figures.items():
            b, a = statistics.median(before), statistics.median(after)
            ratios = [y / x for x, y in zip(before, after)]
            worst = max(worst, abs(a / b - 1))
            lines.append(f"| {name} | {cache} | {b:,.0f} | {a:,.0f} | {a / b:.3f} | "
                         f"{min(ratios):.3f}–{max(ratios):.3f} |")
    lines += ["", f"Largest distance of a row's ratio from 1: {worst * 100:.1f} %."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ab_suite.pairing_arguments(parser, calls=2000, rounds=3)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="keep each row's first-round callgrind dump here")
    args = ab_suite.parse_pairing(parser)
    for tool in ("valgrind", "callgrind_control", "ghz"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not on PATH (valgrind: Debian's valgrind; ghz: eval \"$(tests/tools.sh)\")")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    # What bench.measure/ghz read from their arguments: plaintext, -c 50, server core 0, ghz core 1.
    args.tls, args.concurrency, args.server_core, args.client_core = False, 50, 0, 1
    work = Path(tempfile.mkdtemp(prefix="llmarket-instructions-"))
    caches = ["on", "off"] if args.cache == "both" else [args.cache]
    results = {}
    pairs = pairs_of(args, work / "names")  # the same rows whatever the cache does
    for cache in caches:
        sides = []
        try:
            for which, path in (("before", args.before or args.v2), ("after", args.after or args.v2)):
                sides.append(CountedServer(args, which, path, cache, work))
            # {before row's name: ([before per round], [after per round])}
            figures = {pair[0][0]: ([], []) for pair in pairs}
            for round_no in range(args.rounds):
                order = (0, 1) if round_no % 2 == 0 else (1, 0)
                for pair in pairs:
                    for side in order:
                        figures[pair[0][0]][side].append(sides[side].count(pair[side], round_no))
                print(f"cache {cache}: round {round_no + 1} of {args.rounds} done", file=sys.stderr)
        finally:
            for side in sides:
                side.stop()
        results[cache] = figures
    text = table(args, results)
    print(text)
    if args.write:
        with open(args.write, "a") as out:
            out.write("\n" + text + "\n")
    shutil.rmtree(work)  # kept when a run fails (its servers' logs are there)


if __name__ == "__main__":
    main()
