#!/usr/bin/env python3
"""The store comparison: this product's LMDB log beside PostgreSQL and SQLite on the same county workload.

Run through tools/bench/compare, which installs what this needs and builds the binaries. Steps:

1. generate the county (`portal bench county`) into a workload file;
2. start a PostgreSQL server of its own (initdb in the run folder, loopback, a free port, durable defaults);
3. run the same phases on each store, one process each: `portal bench store` (LMDB),
   `county-peers postgresql`, `county-peers sqlite`; their progress lines are shown as they come;
4. stop PostgreSQL, and write a markdown report with the machine, date, scale and every figure, with ratios
   against this product.

With --smoke (the test suite runs it at the smallest scale) it also checks that the three stores hold the
same events — the same count, and every stream the same events in the same order with the same ids, types,
actors and payloads (as canonical JSON, since PostgreSQL's JSONB re-serialises) — that their read models
agree, and that the workload's payloads match the event schemas. It asserts nothing about speed.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import pwd
import shutil
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRESETS = {
    # name: (scale, periods, single appends, writers, appends per writer, history samples, import rows)
    "smoke": (0.03, 12, 100, 16, 10, 40, 400),
    "small": (0.02, 130, 2000, 16, 250, 200, 24000),
    "county": (1.0, 130, 5000, 16, 500, 500, 24000),
}


def say(text):
    print(f"==> {text}", file=sys.stderr, flush=True)


def fail(text):
    print(f"error: {text}", file=sys.stderr, flush=True)
    sys.exit(1)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_streaming(command, label, env=None):
    """Runs a command, showing its standard error lines as they come, prefixed; fails on a non-zero exit."""
    say(" ".join(command))
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    out_lines = []

    def pump_out():
        for line in process.stdout:
            out_lines.append(line)

    reader = threading.Thread(target=pump_out, daemon=True)
    reader.start()
    for line in process.stderr:
        print(f"   [{label}] {line.rstrip()}", file=sys.stderr, flush=True)
    process.wait()
    reader.join()
    if process.returncode != 0:
        fail(f"{label} failed (exit status {process.returncode})")
    return "".join(out_lines)


class PostgreSQLServer:
    """A throwaway PostgreSQL cluster in the run folder, listening on 127.0.0.1 only, with the server's
    durable defaults (fsync, synchronous_commit, full_page_writes on)."""

    def __init__(self, folder):
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            fail("PostgreSQL's server is not installed (/usr/lib/postgresql/*/bin/initdb); tools/bench/compare installs it")
        self.bin = os.path.dirname(binaries[-1])
        self.data = os.path.join(folder, "postgresql")
        self.port = free_port()
        self.log = os.path.join(folder, "postgresql.log")
        self.user = None
        if os.geteuid() == 0:
            # The server refuses to run as root: the cluster belongs to Debian's postgres user.
            self.user = "postgres"

    def _as_owner(self, command):
        return ["runuser", "-u", self.user, "--"] + command if self.user else command

    def start(self):
        os.makedirs(self.data, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.data, entry.pw_uid, entry.pw_gid)
            open(self.log, "a").close()
            os.chown(self.log, entry.pw_uid, entry.pw_gid)
            # The postgres user must reach the folder.
            path = os.path.dirname(self.data)
            while path not in ("/", ""):
                mode = os.stat(path).st_mode
                if not mode & 0o001:
                    os.chmod(path, mode | 0o001)
                path = os.path.dirname(path)
        subprocess.run(self._as_owner([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "bench", "--auth=trust",
                                       "--encoding=UTF8", "--no-instructions"]),
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(self._as_owner([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "60",
                                       "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories=''", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([os.path.join(self.bin, "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "bench", "bench"], check=True)
        say(f"PostgreSQL running on 127.0.0.1:{self.port} ({self.data})")

    @property
    def conninfo(self):
        return f"host=127.0.0.1 port={self.port} dbname=bench user=bench"

    def server_pids(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as handle:
                parent = int(handle.readline())
        except (OSError, ValueError):
            return []
        pids = [parent]
        for path in glob.glob("/proc/[0-9]*/stat"):
            try:
                with open(path) as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == parent:
                    pids.append(int(path.split("/")[2]))
            except (OSError, ValueError, IndexError):
                continue
        return pids

    def stop(self):
        subprocess.run(self._as_owner([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class ServerMemory:
    """Samples the PostgreSQL server's memory (the sum of its processes' proportional set sizes) while a
    peer runs, and keeps the peak."""

    def __init__(self, server):
        self.server = server
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while self.running:
            total = 0
            for pid in self.server.server_pids():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as handle:
                        for line in handle:
                            if line.startswith("Pss:"):
                                total += int(line.split()[1]) * 1024
                except OSError:
                    continue
            self.peak = max(self.peak, total)
            time.sleep(0.25)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def plan_arguments(preset):
    _, _, single, writers, per_writer, history, _ = preset
    return ["--single-appends", str(single), "--writers", str(writers), "--appends-per-writer", str(per_writer),
            "--history-samples", str(history)]


# ---------------------------------------------------------------------------------------------------------------
# Smoke checks


def canonical_payload(text):
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_dump(path):
    """The dump's events as tuples (position, stream, version, id, type, schema version, actor, acting as,
    correlation, causation, canonical payload)."""
    events = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t", 10)
            if len(fields) != 11:
                fail(f"{path}: a malformed line: {line[:120]}")
            fields[10] = canonical_payload(fields[10])
            events.append(tuple(fields))
    return events


class Mismatch(Exception):
    pass


def check_same_events(dumps):
    """Raises Mismatch naming the first difference between the stores' dumps."""
    reference_name, reference_path = dumps[0]
    reference = read_dump(reference_path)
    by_stream = {}
    for event in reference:
        by_stream.setdefault(event[1], []).append(event)
    for name, path in dumps[1:]:
        other = read_dump(path)
        if len(other) != len(reference):
            raise Mismatch(f"{name} holds {len(other)} events, {reference_name} {len(reference)}")
        other_streams = {}
        for event in other:
            other_streams.setdefault(event[1], []).append(event)
        if set(other_streams) != set(by_stream):
            missing = sorted(set(by_stream) - set(other_streams))[:5]
            extra = sorted(set(other_streams) - set(by_stream))[:5]
            raise Mismatch(f"{name} and {reference_name} hold different streams (missing {missing}, extra {extra})")
        for stream, events in by_stream.items():
            theirs = other_streams[stream]
            if len(theirs) != len(events):
                raise Mismatch(f"stream {stream}: {name} holds {len(theirs)} events, {reference_name} {len(events)}")
            for mine, their in zip(events, theirs):
                # Everything but the position, which a store may number differently, must match.
                if mine[1:] != their[1:]:
                    raise Mismatch(f"stream {stream} version {mine[2]}: {name} holds {their[1:10]} {their[10][:80]}, "
                         f"{reference_name} {mine[1:10]} {mine[10][:80]}")
        say(f"same events: {name} and {reference_name} hold {len(reference)} events in {len(by_stream)} streams, identical stream by stream")
    return len(reference), len(by_stream)


def check_read_models(figures):
    reference = figures[0]["readModels"]
    for other in figures[1:]:
        for key in ("invoicesByStatus", "periodLocksByState", "remittanceTotals"):
            if other["readModels"][key] != reference[key]:
                fail(f"the read models differ: {other['store']} {key} = {json.dumps(other['readModels'][key])[:300]}, "
                     f"{figures[0]['store']} = {json.dumps(reference[key])[:300]}")
    say(f"same read models: {len(reference['remittanceTotals'])} remittances, invoices by status {reference['invoicesByStatus']}, "
        f"period locks {reference['periodLocksByState']}")


def check_schemas(workload, python):
    """Every event type of the workload: its first 50 payloads against Schemas/events/<Type>.v<N>.schema.json."""
    samples = {}
    with open(workload, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t", 10)
            key = (fields[3], fields[4])
            if len(samples.setdefault(key, [])) < 50:
                samples[key].append(fields[10])
    script = (
        "import json, sys\n"
        "from jsonschema import Draft202012Validator\n"
        "samples = json.load(sys.stdin)\n"
        "bad = 0\n"
        "for key, payloads in samples.items():\n"
        "    kind, version = key.split('@')\n"
        f"    path = '{ROOT}/Schemas/events/' + kind + '.v' + version + '.schema.json'\n"
        "    validator = Draft202012Validator(json.load(open(path)))\n"
        "    for payload in payloads:\n"
        "        for error in validator.iter_errors(json.loads(payload)):\n"
        "            bad += 1\n"
        "            print(kind, error.message, file=sys.stderr)\n"
        "sys.exit(1 if bad else 0)\n")
    encoded = json.dumps({f"{kind}@{version}": payloads for (kind, version), payloads in samples.items()})
    result = subprocess.run([python, "-c", script], input=encoded, text=True)
    if result.returncode != 0:
        fail("workload payloads do not match their event schemas")
    say(f"schemas: {len(samples)} event types of the workload match Schemas/events")


# ---------------------------------------------------------------------------------------------------------------
# Report


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "?"
    try:
        with open("/proc/meminfo") as handle:
            memory = f"{int(handle.readline().split()[1]) / 1048576:.0f} GiB"
    except (OSError, ValueError):
        pass
    return f"{os.cpu_count()} cores ({model}), {memory} memory, {platform.system()} {platform.release()}"


def rate(value):
    return f"{value:,.0f}/s"


def report(figures, parameters, elapsed, folder, memory_notes):
    product = figures[0]

    def ratio(value, base, higher_is_better=True):
        if not base or not value:
            return ""
        factor = value / base
        return f" ({factor:.2f}×)"

    rows = [
        ("durable appends, 1 writer", lambda f: f["singleWriterAppends"]["count"] / f["singleWriterAppends"]["seconds"], rate),
        (f"durable appends, {product['concurrentWriters']} concurrent writers", lambda f: f["concurrentAppends"]["count"] / f["concurrentAppends"]["seconds"], rate),
        ("single append latency p50", lambda f: f["singleWriterAppends"]["p50Milliseconds"], lambda v: f"{v:.2f} ms"),
        ("single append latency p99", lambda f: f["singleWriterAppends"]["p99Milliseconds"], lambda v: f"{v:.2f} ms"),
        (f"append latency p99, {product['concurrentWriters']} writers", lambda f: f["concurrentAppends"]["p99Milliseconds"], lambda v: f"{v:.2f} ms"),
        ("bulk load of the county (batches of ≤4,000 events)", lambda f: f["load"]["events"] / f["load"]["seconds"], rate),
        ("read of everything", lambda f: f["readAll"]["events"] / f["readAll"]["seconds"], rate),
        ("rebuild: invoice state, period locks, remittances", lambda f: f["rebuild"]["events"] / f["rebuild"]["seconds"], lambda v: f"{v:,.0f} events/s"),
        ("rebuild time", lambda f: f["rebuild"]["seconds"], lambda v: f"{v:.1f} s"),
        ("history of one invoice p50", lambda f: f["invoiceHistory"]["p50Milliseconds"], lambda v: f"{v:.3f} ms"),
        ("history of one invoice p99", lambda f: f["invoiceHistory"]["p99Milliseconds"], lambda v: f"{v:.3f} ms"),
        ("bulk import: atomic append of its events", lambda f: f["importAppend"]["seconds"] if f.get("importAppend") else None, lambda v: f"{v * 1000:.0f} ms"),
        ("bytes on disk per event", lambda f: f["bytesPerEvent"], lambda v: f"{v:,.0f} B"),
        ("peak memory of the store's process: heap (RssAnon)", lambda f: f.get("peakAnonymousBytes"), lambda v: f"{v / 1048576:,.0f} MiB"),
        ("… resident with the mapped files it read (VmHWM)", lambda f: f["peakResidentBytes"], lambda v: f"{v / 1048576:,.0f} MiB"),
    ]
    names = [f["store"] for f in figures]
    lines = [
        f"# Store comparison — scale {parameters['scale']}",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {machine()}",
        f"- workload: scale {parameters['scale']}, {parameters['periods']} periods, seed {parameters['seed']}: "
        f"{product['load']['events']:,} events ({parameters['workloadBytes'] / 1048576:,.0f} MiB file)",
        f"- run folder: {folder}; whole run {elapsed:.0f} s",
        "",
        "| figure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for label, pick, show in rows:
        cells = []
        base = pick(product)
        for index, figure in enumerate(figures):
            value = pick(figure)
            if value is None:
                cells.append("-")
            else:
                cells.append(show(value) + ("" if index == 0 else ratio(value, base)))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    imported = product.get("importThroughProduct")
    if imported:
        lines += ["", f"Bulk CSV import of one period through the product (parse, check every row, decide, one atomic append): "
                      f"{imported['events']:,} rows in {imported['seconds']:.2f} s ({imported['events'] / imported['seconds']:,.0f} rows/s); "
                      f"the peers append the same {product['importAppend']['events']:,} events in one transaction."]
    lines += [
        "",
        "Ratios are the peer's figure over this product's (for times and sizes, above 1 means the peer takes more).",
        "",
        "What each store is:",
    ]
    for figure in figures:
        lines.append(f"- **{figure['store']}**: disk = {figure['diskAccounting']}.")
    lines.append("- Resident memory with mapped files counts the pages of this product's log that LMDB's memory map brought in "
                 "(page cache, reclaimable and shared with other readers); the SQL stores' reads go through their own caches "
                 "and the kernel's page cache outside the process.")
    lines += memory_notes
    lines += [
        "",
        "Every store loads the same workload file in the same batches, appends the same events with the same exact "
        "expected versions, and rebuilds the same three read models (the product with its projection engine, the "
        "peers folding the same events with the domain's own `Invoice.evolve` and `RemittanceAdvice` into upserted "
        "tables). Commits are durable in all three: LMDB syncs every commit; PostgreSQL runs with fsync, "
        "synchronous_commit and full_page_writes on; SQLite with WAL and synchronous=FULL. The product's log "
        "also keeps a SHA-256 hash chain and an event-id index for idempotent retries, which the peers do not.",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small",
                        help="smoke (the test suite's), small (under two minutes), county (scale 1: about 5M events)")
    parser.add_argument("--scale", type=float, help="override the preset's county scale (1 ≈ 200 providers, 6,000 clients)")
    parser.add_argument("--periods", type=int, help="override the preset's four-week periods (130 ≈ ten years)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--portal", required=True, help="the portal binary")
    parser.add_argument("--peers", required=True, help="the county-peers binary")
    parser.add_argument("--folder", help="run folder (default: bench-results/compare-<time>)")
    parser.add_argument("--keep", action="store_true", help="keep the stores' files after the run")
    arguments = parser.parse_args()

    preset = list(PRESETS[arguments.preset])
    if arguments.scale:
        preset[0] = arguments.scale
    if arguments.periods:
        preset[1] = arguments.periods
    scale, periods = preset[0], preset[1]
    smoke = arguments.preset == "smoke"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = os.path.abspath(arguments.folder or os.path.join(ROOT, "bench-results", f"compare-{stamp}-scale{scale}"))
    os.makedirs(folder, exist_ok=True)
    started = time.time()

    workload = os.path.join(folder, "county.events")
    run_streaming([arguments.portal, "bench", "county", "--scale", str(scale), "--periods", str(periods),
                   "--seed", str(arguments.seed), "--output", workload], "generate")
    common = ["--workload", workload] + plan_arguments(preset)

    def dump(name):
        return ["--dump", os.path.join(folder, f"{name}.dump")] if smoke else []

    figures = []
    memory_notes = []
    run_streaming([arguments.portal, "bench", "store", "--folder", os.path.join(folder, "lmdb"), "--import-rows", str(preset[6]),
                   "--import-events", os.path.join(folder, "import.events"), "--json", os.path.join(folder, "lmdb.json")]
                  + common + dump("lmdb"), "lmdb")
    figures.append(json.load(open(os.path.join(folder, "lmdb.json"))))
    peers_common = common + ["--import-events", os.path.join(folder, "import.events")]

    server = PostgreSQLServer(folder)
    server.start()
    try:
        with ServerMemory(server) as memory:
            run_streaming([arguments.peers, "postgresql", "--conninfo", server.conninfo, "--json", os.path.join(folder, "postgresql.json")]
                          + peers_common + dump("postgresql"), "postgresql")
        figures.append(json.load(open(os.path.join(folder, "postgresql.json"))))
        memory_notes.append(f"- PostgreSQL's server processes peaked at {memory.peak / 1048576:,.0f} MiB (sum of their proportional "
                            "set sizes, sampled every 0.25 s) besides the client's figure in the table.")
    finally:
        server.stop()

    run_streaming([arguments.peers, "sqlite", "--database", os.path.join(folder, "sqlite", "events.sqlite"),
                   "--json", os.path.join(folder, "sqlite.json")] + peers_common + dump("sqlite"), "sqlite")
    figures.append(json.load(open(os.path.join(folder, "sqlite.json"))))

    if smoke:
        dumps = [(f["store"], os.path.join(folder, f"{name}.dump")) for f, name in zip(figures, ["lmdb", "postgresql", "sqlite"])]
        try:
            check_same_events(dumps)
        except Mismatch as mismatch:
            fail(f"the stores hold different events: {mismatch}")
        # The check itself must see a difference: one changed payload in a copy of a dump.
        control = os.path.join(folder, "control.dump")
        with open(dumps[1][1], encoding="utf-8") as source, open(control, "w", encoding="utf-8") as target:
            lines = source.readlines()
            middle = len(lines) // 2
            fields = lines[middle].rstrip("\n").split("\t", 10)
            payload = json.loads(fields[10])
            payload["controlChange"] = True
            fields[10] = json.dumps(payload)
            lines[middle] = "\t".join(fields) + "\n"
            target.writelines(lines)
        try:
            check_same_events([dumps[0], ("a changed copy", control)])
            fail("the same-events check did not see a changed payload")
        except Mismatch as mismatch:
            say(f"control: a changed payload is seen ({str(mismatch)[:100]}…)")
        os.remove(control)
        check_read_models(figures)
        check_schemas(workload, os.environ.get("PORTAL_PYTHON", sys.executable))

    parameters = {"scale": scale, "periods": periods, "seed": arguments.seed, "workloadBytes": os.path.getsize(workload)}
    text = report(figures, parameters, time.time() - started, folder, memory_notes)
    with open(os.path.join(folder, "report.md"), "w") as handle:
        handle.write(text)
    print(text)
    say(f"report: {os.path.join(folder, 'report.md')}")
    if not arguments.keep:
        for name in ["lmdb", "postgresql", "sqlite", "county.events", "import.events"] + [f"{n}.dump" for n in ["lmdb", "postgresql", "sqlite"]]:
            path = os.path.join(folder, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            elif os.path.exists(path):
                os.remove(path)


if __name__ == "__main__":
    main()
