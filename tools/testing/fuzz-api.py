#!/usr/bin/env python3
"""A bounded, deterministic fuzz of every route of Schemas/openapi.yaml against a real `portal serve --demo`.

    tools/testing/fuzz-api.py --binary .build/debug/portal --schemathesis ~/.cache/portal-fuzz-venv/bin/schemathesis

Starts `portal serve --demo` on a free loopback port in a new temporary data folder, logs in by the two steps
(demo password and passcode) as a council payments user and as a provider super user, and runs schemathesis
(pinned in tools/lib/prerequisites.sh) once per login: the examples, coverage and fuzzing phases, positive and
negative data, schemathesis' deterministic generation (the same requests every run; `--seed N` explores
instead) and a fixed number of examples per operation, one worker, with checks that fail on any 5xx
(`not_a_server_error`), a response whose body breaks its schema (`response_schema_conformance`) or its declared
content type (`content_type_conformance`). After each run the server must still answer GET /health. Exits 1
on any failure, printing schemathesis' report; the server's own output is kept in the data folder's parent.

So that requests reach the code behind the lookups rather than a 404, the run is given the demo council's real
identifiers (organisations, services, contracts, users, ISOs, CPLIs, invoices, payment runs, claims,
conversations, credit notes, change requests, period numbers and weeks), read from the server's own lists
before the run: schemathesis draws a path parameter or body field of that name from them four times in five
(a schemathesis.toml "dictionary"), and generates a value the other time.

Left out: POST /auth/logout, /auth/password and /auth/passcode, which would end or change the fuzzing login
itself (their input checks are covered by the Swift suites).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD, PASSCODE = "Portal-demo-2026", "135246"
LOGINS = [("payments@council.example", "council payments user"), ("super-user-actuals@oasis.example", "provider super user")]
EXCLUDED = r"^/auth/(logout|password|passcode)$"
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def post(base, path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def log_in(base, email):
    first = post(base, "/auth/login", {"email": email, "password": PASSWORD})
    return post(base, "/auth/login/passcode", {"challengeToken": first["challengeToken"], "passcode": PASSCODE})["token"]


def healthy(base):
    try:
        with urllib.request.urlopen(base + "/health", timeout=10) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start(binary, folder):
    log = open(os.path.join(folder, "serve.log"), "w")
    server = subprocess.Popen([os.path.abspath(binary), "serve", "--demo", "--data", os.path.join(folder, "data"), "--port", "0"],
                              stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    deadline = time.time() + 300
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"portal serve --demo exited with {server.returncode}:\n" + open(log.name).read()[-2000:])
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", open(log.name).read())
        if found:
            return server, found.group(1)
        time.sleep(0.5)
    server.kill()
    raise SystemExit("portal serve --demo did not start listening within 300 s")


# The lists whose answers name the demo council's records, read as the council payments user and the auditor.
LISTS = ["/organisations", "/contracts", "/contract-documents", "/cplis", "/invoices", "/payment-runs", "/claims",
         "/credit-notes", "/conversations", "/council-users", "/helpdesk/queue", "/organisations/oasis/services",
         "/organisations/riverside/services", "/organisations/oasis/contacts", "/organisations/riverside/contacts",
         "/services/oasis-hs/periods", "/services/oasis-hs/period-board"]
# Names of parameters and body fields and the answer keys their values are read from.
NAMES = {
    "organisationID": ["organisationID"], "serviceID": ["serviceID"], "contractID": ["contractID"], "userID": ["userID"],
    "isoID": ["isoID"], "cpliID": ["cpliID"], "invoiceID": ["invoiceID"], "paymentRunID": ["paymentRunID"],
    "claimID": ["claimID"], "conversationID": ["conversationID"], "creditNoteID": ["creditNoteID", "documentID"],
    "requestID": ["requestID"], "period": ["period", "openPeriod"], "week": ["week", "firstDay"],
}


def get(base, path, token):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except (urllib.error.HTTPError, ValueError):
        return None


def collect(value, found):
    """Every value of a key of NAMES anywhere in a JSON answer."""
    if isinstance(value, dict):
        for key, item in value.items():
            for name, keys in NAMES.items():
                if key in keys and isinstance(item, (str, int)) and not isinstance(item, bool):
                    found.setdefault(name, set()).add(item)
            collect(item, found)
    elif isinstance(value, list):
        for item in value:
            collect(item, found)


def mondays(found):
    """The Mondays of the weeks found (period first days are Mondays), and the week after each."""
    weeks = set()
    for text in found.get("week", set()):
        try:
            day = datetime.date.fromisoformat(str(text))
        except ValueError:
            continue
        if day.weekday() == 0:
            weeks.update({day.isoformat(), (day + datetime.timedelta(days=7)).isoformat()})
    return sorted(weeks)


def config(base, tokens, path):
    """A schemathesis.toml binding each named parameter and body field to the identifiers the server lists."""
    found = {}
    for token in tokens:
        for list_path in LISTS:
            collect(get(base, list_path, token), found)
    found["week"] = mondays(found)
    lines = []
    for name in sorted(found):
        values = sorted(found[name], key=str)
        if not values:
            continue
        lines += [f"[dictionaries.{name}]", "values = " + json.dumps(values), ""]
    lines.append("[parameters]")
    for name in sorted(found):
        if found[name]:
            lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}')
            lines.append(f'"body.{name}" = {{ dictionary = "{name}", probability = 0.8 }}')
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return {name: len(values) for name, values in found.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/portal"))
    parser.add_argument("--schemathesis", default="schemathesis")
    parser.add_argument("--seed", type=int, help="explore: random generation from this seed instead of the deterministic mode")
    parser.add_argument("--max-examples", type=int, default=12, help="per operation and phase (default 12)")
    parser.add_argument("--workers", type=int, default=1, help="1 (the default) keeps the order of requests, so a run repeats")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (data, server log, reports)")
    arguments = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="portal-fuzz-")
    server, base = start(arguments.binary, folder)
    failed = []
    try:
        tokens = {email: log_in(base, email) for email, _ in LOGINS}
        settings = os.path.join(folder, "schemathesis.toml")
        counts = config(base, [tokens[LOGINS[0][0]], log_in(base, "auditor@council.example")], settings)
        print("==> identifiers given to schemathesis: " + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())), flush=True)
        for email, who in LOGINS:
            token = tokens[email]
            reports = os.path.join(folder, "report-" + email.split("@")[0])
            command = [
                arguments.schemathesis, "--config-file", settings, "run", os.path.join(ROOT, "Schemas/openapi.yaml"), "--url", base,
                "--header", f"Authorization: Bearer {token}",
                "--checks", CHECKS, "--mode", "all", "--phases", "examples,coverage,fuzzing",
                "--max-examples", str(arguments.max_examples),
                *(["--seed", str(arguments.seed)] if arguments.seed is not None else ["--generation-deterministic"]),
                "--workers", str(arguments.workers), "--no-shrink",
                "--exclude-path-regex", EXCLUDED, "--request-timeout", "30", "--suppress-health-check", "all",
                "--no-color", "--output-truncate", "true", "--report", "junit", "--report-dir", reports,
            ]
            print(f"==> schemathesis as the {who} ({email}) against {base}", flush=True)
            started = time.time()
            outcome = subprocess.run(command, cwd=folder)
            print(f"==> schemathesis as the {who}: exit {outcome.returncode} after {time.time() - started:.0f} s", flush=True)
            if outcome.returncode != 0:
                failed.append(f"schemathesis as the {who} found failures (exit {outcome.returncode})")
            if not healthy(base):
                failed.append(f"the server stopped answering during the run as the {who}")
                break
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if failed or arguments.keep:
            print(f"==> the data folder, the server's log (serve.log) and the reports are in {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if server.returncode not in (0, -15, 143):
        failed.append(f"the server exited with {server.returncode}")
    for line in failed:
        print("fuzz: " + line, file=sys.stderr)
    if not failed:
        print(f"fuzz: no 5xx, no response breaking the schema, the server alive after both logins' runs")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
