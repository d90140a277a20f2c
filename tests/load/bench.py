#!/usr/bin/env python3
"""The load suite: every read RPC of both services beside the empty call, on pinned cores.

One `llmarket-server all` (built-in data, the server's defaults: limits on, metrics on an admin
listener, access log `errors`) runs on one core; ghz runs on the other. For each row ghz makes
enough calls for about `--cpu-per-run` seconds of server CPU (from a warm-up run; at least 2,000,
at most `--calls`) at `-c --concurrency`; the server's CPU time is read from /proc/PID/stat (user +
system, every thread; 10 ms ticks) around each run, so CPU per call is the server's own cost
whatever ghz's throughput is. Reply sizes come from sizes.py (in the Python of tests/tools.sh). Rounds go over every row in turn, so drift in the machine's load hits all rows
alike; the table gives the median of the rounds. Ratios are to the empty call
(grpc.health.v1.Health/Check on the same process) in the same run.

Rows call by reflection, as most users will; one row calls GetSeries by `--proto` from proto/,
the other way to load-test (no reflection round trip, no reflection service needed), and the
rows marked gzip call with `--enable-compression` (gzip both ways, as the caller asks; plaintext
only, see run()).

Each row is also run by h2load (nghttp2, C; Debian's nghttp2-client), one connection with
`--concurrency` streams at once as ghz's workers share one, sending the request as a prepared gRPC
frame (sizes.py --frames) and reading replies without decoding them. ghz decodes every reply by
reflection on its one core, which makes it the bottleneck of the big-reply rows, so its p99 is
mostly its own queue; h2load's p99 is the server's (and the kernel's). h2load reads HTTP statuses
only, so its errors are counted by the server: calls made minus the rise of
`grpc_server_handled_total{grpc_code="OK"}` for the method on the admin listener's /metrics.
Without h2load or the Python of tests/tools.sh the h2load table is left out, and the summary says so.

With --tls the same server serves TLS (certificates made now with openssl) with an auth file, and
every call carries a bearer token made by `llmarket-server token new`.

Usage: bench.py --server BIN [--calls N] [--rounds R] [--cpu-per-run S] [--tls] [--quick] [--write FILE]
--quick: every row once with 1,000 calls, for the test command: fails on any error, asserts no time.
Exits non-zero when any call failed.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO = ROOT / "proto"
FORECAST = "llmarket.forecast.v1.ForecastService"
TAXONOMY = "llmarket.taxonomy.v1.TaxonomyService"
DATASET = "datasets/cic-global-llm-2026"
SERIES = f"{DATASET}/series/market-size"
CONCEPT = "schemes/industry/concepts/maas"
EMPTY = "Health/Check (empty call)"

# (row, service the address belongs to, method, request); the first row is the empty call.
ROWS = [
    (EMPTY, "forecast", "grpc.health.v1.Health/Check", {}),
    ("ListDatasets", "forecast", f"{FORECAST}/ListDatasets", {}),
    ("GetDataset", "forecast", f"{FORECAST}/GetDataset", {"name": DATASET}),
    ("ListSeries", "forecast", f"{FORECAST}/ListSeries", {"parent": DATASET}),
    ("GetSeries market-size", "forecast", f"{FORECAST}/GetSeries", {"name": SERIES}),
    ("GetObservations market-size, FILL_CAGR_INTERPOLATE", "forecast", f"{FORECAST}/GetObservations",
     {"series": SERIES, "fill": "FILL_CAGR_INTERPOLATE"}),
    ("ComputeGrowth market-size", "forecast", f"{FORECAST}/ComputeGrowth", {"series": SERIES}),
    ("GetBreakdown market-size", "forecast", f"{FORECAST}/GetBreakdown", {"series": SERIES}),
    ("ProjectSeries market-size, stated rate", "forecast", f"{FORECAST}/ProjectSeries",
     {"series": SERIES, "stated_rate": True, "end_year": 2035}),
    ("CheckConsistency", "forecast", f"{FORECAST}/CheckConsistency", {"dataset": DATASET}),
    ("ListSchemes, en", "taxonomy", f"{TAXONOMY}/ListSchemes", {"language_code": "en"}),
    ("GetScheme industry, en", "taxonomy", f"{TAXONOMY}/GetScheme",
     {"name": "schemes/industry", "language_code": "en"}),
    ("ListConcepts industry, en", "taxonomy", f"{TAXONOMY}/ListConcepts",
     {"parent": "schemes/industry", "language_code": "en"}),
    ("GetConcept industry/maas, en", "taxonomy", f"{TAXONOMY}/GetConcept",
     {"name": CONCEPT, "language_code": "en"}),
    ("BatchGetConcepts 2 concepts, en", "taxonomy", f"{TAXONOMY}/BatchGetConcepts",
     {"names": [CONCEPT, "schemes/industry/concepts/pureplay"], "language_code": "en"}),
    ('SearchConcepts "推理", page_size 10', "taxonomy", f"{TAXONOMY}/SearchConcepts",
     {"query": "推理", "page_size": 10}),
    ('SearchConcepts "e", default page', "taxonomy", f"{TAXONOMY}/SearchConcepts", {"query": "e"}),
    ("ListMilestones, en", "taxonomy", f"{TAXONOMY}/ListMilestones", {"language_code": "en"}),
    ("GetMilestone, en", "taxonomy", f"{TAXONOMY}/GetMilestone", {"language_code": "en"}),
]
PROTO_ROW = ("GetSeries market-size, by --proto", "forecast", f"{FORECAST}/GetSeries", {"name": SERIES})
# Rows with `ghz --enable-compression`: gzip requests, and gzip accepted for replies (compressed
# from 4 KiB up, so ListConcepts is, GetConcept is not).
GZIP_ROWS = [
    ("ListConcepts industry, en, gzip", "taxonomy", f"{TAXONOMY}/ListConcepts",
     {"parent": "schemes/industry", "language_code": "en"}),
    ("GetConcept industry/maas, en, gzip", "taxonomy", f"{TAXONOMY}/GetConcept",
     {"name": CONCEPT, "language_code": "en"}),
]


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def rss_kib(pid, key="VmRSS"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def make_pki(bin_path, work):
    """A CA, a server certificate for 127.0.0.1, an auth file and a token."""
    pki = work / "pki"
    pki.mkdir(parents=True, exist_ok=True)

    def key(path):
        sh("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path))

    key(pki / "ca.key")
    sh("openssl", "req", "-x509", "-key", str(pki / "ca.key"), "-days", "2", "-subj", "/CN=llmarket load CA",
       "-out", str(pki / "ca.pem"), "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    key(pki / "server.key")
    sh("openssl", "req", "-new", "-key", str(pki / "server.key"), "-subj", "/CN=server", "-out", str(pki / "server.csr"))
    (pki / "server.ext").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    sh("openssl", "x509", "-req", "-in", str(pki / "server.csr"), "-CA", str(pki / "ca.pem"), "-CAkey",
       str(pki / "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", str(pki / "server.ext"),
       "-out", str(pki / "server.pem"))
    made = sh(str(bin_path), "token", "new", "--principal", "load", "--grant", "datasets/*", "--grant", "schemes/*",
              "--grant", "milestones")
    (pki / "auth.toml").write_text(made.stderr)
    return pki, made.stdout.strip()


class Server:
    """`llmarket-server all` on its pinned core, with its two addresses read from its JSON log."""

    def __init__(self, bin_path, core, work, extra, wrapper=()):
        """`wrapper`: a command the server runs under (e.g. valgrind), given before its path."""
        self.log = work / "server.log"
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(core), *wrapper, str(bin_path), "all", "--forecast-listen", "127.0.0.1:0",
             "--taxonomy-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--log-format", "json",
             *extra],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))
        self.addr = {}
        for _ in range(3000 if wrapper else 300):
            for line in self.log.read_text().splitlines():
                if '"message":"listening"' not in line:
                    continue
                record = json.loads(line)
                fields = record.get("fields", record)
                service = fields.get("service", "")
                if service in (FORECAST, TAXONOMY, "admin"):
                    self.addr[{FORECAST: "forecast", TAXONOMY: "taxonomy"}.get(service, service)] = fields["addr"]
            if len(self.addr) == 3:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        sys.exit(f"the server did not log its addresses:\n{self.log.read_text()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def ghz(args, row, addr, calls, how, work):
    """One ghz run of `row`; `how`: "reflection", "proto" (by --proto) or "gzip" (compressed)."""
    by_proto = how == "proto"
    name, _, method, data = row
    cmd = ["taskset", "-c", str(args.client_core), "ghz", "--call", method, "-d", json.dumps(data),
           "-n", str(calls), "-c", str(args.concurrency), "--timeout", "20s", "--format", "json",
           "--output", str(work / "ghz.json")]
    if by_proto:
        service = method.split("/")[0].split(".")[1]
        cmd += ["--proto", str(PROTO / "llmarket" / service / "v1" / f"{service}.proto"),
                "--import-paths", str(PROTO)]
    if args.tls:
        cmd += ["--cacert", str(args.pki / "ca.pem"), "--cname", "localhost"]
        metadata = json.dumps({"authorization": f"Bearer {args.token}"})
        cmd += ["--metadata", metadata]
        if not by_proto:
            cmd += ["--reflect-metadata", metadata]
    else:
        cmd += ["--insecure"]
    if how == "gzip":
        cmd += ["--enable-compression"]
    cmd.append(addr)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"ghz failed on {name}: {done.stderr}")
    return json.loads((work / "ghz.json").read_text())


def measure(args, server, row, calls, how, work):
    before = cpu_ticks(server.proc.pid)
    report = ghz(args, row, server.addr[row[1]], calls, how, work)
    after = cpu_ticks(server.proc.pid)
    hz = os.sysconf("SC_CLK_TCK")
    latency = {p["percentage"]: p["latency"] / 1e6 for p in report.get("latencyDistribution") or []}
    codes = report.get("statusCodeDistribution") or {}
    errors = max(calls, report.get("count", 0)) - codes.get("OK", 0)
    return {
        "cpu_us": (after - before) * 1e6 / hz / max(report.get("count", 1), 1),
        "calls": report.get("count", 0),
        "rps": report.get("rps", 0.0),
        "p50_ms": latency.get(50, 0.0),
        "p99_ms": latency.get(99, 0.0),
        "errors": errors,
        "count": report.get("count", 0),
        "codes": codes,
        "rss_kib": rss_kib(server.proc.pid),
    }


def handled_ok(server, method):
    """`grpc_server_handled_total{grpc_code="OK"}` of `method` (`package.Service/Method`) so far."""
    service, name = method.split("/")
    labels = f'grpc_service="{service}",grpc_method="{name}",grpc_code="OK"'
    with urllib.request.urlopen(f"http://{server.addr['admin']}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return sum(int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines()
               if line.startswith("grpc_server_handled_total{") and labels in line)


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def h2load(args, server, row, frame, calls, work):
    """One h2load run of `row` with its prepared request `frame`, measured as measure() does."""
    name, service, method, _, how = row
    log = work / "h2load.log"
    log.unlink(missing_ok=True)
    cmd = ["taskset", "-c", str(args.client_core), "h2load", "-n", str(calls), "-c", "1", "-t", "1",
           "-m", str(args.concurrency), "-d", frame, "-H", "content-type: application/grpc",
           "-H", "te: trailers", f"--log-file={log}"]
    if how == "gzip":
        cmd += ["-H", "grpc-encoding: gzip", "-H", "grpc-accept-encoding: gzip"]
    if args.tls:
        cmd += ["-H", f"authorization: Bearer {args.token}"]
    cmd.append(f"{'https' if args.tls else 'http'}://{server.addr[service]}/{method}")
    ok_before, before = handled_ok(server, method), cpu_ticks(server.proc.pid)
    done = subprocess.run(cmd, capture_output=True, text=True)
    after, ok_after = cpu_ticks(server.proc.pid), handled_ok(server, method)
    if done.returncode != 0:
        sys.exit(f"h2load failed on {name}: {done.stdout}{done.stderr}")
    finished = re.search(r"finished in [^,]+, ([0-9.]+) req/s", done.stdout)
    durations = sorted(int(line.split("\t")[2]) / 1e3 for line in log.read_text().splitlines()
                       if line.split("\t")[1] == "200")
    ok = ok_after - ok_before
    return {
        "cpu_us": (after - before) * 1e6 / os.sysconf("SC_CLK_TCK") / max(calls, 1),
        "rps": float(finished.group(1)) if finished else 0.0,
        "p50_ms": percentile(durations, 0.5) if durations else 0.0,
        "p99_ms": percentile(durations, 0.99) if durations else 0.0,
        "errors": max(calls - ok, 0),
        "codes": {"OK": ok, "not OK or not answered": max(calls - ok, 0)},
    }


def request_frames(args, rows, work):
    """Each row's request as a gRPC frame file for h2load (sizes.py --frames), but the --proto row
    (the same request as GetSeries); {} without h2load or the Python of tests/tools.sh."""
    python = os.environ.get("LLMARKET_PYTHON")
    if not python or not shutil.which("h2load"):
        return {}
    listed = [[r[0], r[2], r[3], r[4] == "gzip"] for r in rows if r[4] != "proto"]
    done = sh(python, str(ROOT / "tests" / "load" / "sizes.py"), str(PROTO), json.dumps(listed),
              "--frames", str(work / "frames"))
    return json.loads(done.stdout)


def resolve_milestone(args, server, work):
    """The first milestone's name, for GetMilestone (the data names it, not the suite)."""
    row = ("ListMilestones", "taxonomy", f"{TAXONOMY}/ListMilestones", {"page_size": 1})
    cmd = ["grpcurl", "-max-time", "10"]
    if args.tls:
        cmd += ["-cacert", str(args.pki / "ca.pem"), "-H", f"authorization: Bearer {args.token}"]
    else:
        cmd += ["-plaintext"]
    done = sh(*cmd, "-d", json.dumps(row[3]), server.addr["taxonomy"], row[2])
    return json.loads(done.stdout)["milestones"][0]["name"]


def reply_sizes(args, server, rows):
    """Each row's reply size, by sizes.py in the Python of tests/tools.sh; none over TLS or
    without that Python."""
    python = os.environ.get("LLMARKET_PYTHON")
    if args.tls or not python:
        return {}
    listed = [[r[0], server.addr[r[1]], r[2], r[3]] for r in rows]
    done = sh(python, str(ROOT / "tests" / "load" / "sizes.py"), str(PROTO), json.dumps(listed))
    return json.loads(done.stdout)


def run(args):
    work = Path(tempfile.mkdtemp(prefix="llmarket-load-"))
    extra = []
    if args.tls:
        args.pki, args.token = make_pki(args.server, work)
        extra = ["--tls-cert", str(args.pki / "server.pem"), "--tls-key", str(args.pki / "server.key"),
                 "--auth-file", str(args.pki / "auth.toml")]
    server = Server(args.server, args.server_core, work, extra)
    try:
        time.sleep(0.5)
        rss_idle = rss_kib(server.proc.pid)
        milestone = resolve_milestone(args, server, work)
        rows = [r if r[0] != "GetMilestone, en" else (r[0], r[1], r[2], {**r[3], "name": milestone}) for r in ROWS]
        # ghz 0.93 races on its metadata map when --metadata (the token) meets
        # --enable-compression at -c 50 ("concurrent map iteration and map write", or a hang),
        # so the gzip rows are plaintext only.
        gzip_rows = [] if args.tls else GZIP_ROWS
        rows = ([(*r, "reflection") for r in rows] + [(*PROTO_ROW, "proto")]
                + [(*r, "gzip") for r in gzip_rows])
        sizes = reply_sizes(args, server, rows)
        frames = request_frames(args, rows, work)
        results = {r[0]: [] for r in rows}
        by_h2load = {r[0]: [] for r in rows if r[0] in frames}
        warm = min(args.calls, 2000)
        calls = {}
        for row in rows:  # warm-up (connections, caches, allocator), and how many calls to make
            cost = measure(args, server, row[:4], warm, row[4], work)["cpu_us"]
            # A run long enough for `--cpu-per-run` seconds of server CPU (ticks are 10 ms), in
            # 2,000 to `--calls` calls, so a slow row does not take minutes.
            calls[row[0]] = max(warm, min(args.calls, int(args.cpu_per_run * 1e6 / max(cost, 1.0))))
            if row[0] in frames:
                h2load(args, server, row, frames[row[0]], warm, work)
        for round_ in range(args.rounds):
            for row in rows:
                result = measure(args, server, row[:4], calls[row[0]], row[4], work)
                results[row[0]].append(result)
                print(f"round {round_ + 1}: {row[0]}: {result['cpu_us']:.1f} µs/call, {result['rps']:.0f} req/s, "
                      f"p99 {result['p99_ms']:.2f} ms, errors {result['errors']}", file=sys.stderr)
                if row[0] in frames:
                    result = h2load(args, server, row, frames[row[0]], calls[row[0]], work)
                    by_h2load[row[0]].append(result)
                    print(f"round {round_ + 1}: {row[0]} by h2load: {result['cpu_us']:.1f} µs/call, "
                          f"{result['rps']:.0f} req/s, p99 {result['p99_ms']:.2f} ms, errors {result['errors']}",
                          file=sys.stderr)
        rss_end = rss_kib(server.proc.pid)
        rss_peak = rss_kib(server.proc.pid, "VmHWM")
    finally:
        server.stop()
    shutil.rmtree(work, ignore_errors=True)  # kept when the run failed, for its server.log
    return rows, results, by_h2load, sizes, {"rss_idle": rss_idle, "rss_end": rss_end, "rss_peak": rss_peak}


def median(results, key):
    return statistics.median(r[key] for r in results)


def table(args, rows, results, by_h2load, sizes, memory):
    empty_cpu = median(results[EMPTY], "cpu_us")
    empty_p99 = median(results[EMPTY], "p99_ms")
    mode = "TLS with a bearer token" if args.tls else "plaintext"
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "unknown")
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores ({cpu_model}), "
        f"{mode}; `{args.command}`: server on core {args.server_core}, ghz on core {args.client_core}, "
        + (f"one run of {args.calls} calls per row (--quick: too short for figures)"
         if args.quick else
         f"runs of {args.cpu_per_run} s of server CPU (2,000 to {args.calls} calls)")
        + f" at -c {args.concurrency}, median of {args.rounds} runs.",
        f"Server RSS: {memory['rss_idle'] / 1024:.1f} MiB idle, {memory['rss_end'] / 1024:.1f} MiB after the runs, "
        f"{memory['rss_peak'] / 1024:.1f} MiB peak.",
        "",
        "| call | server CPU per call | vs empty call | req/s | p50 | p99 | p99 vs empty | errors | RSS after "
        "| reply bytes (gzip) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        rs = results[row[0]]
        cpu = median(rs, "cpu_us")
        p99 = median(rs, "p99_ms")
        lines.append(
            f"| {row[0]} | {cpu:.1f} µs | {cpu / empty_cpu:.2f}× | {median(rs, 'rps'):.0f} | "
            f"{median(rs, 'p50_ms'):.2f} ms | {p99:.2f} ms | {p99 / empty_p99:.2f}× | "
            f"{sum(r['errors'] for r in rs)} | {max(r['rss_kib'] for r in rs) / 1024:.1f} MiB | "
            f"{'{} ({})'.format(*sizes[row[0]]) if row[0] in sizes else '–'} |")
    lines += [""] + h2load_table(args, rows, by_h2load)
    return "\n".join(lines) + "\n"


def h2load_table(args, rows, by_h2load):
    """The same rows by h2load (no decoding on the client), or why they are missing."""
    if EMPTY not in by_h2load:
        return ["By h2load: not run (needs `h2load`, Debian's nghttp2-client, and the Python of "
                "tests/tools.sh)."]
    empty_cpu = median(by_h2load[EMPTY], "cpu_us")
    empty_p99 = median(by_h2load[EMPTY], "p99_ms")
    lines = [
        f"By h2load on core {args.client_core} (one connection, {args.concurrency} streams at once, replies not "
        "decoded; errors counted by the server's `grpc_server_handled_total`), same runs interleaved:",
        "",
        "| call | server CPU per call | vs empty call | req/s | p50 | p99 | p99 vs empty | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        rs = by_h2load.get(row[0])
        if not rs:
            continue
        cpu, p99 = median(rs, "cpu_us"), median(rs, "p99_ms")
        lines.append(
            f"| {row[0]} | {cpu:.1f} µs | {cpu / empty_cpu:.2f}× | {median(rs, 'rps'):.0f} | "
            f"{median(rs, 'p50_ms'):.2f} ms | {p99:.2f} ms | {p99 / empty_p99:.2f}× | "
            f"{sum(r['errors'] for r in rs)} |")
    return lines


def write(path, marker, text):
    """Puts `text` between the `<!-- marker -->` comments of `path`, leaving the rest alone."""
    begin, end = f"<!-- {marker}: begin -->", f"<!-- {marker}: end -->"
    old = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text}{end}"
    if begin in old and end in old:
        new = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, old, flags=re.S)
    else:
        new = old + ("\n" if old else "") + block + "\n"
    path.write_text(new)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True, type=Path)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu-per-run", type=float, default=0.6, help="server CPU seconds a run aims at")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--quick", action="store_true", help="every row once, few calls; fails on any error")
    parser.add_argument("--write", type=Path, help="put the table in this markdown file")
    parser.add_argument("--command", default="tests/load/run.sh")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.rounds, args.cpu_per_run = min(args.calls, 1000), 1, 0.0
    rows, results, by_h2load, sizes, memory = run(args)
    text = table(args, rows, results, by_h2load, sizes, memory)
    print(text)
    if args.write:
        write(args.write, "load: tls" if args.tls else "load: plaintext", text)
    failed = [(r[0], x["codes"]) for r in rows for x in results[r[0]] if x["errors"]]
    failed += [(f"{r[0]} by h2load", x["codes"]) for r in rows for x in by_h2load.get(r[0], []) if x["errors"]]
    if failed:
        sys.exit(f"calls failed: {failed}")


if __name__ == "__main__":
    main()
