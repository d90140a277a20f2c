#!/usr/bin/env python3
"""Paired server CPU per call over the load suite: two binaries, or v1 against v2 on one binary.

`ab.sh` pairs two binaries on one call; this pairs them on every row of `bench.py` (the same
rows, requests and ghz flags), with the reply cache on and then off. Both servers run
`llmarket-server all` with their defaults on one pinned core, ghz on the other. After a warm-up
of every row on both, each round runs every row on both servers back to back (which goes first
alternates between rounds), so drift in the machine's load hits both alike; a row's figure is the
median over the rounds, and the spread is the lowest and highest per-round ratio.

With `--v2 BIN` it pairs, on one server, each v1 read of the suite with the same read in contract
v2 (`V2_ROWS`: the same series, scheme, concepts and milestone, as the built-in edition 2026);
"before" is v1, "after" v2. With two binaries, `--contract v2` pairs them on those v2 reads
instead of the v1 ones.

CPU time is read from every thread's /proc/PID/task/TID/schedstat (nanoseconds on the CPU)
instead of /proc/PID/stat's 10 ms ticks, which at 20,000 calls of ~20 µs are 2.5 % of a run; the
time of a thread that exits during a run is lost (the servers' threads live as long as they do).

With `--client h2load` the load comes from h2load (one connection, 50 streams) instead of ghz.
ghz decodes every reply, so on rows with large replies the client, not the server, sets the pace,
and a server that gets fewer calls per wake-up spends more CPU on each; h2load decodes nothing,
and the server is the busier side. The gRPC status is read from `grpc_server_handled_total`.

Usage: ab_suite.py BEFORE_BIN AFTER_BIN [--calls N] [--rounds R] [--cache on|off|both] [--write FILE]
                   [--only SUBSTRING] [--client ghz|h2load] [--contract v1|v2]
       ab_suite.py --v2 BIN [--calls N] [--rounds R] [--cache on|off|both] [--write FILE]
                   [--only SUBSTRING] [--client ghz|h2load]
`--only` keeps the rows whose name contains SUBSTRING (e.g. `--only SearchConcepts`); given more
than once, the rows that contain any of them.
Prints a markdown table (and with --write appends it to FILE); with --v2 and LLMARKET_PYTHON set
(`eval "$(tests/tools.sh)"`), each row's v1 and v2 reply sizes too. Exits non-zero when a call
failed.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the suite's rows, server and ghz runner)


def cpu_in_ticks(pid):
    """The process's CPU time so far in clock ticks (a float), from its threads' schedstat."""
    nanos = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            nanos += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # the thread exited between listing and reading
    return nanos * os.sysconf("SC_CLK_TCK") / 1e9


def rows_of(milestone):
    """The suite's rows as bench.run() makes them (plaintext): reflection, --proto, gzip."""
    rows = [r if r[0] != "GetMilestone, en" else (r[0], r[1], r[2], {**r[3], "name": milestone})
            for r in bench.ROWS]
    return ([(*r, "reflection") for r in rows] + [(*bench.PROTO_ROW, "proto")]
            + [(*r, "gzip") for r in bench.GZIP_ROWS])


V2_FORECAST = "llmarket.forecast.v2.ForecastService"
V2_TAXONOMY = "llmarket.taxonomy.v2.TaxonomyService"
V2_DATASET = "datasets/cic-global-llm"
V2_SERIES = f"{V2_DATASET}/series/market-size"
V2_CONCEPT = f"{V2_DATASET}/schemes/industry/concepts/maas"
# The v2 request of each v1 row of bench.py (by the v1 row's name); v2 texts carry every language.
V2_ROWS = {
    "ListDatasets": (f"{V2_FORECAST}/ListDatasets", {}),
    "GetDataset": (f"{V2_FORECAST}/GetDataset", {"name": V2_DATASET}),
    "ListSeries": (f"{V2_FORECAST}/ListSeries", {"parent": V2_DATASET}),
    "GetSeries market-size": (f"{V2_FORECAST}/GetSeries", {"name": V2_SERIES}),
    "GetObservations market-size, FILL_CAGR_INTERPOLATE": (
        f"{V2_FORECAST}/QueryObservations", {"name": V2_SERIES, "fill": "FILL_CAGR_INTERPOLATE"}),
    "ComputeGrowth market-size": (f"{V2_FORECAST}/ComputeGrowth", {"name": V2_SERIES}),
    "GetBreakdown market-size": (f"{V2_FORECAST}/ComputeBreakdown", {"name": V2_SERIES}),
    "ProjectSeries market-size, stated rate": (
        f"{V2_FORECAST}/ProjectSeries", {"name": V2_SERIES, "stated_rate": True, "end_year": 2035}),
    "CheckConsistency": (f"{V2_FORECAST}/CheckConsistency", {"name": V2_DATASET}),
    "ListSchemes, en": (f"{V2_TAXONOMY}/ListSchemes", {"parent": V2_DATASET}),
    "GetScheme industry, en": (f"{V2_TAXONOMY}/GetScheme", {"name": f"{V2_DATASET}/schemes/industry"}),
    # v1's ListConcepts returns whole concepts; v2's would default to CONCEPT_VIEW_BASIC.
    "ListConcepts industry, en": (
        f"{V2_TAXONOMY}/ListConcepts", {"parent": f"{V2_DATASET}/schemes/industry", "view": "CONCEPT_VIEW_FULL"}),
    "GetConcept industry/maas, en": (f"{V2_TAXONOMY}/GetConcept", {"name": V2_CONCEPT}),
    "BatchGetConcepts 2 concepts, en": (
        f"{V2_TAXONOMY}/BatchGetConcepts",
        {"parent": f"{V2_DATASET}/schemes/industry",
         "names": [V2_CONCEPT, f"{V2_DATASET}/schemes/industry/concepts/pureplay"]}),
    'SearchConcepts "推理", page_size 10': (
        f"{V2_TAXONOMY}/SearchConcepts", {"parent": f"{V2_DATASET}/schemes/-", "query": "推理", "page_size": 10}),
    'SearchConcepts "e", default page': (
        f"{V2_TAXONOMY}/SearchConcepts", {"parent": f"{V2_DATASET}/schemes/-", "query": "e"}),
    "ListMilestones, en": (f"{V2_TAXONOMY}/ListMilestones", {"parent": V2_DATASET}),
    "GetMilestone, en": (f"{V2_TAXONOMY}/GetMilestone", None),  # the name comes from the data
}


def v2_pairs(milestone):
    """(v1 row, v2 row) for every v1 read of the suite that v2 has, reflection and gzip alike."""
    pairs = []
    for row in rows_of(milestone):
        v2 = V2_ROWS.get(row[0].removesuffix(", gzip"))
        if v2 is None or row[4] == "proto":
            continue
        data = v2[1] if v2[1] is not None else {"name": f"{V2_DATASET}/{milestone}"}
        pairs.append((row, (row[0], row[1], v2[0], data, row[4])))
    return pairs


def suite_pairs(args, milestone):
    """(before's row, after's row) of every row `--only` keeps: the same row on two binaries
    (the v1 read, or with `--contract v2` its v2 form), or with `--v2` its v1 and v2 forms."""
    if args.v2:
        pairs = v2_pairs(milestone)
    elif args.contract == "v2":
        pairs = [(v2, v2) for _, v2 in v2_pairs(milestone)]
    else:
        pairs = [(row, row) for row in rows_of(milestone)]
    if args.only:
        pairs = [pair for pair in pairs if any(part in pair[0][0] for part in args.only)]
    if not pairs:
        sys.exit(f"no row of the suite has any of {args.only!r} in its name")
    return pairs


def pairing_arguments(parser, calls, rounds):
    """The arguments ab_suite.py and instructions.py share: what is paired, and how much."""
    parser.add_argument("before", type=Path, nargs="?")
    parser.add_argument("after", type=Path, nargs="?")
    parser.add_argument("--v2", type=Path, metavar="BIN", help="pair v1 and v2 reads on this one binary")
    parser.add_argument("--calls", type=int, default=calls)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--cache", choices=["on", "off", "both"], default="both")
    parser.add_argument("--contract", choices=["v1", "v2"], default="v1",
                        help="with two binaries: pair them on the suite's v1 reads or on the same reads in v2")
    parser.add_argument("--write", type=Path, help="append the table to this markdown file")
    parser.add_argument("--only", action="append", default=[], metavar="SUBSTRING",
                        help="run only the rows whose name contains SUBSTRING (repeatable: any of them)")


def parse_pairing(parser):
    """The parsed arguments, with two binaries or `--v2` checked."""
    args = parser.parse_args()
    if (args.v2 is None) == (args.before is None or args.after is None):
        parser.error("give BEFORE_BIN and AFTER_BIN, or --v2 BIN")
    return args


def run_mode(args, cache, work):
    """Every row paired under LLMARKET_REPLY_CACHE=cache: {row: ([before µs], [after µs])}."""
    os.environ["LLMARKET_REPLY_CACHE"] = cache
    servers = {}
    try:
        sides = (("before", args.before), ("after", args.after)) if not args.v2 else (("v1-and-v2", args.v2),)
        for which, path in sides:
            (work / which).mkdir(exist_ok=True)
            servers[which] = bench.Server(path, args.server_core, work / which, [])
        if args.v2:
            servers["before"] = servers["after"] = servers["v1-and-v2"]
        milestone = bench.resolve_milestone(args, servers["after"], work)
        pairs = suite_pairs(args, milestone)
        if args.v2 and not args.sizes:  # each v1 and v2 reply's bytes, once (the same either cache mode)
            v1_sizes, v2_sizes = (bench.reply_sizes(args, servers["after"], [pair[side] for pair in pairs])
                                  for side in (0, 1))
            args.sizes = {name: (v1_sizes[name][0], v2_sizes[name][0]) for name in v1_sizes if name in v2_sizes}
        frames = client_frames(args, pairs, work)

        def measure(side, row, calls):
            server = servers[("before", "after")[side]]
            if args.client == "h2load":
                return bench.h2load(args, server, row, frames[side][row[0]], calls, work)
            return bench.measure(args, server, row[:4], calls, row[4], work)

        for pair in pairs:  # warm-up: connections, caches, allocator
            for side, row in enumerate(pair):
                check(measure(side, row, 2000), row)
        figures = {pair[0][0]: ([], []) for pair in pairs}
        for round_no in range(args.rounds):
            order = (0, 1) if round_no % 2 == 0 else (1, 0)
            for pair in pairs:
                for side in order:
                    row = pair[side]
                    result = check(measure(side, row, args.calls), row)
                    figures[pair[0][0]][side].append(result["cpu_us"])
            print(f"cache {cache}: round {round_no + 1} of {args.rounds} done", file=sys.stderr)
        return figures
    finally:
        for server in set(servers.values()):
            server.stop()


def client_frames(args, pairs, work):
    """With --client h2load, each side's request frames ({row: frame file}, sizes.py): [before, after]."""
    if args.client != "h2load":
        return [{}, {}]
    frames = []
    for side in (0, 1):
        (work / f"frames-{side}").mkdir(exist_ok=True)
        made = bench.request_frames(args, [pair[side] for pair in pairs], work / f"frames-{side}")
        if not made:
            sys.exit("--client h2load needs h2load (Debian's nghttp2-client) and LLMARKET_PYTHON "
                     '(eval "$(tests/tools.sh)")')
        frames.append(made)
    return frames


def check(result, row):
    if result["errors"]:
        sys.exit(f"{row[0]}: {result['errors']} calls failed: {result['codes']}")
    return result


def table(args, results):
    how = "--v2 BIN" if args.v2 else "BEFORE AFTER"
    flags = "".join(f" --only '{part}'" for part in args.only)
    flags += " --client h2load" if args.client == "h2load" else ""
    flags += " --contract v2" if args.contract == "v2" and not args.v2 else ""
    lines = [
        f"`tests/load/ab_suite.py {how} --calls {args.calls} --rounds {args.rounds}{flags}`: "
        f"median server CPU per call over {args.rounds} rounds of {args.calls} calls; spread = lowest "
        "and highest ratio of a single round.",
        "",
        ("| call (v1 row of the suite) | reply cache | v1 µs | v2 µs | v2/v1 | spread | v1 / v2 reply bytes |"
         if args.v2 else "| call | reply cache | before µs | after µs | after/before | spread |"),
        "|---|---|---|---|---|---|---|" if args.v2 else "|---|---|---|---|---|---|",
    ]
    worst = 0.0
    for cache, figures in results.items():
        for name, (before, after) in figures.items():
            b, a = statistics.median(before), statistics.median(after)
            ratios = [y / x for x, y in zip(before, after) if x > 0]
            worst = max(worst, abs(a / b - 1))
            line = f"| {name} | {cache} | {b:.2f} | {a:.2f} | {a / b:.3f} | {min(ratios):.2f}–{max(ratios):.2f} |"
            if args.v2:
                sizes = args.sizes.get(name)
                line += f" {sizes[0]} / {sizes[1]} |" if sizes else " – |"
            lines.append(line)
    lines += ["", f"Largest distance of a row's ratio from 1: {worst * 100:.1f} %."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    pairing_arguments(parser, calls=20000, rounds=5)
    parser.add_argument("--client", choices=["ghz", "h2load"], default="ghz",
                        help="the load client: ghz decodes every reply, h2load none (the server, not "
                             "the client, is then the busier side)")
    args = parse_pairing(parser)
    bench.cpu_ticks = cpu_in_ticks  # bench.measure reads CPU through this name
    # What bench.measure/ghz read from their arguments: plaintext, -c 50, server core 0, ghz core 1.
    args.tls, args.concurrency, args.server_core, args.client_core = False, 50, 0, 1
    args.sizes = {}  # --v2: {row: (v1 reply bytes, v2 reply bytes)}, by sizes.py when LLMARKET_PYTHON is set
    work = Path(tempfile.mkdtemp(prefix="llmarket-ab-suite-"))
    caches = ["on", "off"] if args.cache == "both" else [args.cache]
    results = {cache: run_mode(args, cache, work) for cache in caches}
    text = table(args, results)
    print(text)
    if args.write:
        with open(args.write, "a") as out:
            out.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
