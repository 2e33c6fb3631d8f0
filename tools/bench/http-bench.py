#!/usr/bin/env python3
"""HTTP benchmark of the portal: requests/s and p50/p99 latency with 16 concurrent clients on loopback.

    tools/bench/http-bench.py [--binary .build/release/portal] [--seconds 20] [--clients 16] [--edit-method PATCH|PUT]

Starts `portal serve --demo` on a free loopback port in a new data folder, adds one service per client (each
with an agreed ISO, so the clients edit different actuals streams as 16 providers' staff would), logs in, and
runs wrk (Debian's package) with a Lua script per workload:
  - actual edit: PATCH /services/{s}/weeks/{w}/actuals/{cpli} with the fields changed (or, with --edit-method PUT,
    a PUT with every field, which builds before PATCH also take), alternating values so every request records an
    event (If-Match: *), one service per client;
  - week read: GET /services/{s}/weeks/{w}/actuals;
  - invoice read: GET /invoices/{id}, when the server has invoices (domain part 2);
  - contended edit: the same edit of /services/bench-shared/weeks/{w}/actuals/{cpli}, every client a different CPLI of one
    service (so one `actuals-<service>-<period>` stream): every edit must succeed (non-2xx counts failed edits);
  - login timing: the median time of a wrong password for real accounts (20 council staff registered first,
    so hashed at the server's bcrypt cost; two tries each, so none is locked) and of unknown emails, one
    request at a time: they should match (one bcrypt verification each).
`--only NAME[,NAME]` runs some of them (edit, read, invoice, contended, logins).
Prints wrk's summary and a table; writes bench-results/http-<date>.txt. Not a test: speed is never asserted.
"""
import argparse
import datetime
import json
import statistics
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


def call(base, method, path, token=None, body=None, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path}: {error.code} {error.read().decode()[:400]}")


def wait_until_ready(base, seconds=120):
    """The server listens before its read models have caught up (they do in the background): wait for /health."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/health") as response:
                if json.loads(response.read()).get("ready"):
                    return
        except urllib.error.URLError:
            pass
        time.sleep(0.1)
    raise SystemExit("the read models were not ready in time")


def log_in(base, email):
    _, _, first = call(base, "POST", "/auth/login", body={"email": email, "password": PASSWORD})
    _, _, second = call(base, "POST", "/auth/login/passcode", body={"challengeToken": first["challengeToken"], "passcode": PASSCODE})
    return second["token"]


def wrk(script, base, seconds, clients):
    command = ["wrk", f"-t{clients}", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", script, base]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return output, rate, percentiles.get("50"), percentiles.get("99"), int(errors.group(1)) if errors else 0


def login_medians(base, helpdesk, accounts=20):
    """Median milliseconds of a wrong password for real accounts (two tries each: the third would lock it) and of
    unknown emails, interleaved, one request at a time. The accounts are council staff registered by the
    helpdesk first, so their passwords are hashed at the server's bcrypt cost (the demo's own accounts are hashed
    at cost 4 to seed quickly)."""
    emails = []
    for n in range(accounts):
        email = f"bench-login-{n}@council.example"
        call(base, "POST", "/council-users", helpdesk, {"userID": f"bench-login-{n}", "team": "billing",
             "person": {"forename": "Bench", "surname": f"Login {n}", "email": email}})
        emails.append(email)
    timings = {True: [], False: []}
    for attempt in range(2):
        for index, email in enumerate(emails):
            for known in (True, False):
                address = email if known else f"nobody-{attempt}-{index}@example.org"
                body = json.dumps({"email": address, "password": "Not-the-password-1"}).encode()
                request = urllib.request.Request(base + "/auth/login", data=body, method="POST", headers={"Content-Type": "application/json"})
                started = time.perf_counter()
                try:
                    urllib.request.urlopen(request).read()
                except urllib.error.HTTPError as error:
                    error.read()
                    if error.code != 401:
                        raise SystemExit(f"login of {address}: {error.code}")
                timings[known].append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[True]), statistics.median(timings[False]), len(timings[True]), len(timings[False])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/portal"))
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--only", default="edit,read,invoice,contended,logins")
    parser.add_argument("--edit-method", default="PATCH", choices=["PATCH", "PUT"],
                        help="PATCH with the fields changed, or PUT with every field (the only edit of builds before PATCH)")
    args = parser.parse_args()
    method = args.edit_method
    # PUT gives every field of the line; PATCH only those it changes.
    fields = (',"frustrated":null,"missed":"0","extra":"0","abortedVisits":[]' if method == "PUT" else "")
    only = set(args.only.split(","))
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    folder = tempfile.mkdtemp(prefix="portal-bench-")
    server = subprocess.Popen([args.binary, "serve", "--demo", "--data", os.path.join(folder, "data"), "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = None
        for line in server.stdout:
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                base = match.group(1)
                break
        if not base:
            raise SystemExit("the server did not start")
        wait_until_ready(base)
        procurement = log_in(base, "procurement@council.example")
        brokerage = log_in(base, "service-brokerage@council.example")
        provider = log_in(base, "super-user-actuals@oasis.example")
        _, _, periods = call(base, "GET", "/services/oasis-hs/periods", provider)
        _, _, oasis = call(base, "GET", "/services/oasis-hs", provider)
        week = oasis["startDate"]
        services = []
        for n in range(args.clients):
            service, iso, cpli = f"bench-{n}", f"iso-bench-{n}", f"cpli-bench-{n}"
            call(base, "POST", "/services", procurement, {"serviceID": service, "organisationID": "oasis", "contractID": "oasis-contract",
                 "details": oasis["details"], "startDate": week})
            call(base, "POST", "/contract-documents", brokerage, {"isoID": iso, "organisationID": "oasis", "serviceID": service,
                 "clientReference": f"B{n:04d}", "clientName": f"Bench client {n}", "cplis": [{"cpliID": cpli,
                 "serviceType": "home-support-contract-rate", "unit": "hours", "plannedPerWeek": "10.5", "rate": "19.25", "startDate": week}]})
            call(base, "POST", f"/contract-documents/{iso}/agree", provider, headers={"If-Match": "*"})
            services.append((service, cpli))
        # One service with a CPLI per client: every edit appends to the same actuals stream.
        call(base, "POST", "/services", procurement, {"serviceID": "bench-shared", "organisationID": "oasis", "contractID": "oasis-contract",
             "details": oasis["details"], "startDate": week})
        shared = [f"cpli-shared-{n}" for n in range(args.clients)]
        call(base, "POST", "/contract-documents", brokerage, {"isoID": "iso-shared", "organisationID": "oasis", "serviceID": "bench-shared",
             "clientReference": "S0001", "clientName": "Shared bench client", "cplis": [{"cpliID": cpli,
             "serviceType": "home-support-contract-rate", "unit": "hours", "plannedPerWeek": "10.5", "rate": "19.25", "startDate": week}
             for cpli in shared]})
        call(base, "POST", "/contract-documents/iso-shared/agree", provider, headers={"If-Match": "*"})
        scripts = os.path.join(folder, "scripts")
        os.makedirs(scripts)
        table = [("service", "cpli")] + services
        lua_services = "{" + ",".join(f'{{"{s}","{c}"}}' for s, c in services) + "}"
        common = f'''
local services = {lua_services}
local token = "{provider}"
local counter = 0
local id = 0
local threads = {{}}
local next_id = 1
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
function init(args)
  id = wrk.thread:get("id")
end
'''
        edit = common + f'''
function request()
  counter = counter + 1
  local s = services[((id - 1) % #services) + 1]
  local actual = (counter % 2 == 0) and "9.5000" or "10.0000"
  local body = '{{"actual":"' .. actual .. '","comment":"benchmark","visits":7{fields}}}'
  return wrk.format("{method}", "/services/" .. s[1] .. "/weeks/{week}/actuals/" .. s[2],
    {{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json", ["If-Match"] = "*"}}, body)
end
'''
        read = common + f'''
function request()
  local s = services[((id - 1) % #services) + 1]
  return wrk.format("GET", "/services/" .. s[1] .. "/weeks/{week}/actuals", {{["Authorization"] = "Bearer " .. token}})
end
'''
        lua_shared = "{" + ",".join(f'"{c}"' for c in shared) + "}"
        contended = common + f'''
local shared = {lua_shared}
function request()
  counter = counter + 1
  local cpli = shared[((id - 1) % #shared) + 1]
  local actual = (counter % 2 == 0) and "9.5000" or "10.0000"
  local body = '{{"actual":"' .. actual .. '","comment":"benchmark","visits":7{fields}}}'
  return wrk.format("{method}", "/services/bench-shared/weeks/{week}/actuals/" .. cpli,
    {{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json", ["If-Match"] = "*"}}, body)
end
'''
        workloads = [(name, script) for key, name, script in [
            ("edit", f"actual edit ({method}, one service per client)", edit), ("read", "week actuals read (GET)", read),
            ("contended", f"contended edit ({method}, one period, a CPLI per client)", contended)] if key in only]
        invoice = None
        status, _, _ = call(base, "GET", "/health")
        try:
            _, _, invoices = call(base, "GET", "/invoices?organisationID=oasis", provider)
            if invoices:
                invoice = invoices[0]["invoiceID"]
        except SystemExit:
            invoice = None
        if invoice and "invoice" in only:
            workloads.append(("invoice read (GET)", common + f'''
function request()
  return wrk.format("GET", "/invoices/{invoice}", {{["Authorization"] = "Bearer " .. token}})
end
'''))
        results = []
        for name, script in workloads:
            path = os.path.join(scripts, re.sub(r"\W+", "-", name) + ".lua")
            with open(path, "w") as handle:
                handle.write(script)
            output, rate, p50, p99, errors = wrk(path, base, args.seconds, args.clients)
            print(f"== {name}\n{output}")
            results.append((name, rate, p50, p99, errors))
        logins = login_medians(base, log_in(base, "helpdesk@council.example")) if "logins" in only else None
        lines = [f"portal HTTP benchmark {datetime.datetime.now().isoformat(timespec='seconds')}, {args.clients} clients, {args.seconds}s each, "
                 f"{os.cpu_count()} cores shared by wrk and the server, binary {args.binary}",
                 f"{'workload':48} {'req/s':>10} {'p50':>10} {'p99':>10} {'non-2xx':>8}"]
        for name, rate, p50, p99, errors in results:
            lines.append(f"{name:48} {rate:>10.0f} {p50:>10} {p99:>10} {errors:>8}")
        if not invoice and "invoice" in only:
            lines.append("invoice read: no invoices on this server (the invoice endpoints come with domain part 2)")
        if logins:
            lines.append(f"login, wrong password of a real account: median {logins[0]:.1f} ms ({logins[2]} tries); "
                         f"unknown email: median {logins[1]:.1f} ms ({logins[3]} tries)")
        report = "\n".join(lines)
        print(report)
        os.makedirs(os.path.join(ROOT, "bench-results"), exist_ok=True)
        with open(os.path.join(ROOT, "bench-results", f"http-{datetime.date.today()}.txt"), "w") as handle:
            handle.write(report + "\n")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
