#!/usr/bin/env python3
"""Times the web pages on a large data folder, as a browser asks for them: each page requested --runs times
in turn (one at a time, over loopback, with the session cookie), p50/p95/p99/max per page.

    swift build -c release --product portal
    .build/release/portal bench projections --data /tmp/county        # a county log of 1M events, once
    tools/bench/pages-bench.py .build/release/portal /tmp/county [--runs 50]

The folder is served with the county's period anchor. A Payments Team officer is added from the shell
(`portal staff add`, beside the running server), signs in through the pages (first password, new password,
passcode), and times: home, the worklist (and a search), the invoice with the most lines among those the
worklist and the payment runs name, its audit story, the payment runs, a run, a remittance, the
conversations, one conversation, the audit pages, and a payment-run preview (which writes nothing). Then a
provider's office (issue 17): a helpdesk officer, added the same way, asks for and accepts a super user
(actuals) contact of --provider over the JSON API; the contact signs in through the pages and times: home, the
invoices, the invoice wizard for a service and period (--service, a service of 72 CPLIs in the county), the
contract documents and one, the CPLIs of the service, claims, conversations, remittances, and the actuals pages
of the service: its provider's services, the week the calendar opens on, the period's CSV, a line's edit form and
the import page's preview of the period's own CSV (multipart, which writes nothing). A table goes to standard
output and to bench-results/pages-<time>.md. Asserts nothing: figures to read.
"""

import argparse
import datetime
import html
import http.cookiejar
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

COUNTY_ANCHOR = "2016-01-04"  # CountyWorkload.anchor
PASSWORD = "Bench-pages-2027"
PASSCODE = "739182"


class Browser:
    """A browser without a screen: cookies, the forms' CSRF token, redirects followed."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        try:
            with self.opener.open(self.base + path, timeout=120) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()

    def post(self, path, fields, files=None):
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        content_type = "application/x-www-form-urlencoded"
        if files is not None:
            # multipart/form-data, as a browser sends a form with a file input.
            boundary = "----pages-bench-boundary-3f1c"
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
            for name, (file_name, content) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                             f'Content-Type: text/csv\r\n\r\n'.encode() + content + b"\r\n")
            data = b"".join(parts) + f"--{boundary}--\r\n".encode()
            content_type = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(self.base + path, data=data, method="POST")
        request.add_header("Origin", self.base)
        request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()

    @staticmethod
    def csrf(page):
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        if not found:
            raise SystemExit("no form token on the page")
        return found.group(1)


def serve(binary, data):
    process = subprocess.Popen([binary, "serve", "--data", data, "--port", "0", "--period-anchor", COUNTY_ANCHOR],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            return process, found.group(1)
    raise SystemExit("portal serve did not start")


def wait_ready(base):
    for _ in range(3600):
        try:
            with urllib.request.urlopen(base + "/health", timeout=10) as response:
                if json.loads(response.read()).get("ready"):
                    return
        except urllib.error.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("the read models did not get ready within an hour")


def add_officer(binary, data, team="payments"):
    email = f"bench-{team}-{int(time.time())}@council.example"
    result = subprocess.run([binary, "staff", "add", "--data", data, "--email", email, "--name", f"Bench {team.title()}",
                             "--team", team, "--reason", "page benchmark"], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"portal staff add failed: {result.stderr or result.stdout}")
    lines = result.stdout.splitlines()
    index = next(i for i, line in enumerate(lines) if "first password" in line)
    return email, lines[index + 1].strip()


def sign_in(browser, email, first):
    _, _, page = browser.get("/portal/sign-in")
    status, url, page = browser.post("/portal/sign-in", {"csrf": browser.csrf(page), "email": email, "password": first})
    assert url.endswith("/portal/account/password"), url
    status, url, page = browser.post("/portal/account/password", {
        "csrf": browser.csrf(page), "currentPassword": first, "newPassword": PASSWORD, "confirmPassword": PASSWORD})
    assert url.endswith("/portal/account/passcode"), (url, status)
    status, url, page = browser.post("/portal/account/passcode", {"csrf": browser.csrf(page), "passcode": PASSCODE, "confirmPasscode": PASSCODE})
    assert "/portal" in url and status == 200, (url, status)


def api(base, method, path, body=None, token=None, headers=None):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def add_provider_user(base, binary, data, organisation):
    """A super user (actuals) of `organisation`: asked for and accepted by a helpdesk officer over the JSON API."""
    email, first = add_officer(binary, data, team="helpdesk")
    status, answer = api(base, "POST", "/auth/login", {"email": email, "password": first})
    assert status == 200 and answer.get("token"), (status, answer)
    token = answer["token"]
    status, answer = api(base, "POST", "/auth/password", {"currentPassword": first, "newPassword": PASSWORD}, token)
    assert status == 200, (status, answer)
    status, answer = api(base, "POST", "/auth/passcode", {"passcode": PASSCODE}, token)
    assert status == 200, (status, answer)
    stamp = int(time.time())
    contact = f"bench-office-{stamp}@{organisation}.example"
    user, request = f"bench-office-{stamp}", f"bench-request-{stamp}"
    status, answer = api(base, "POST", f"/organisations/{organisation}/contacts", {
        "userID": user, "requestID": request, "role": "super-user-actuals",
        "person": {"forename": "Bench", "surname": "Office", "email": contact}}, token)
    assert status in (200, 201), (status, answer)
    status, answer = api(base, "POST", f"/users/{user}/change-requests/{request}/accept", {}, token, {"If-Match": "*"})
    assert status == 200 and answer.get("firstPassword"), (status, answer)
    return contact, answer["firstPassword"]


def actuals_pages(office, service):
    """The actuals pages of `service` as its provider's super user: the services, the week the calendar opens on
    (the open period's first), the period's CSV, a line's edit form, and the import preview of that CSV."""
    status, url, week_page = office.get(f"/portal/actuals/services/{urllib.parse.quote(service)}")
    if status != 200:
        print(f"the actuals calendar answered {status}: its pages are not timed", file=sys.stderr)
        return []
    week = urllib.parse.urlparse(url).path
    lines = week_page.count('id="line-')
    csv_path = html.unescape(re.search(r'href="([^"]+/actuals\.csv)"', week_page).group(1))
    line = re.search(r'id="line-([^"]+)"', week_page)
    _, _, csv_file = office.get(csv_path)
    import_path = csv_path.rsplit("/", 1)[0] + "/import"
    _, _, import_page = office.get(import_path)
    token = Browser.csrf(import_page)

    def preview():
        status, _, _ = office.post(import_path + "/preview", {"csrf": token}, files={"file": ("period.csv", csv_file.encode())})
        return status

    # What the preview says of the file, once, so the figure can be read for what it is.
    _, _, answer = office.post(import_path + "/preview", {"csrf": token}, files={"file": ("period.csv", csv_file.encode())})
    outcome = re.search(r'id="outcome"[^>]*><strong>([^<]*)<', answer)
    print(f"actuals: {service}, {week.rsplit('/', 1)[1]}: {lines} lines; the period's CSV has {csv_file.count(chr(10)) - 1} rows; "
          f"the preview says: {html.unescape(outcome.group(1)) if outcome else 'no outcome'}", file=sys.stderr)

    def get(path):
        return lambda: office.get(path)[0]

    pages = [
        ("provider: actuals, the services", get("/portal/actuals")),
        (f"provider: actuals calendar, {service}, a week ({lines} lines)", get(week)),
        ("provider: actuals, the period's CSV", get(csv_path)),
    ]
    if line:
        pages += [("provider: actuals, a line's edit form", get(f"{week}/lines/{line.group(1)}"))]
    pages += [("provider: actuals, import preview of the period's CSV (nothing written)", preview)]
    return pages


def time_page(label, request, runs):
    request()  # the first read warms what is cached
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        status = request()
        samples.append((time.perf_counter() - started) * 1000)
        if status >= 400:
            raise SystemExit(f"{label}: status {status}")
    samples.sort()

    def percentile(p):
        return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]
    return label, percentile(50), percentile(95), percentile(99), samples[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("data")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--provider", default="prov-002", help="the provider whose office is timed (default prov-002)")
    parser.add_argument("--service", default=None, help="its service for the wizard, the CPLIs and the calendar (default: its first)")
    arguments = parser.parse_args()

    process, base = serve(arguments.binary, arguments.data)
    try:
        wait_ready(base)
        with urllib.request.urlopen(base + "/health") as response:
            head = json.loads(response.read())["logHead"]
        email, first = add_officer(arguments.binary, arguments.data)
        browser = Browser(base)
        sign_in(browser, email, first)

        # What to time: the worklist's invoices and the latest payment runs' invoices, the one with most lines.
        _, _, worklist = browser.get("/portal/payments/invoices?limit=200")
        invoices = set(re.findall(r'href="/portal/invoices/([^"/?#]+)"', worklist))
        _, _, runs_page = browser.get("/portal/payments/runs")
        runs = re.findall(r'href="/portal/payments/runs/([^"/?#]+)"', runs_page)
        runs = [r for r in runs if r != "new"]
        run = runs[0] if runs else None
        remittance = None
        if run:
            _, _, run_page = browser.get(f"/portal/payments/runs/{run}")
            found = re.search(rf'href="(/portal/payments/runs/{re.escape(run)}/remittances/[^"/]+)"', run_page)
            remittance = found.group(1) if found else None
        best, lines = None, -1
        for invoice in list(invoices)[:40]:
            _, _, page = browser.get(f"/portal/invoices/{invoice}")
            count = page.count('<th scope="row">') - page.count("Totals")
            if count > lines:
                best, lines = invoice, count
        _, _, conversations = browser.get("/portal/conversations")
        conversation = re.search(r'href="/portal/conversations/([^"/?#]+)"', conversations)
        provider = re.search(r'<option value="([^"]+)">([^<]+)</option>', worklist)
        search = urllib.parse.quote(html.unescape(provider.group(2)).split()[0]) if provider else "care"
        today = datetime.date.today().isoformat()

        def get(path):
            return lambda: browser.get(path)[0]

        pages = [
            ("home (what needs attention)", get("/portal")),
            ("worklist", get("/portal/payments/invoices")),
            (f"worklist, search '{urllib.parse.unquote(search)}'", get(f"/portal/payments/invoices?q={search}")),
        ]
        if best:
            pages += [
                (f"invoice page ({lines} lines)", get(f"/portal/invoices/{best}")),
                ("audit: the invoice's story", get(f"/portal/audit/invoices/{best}")),
            ]
        pages += [("payment runs", get("/portal/payments/runs"))]
        if run:
            pages += [("a payment run", get(f"/portal/payments/runs/{run}"))]
        if remittance:
            pages += [("a remittance advice", get(remittance))]
        pages += [("conversations (the team's)", get("/portal/conversations"))]
        if conversation:
            pages += [("a conversation", get(f"/portal/conversations/{conversation.group(1)}"))]
        pages += [
            ("audit: start", get("/portal/audit")),
            ("audit: who did what, one day", get(f"/portal/audit/who?user={urllib.parse.quote(email)}&from={today}&to={today}")),
        ]
        _, _, form = browser.get("/portal/payments/runs/new")
        token = browser.csrf(form)

        def preview():
            status, _, _ = browser.post("/portal/payments/runs/preview", {"csrf": token, "paymentDate": today, "reference": "BENCH"})
            return 200 if status in (200, 422) else status
        pages += [("payment-run preview (nothing written)", preview)]

        # A provider's office (issue 17).
        office = Browser(base)
        sign_in(office, *add_provider_user(base, arguments.binary, arguments.data, arguments.provider))

        def office_get(path):
            return lambda: office.get(path)[0]

        _, _, wizard = office.get("/portal/invoices/new")
        # The wizard's first step offers "service@period", each service's period open for invoicing first.
        choices = [html.unescape(v) for v in re.findall(r'<option value="([^"]+@\d+)"', wizard)]
        if arguments.service:
            choices = [c for c in choices if c.split("@")[0] == arguments.service] or [f"{arguments.service}@1"]
        service, period = choices[0].split("@") if choices else (None, None)
        _, _, invoices_page = office.get("/portal/invoices")
        _, _, documents = office.get("/portal/contract-documents")
        document = re.search(r'href="/portal/contract-documents/([^"/?#]+)"', documents)
        pages += [
            (f"provider: home ({arguments.provider})", office_get("/portal")),
            ("provider: invoices", office_get("/portal/invoices")),
            ("provider: contract documents", office_get("/portal/contract-documents")),
        ]
        if document:
            pages += [("provider: a contract document", office_get(f"/portal/contract-documents/{document.group(1)}"))]
        if service:
            pages += [("provider: CPLIs of the service", office_get(f"/portal/cplis?serviceID={urllib.parse.quote(service)}"))]
            pages += [(f"provider: invoice wizard, {service} period {period}",
                       office_get(f"/portal/invoices/new?serviceID={urllib.parse.quote(service)}&period={period}"))]
            pages += actuals_pages(office, service)
        pages += [
            ("provider: claims", office_get("/portal/claims")),
            ("provider: conversations", office_get("/portal/conversations")),
            ("provider: remittances", office_get("/portal/remittances")),
        ]
        own = [i for i in re.findall(r'href="/portal/invoices/([^"/?#]+)"', invoices_page) if i != "new"]
        if own:
            pages += [("provider: an invoice", office_get(f"/portal/invoices/{own[0]}"))]
            if not best:
                # The council's invoice page and the auditor's story of the provider's latest invoice.
                pages += [("invoice page", get(f"/portal/invoices/{own[0]}")),
                          ("audit: the invoice's story", get(f"/portal/audit/invoices/{own[0]}"))]

        results = [time_page(label, request, arguments.runs) for label, request in pages]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)

    load = os.getloadavg()
    header = (f"pages on {arguments.data}: {head} events; {arguments.runs} requests a page, one at a time; "
              f"{os.cpu_count()} cores; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {datetime.datetime.now():%Y-%m-%d %H:%M}")
    table = ["| page | p50 ms | p95 ms | p99 ms | max ms |", "|---|---|---|---|---|"]
    for label, p50, p95, p99, top in results:
        table.append(f"| {label} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {top:.1f} |")
    print(header)
    print("\n".join(table))
    os.makedirs("bench-results", exist_ok=True)
    path = f"bench-results/pages-{datetime.datetime.now():%Y%m%d-%H%M%S}.md"
    with open(path, "w") as handle:
        handle.write(header + "\n\n" + "\n".join(table) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
