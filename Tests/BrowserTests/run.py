#!/usr/bin/env python3
"""The browser tests: a real `portal serve --demo`, headless Chromium, axe-core on every page.

    python3 Tests/BrowserTests/run.py --binary .build/debug/portal --output bench-results/browser [--only NAME]
"""

import argparse
import csv
import datetime
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness import DEMO_PASSCODE, DEMO_PASSWORD, run, sign_in  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

SCREENSHOTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "screenshots")


def signs_in_and_out(server, api, new_browser):
    browser = new_browser()
    browser.open("/portal")
    assert browser.path == "/portal/sign-in", f"a page without a session goes to sign-in, not {browser.path}"
    sign_in(browser, "payments@council.example")
    assert browser.path == "/portal", browser.path
    assert browser.heading() == "Home"
    assert "Payments Team" in browser.text() and "Invoices to check" in browser.text(), "the home page says what waits for the Payments Team"
    session = browser.cookies()["portal-session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict", session
    browser.press("Sign out")
    assert browser.path == "/portal/sign-in" and browser.banner() == "You have signed out", (browser.path, browser.banner())
    assert "portal-session" not in browser.cookies()
    browser.open("/portal")
    assert browser.path == "/portal/sign-in", "after signing out, pages need a new sign-in"


def wrong_and_missing_secrets_are_named(server, api, new_browser):
    browser = new_browser()
    browser.open("/portal/sign-in")
    browser.press("Continue")
    assert browser.error_summary() == ["Enter your email address", "Enter your password"], browser.error_summary()
    browser.screenshot("signin-errors")
    assert browser.title().startswith("Error: "), browser.title()
    # Each line of the summary links to its field.
    browser.follow("Enter your email address")
    assert browser.driver.switch_to.active_element.get_attribute("id") == "email"
    browser.fill("Email address", "read-only@riverside.example")
    browser.fill("Password", "Not-the-password-1")
    browser.press("Continue")
    assert browser.error_summary() == ["The email address, password or passcode is wrong"], browser.error_summary()
    assert browser.field("Email address").get_attribute("value") == "read-only@riverside.example", "the email is kept"
    assert browser.field("Password").get_attribute("value") == "", "a password is never sent back"
    # The right password still signs in (one failure does not lock, R-ACC-4).
    browser.fill("Password", DEMO_PASSWORD)
    browser.press("Continue")
    browser.fill("Passcode", "000000")
    browser.press("Sign in")
    assert browser.path == "/portal/sign-in/passcode" or browser.error_summary(), "a wrong passcode is refused"
    assert "wrong" in " ".join(browser.error_summary()), browser.error_summary()


def first_sign_in_changes_password_then_sets_passcode(server, api, new_browser):
    helpdesk = api.login("helpdesk@council.example")
    status, answer, _ = api.call("POST", "/council-users", {
        "userID": "c-browser-new", "team": "billing",
        "person": {"forename": "Bea", "surname": "Newstarter", "email": "bea.newstarter@council.example"}}, token=helpdesk)
    assert status == 201, (status, answer)
    first = answer["firstPassword"]
    browser = new_browser()
    sign_in(browser, "bea.newstarter@council.example", password=first)
    assert browser.path == "/portal/account/password", f"R-ACC-1: the first password must be changed first, not {browser.path}"
    browser.open("/portal")
    assert browser.path == "/portal/account/password", "every other page sends the user back to the pending step"
    browser.fill("Current password", first)
    browser.fill("New password", "short")
    browser.fill("Confirm new password", "short")
    browser.press("Change password")
    assert any("R-ACC-2" in line or "9 characters" in line for line in browser.error_summary()), browser.error_summary()
    browser.fill("Current password", first)
    browser.fill("New password", "Bea-chooses-2027")
    browser.fill("Confirm new password", "Bea-chooses-2027")
    browser.press("Change password")
    assert browser.path == "/portal/account/passcode", f"R-ACC-3: then the passcode, not {browser.path}"
    browser.fill("Passcode", "123456")
    browser.fill("Confirm passcode", "123456")
    browser.press("Set passcode")
    assert any("R-ACC-3" in line or "consecutive" in line or "run" in line for line in browser.error_summary()), browser.error_summary()
    browser.fill("Passcode", "739182")
    browser.fill("Confirm passcode", "739182")
    browser.press("Set passcode")
    assert browser.path == "/portal" and browser.banner() == "Your passcode has been set", (browser.path, browser.banner())
    browser.press("Sign out")
    sign_in(browser, "bea.newstarter@council.example", password="Bea-chooses-2027", passcode="739182")
    assert browser.path == "/portal" and browser.heading() == "Home"


def keyboard_only_sign_in(server, api, new_browser):
    browser = new_browser()
    browser.open("/portal/sign-in")
    skip = browser.tab_to(lambda e: e.get_attribute("class") == "skip-link")
    assert skip.text == "Skip to main content"
    email = browser.tab_to(lambda e: e.get_attribute("id") == "email")
    email.send_keys("auditor@council.example")
    password = browser.tab_to(lambda e: e.get_attribute("id") == "password")
    password.send_keys(DEMO_PASSWORD + Keys.ENTER)
    browser.check_page()
    passcode = browser.driver.switch_to.active_element
    if passcode.get_attribute("id") != "passcode":
        passcode = browser.tab_to(lambda e: e.get_attribute("id") == "passcode")
    passcode.send_keys(DEMO_PASSCODE + Keys.ENTER)
    browser.check_page()
    assert browser.path == "/portal" and "Auditor" in browser.text(), browser.path


def forged_posts_are_refused(server, api, new_browser):
    browser = new_browser()
    sign_in(browser, "payments@council.example")
    token = browser.cookies()["portal-session"]["value"]

    def post(path, body, origin):
        request = urllib.request.Request(server.url(path), data=body.encode(), method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Cookie", f"portal-session={token}")
        if origin:
            request.add_header("Origin", origin)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    status, page = post("/portal/sign-out", "", server.base)
    assert status == 403 and "expired" in page, (status, page[:200])
    status, page = post("/portal/sign-out", "csrf=forged", "https://evil.example")
    assert status == 403 and "not sent from the portal" in page, (status, page[:200])
    # The session survived both: the page still opens.
    browser.open("/portal")
    assert browser.path == "/portal" and browser.heading() == "Home"
    # The JSON API never takes the cookie.
    request = urllib.request.Request(server.url("/invoices"), headers={"Cookie": f"portal-session={token}"})
    try:
        urllib.request.urlopen(request)
        raise AssertionError("the API answered a cookie")
    except urllib.error.HTTPError as error:
        assert error.code == 401, error.code


def unknown_pages_say_so(server, api, new_browser):
    browser = new_browser()
    sign_in(browser, "super-user-actuals@oasis.example")
    browser.open("/portal/no-such-page")
    assert browser.heading() == "Page not found", browser.heading()


def browser_get(server, browser, path):
    """GET `path` with the browser's session cookie, as a download would; the status and the bytes."""
    cookie = browser.cookies()["portal-session"]["value"]
    request = urllib.request.Request(server.url(path), headers={"Cookie": f"portal-session={cookie}"})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def matching(browser):
    """The worklist's count of matching invoices."""
    import re
    found = re.search(r"(\d+) invoices? match", browser.text())
    assert found, browser.text()[:400]
    return int(found.group(1))


def payments_officer_works_the_worklist_and_pays(server, api, new_browser):
    browser = new_browser("payments")
    sign_in(browser, "payments@council.example")
    browser.follow("Invoices to check")
    browser.screenshot("worklist")
    total = matching(browser)
    assert total >= 1 and "OASIS-P7" in browser.text(), browser.text()[:400]
    browser.fill("Search", "oasis")
    browser.press("Apply filters")
    assert matching(browser) == 1 and "OASIS-P7" in browser.text() and "RIVERSIDE" not in browser.text(), browser.text()[:600]
    browser.fill("Search", "")
    browser.field("Status").send_keys("On hold")
    browser.press("Apply filters")
    on_hold = matching(browser)
    assert 1 <= on_hold <= total
    browser.follow("Clear filters")
    browser.follow("OASIS-P7")
    assert browser.heading().startswith("Invoice OASIS-P7"), browser.heading()
    browser.screenshot("invoice")
    text = browser.text()
    for expected in ("On hold", "checking two hospital stays", "Planned", "Variance", "Provider's comments", "Timeline", "Put on hold"):
        assert expected in text, f"{expected!r} missing from the invoice page"
    # Lines in the clients' natural order.
    references = [cell.text.split("\n")[-1] for cell in browser.driver.find_elements("css selector", "#main-content tbody th[scope=row]")]
    client_refs = [r for r in references if r.startswith("OA")]
    assert client_refs == sorted(client_refs, key=lambda r: int(r[2:])), client_refs[:12]
    browser.press("Release from hold")
    assert browser.banner() == "The invoice is released from hold", browser.banner()
    browser.follow("Back to invoices to check")
    before = matching(browser)
    boxes = browser.driver.find_elements("css selector", "input[name=invoice]")
    assert boxes and any("OASIS-P7" in box.find_element("xpath", "./following-sibling::label").get_attribute("textContent") for box in boxes), \
        "the released OASIS-P7 can be ticked"
    for box in boxes:
        box.click()
    browser.press("Approve selected invoices")
    assert browser.heading() == "What became of each invoice", browser.heading()
    assert browser.banner() == (f"{len(boxes)} invoices approved" if len(boxes) != 1 else "1 invoice approved"), browser.banner()
    browser.follow("Back to invoices to check")
    assert matching(browser) == before - len(boxes) and "OASIS-P7" not in browser.text()
    # A payment run: preview first, then the run, then the remittance.
    browser.follow("Payment runs")
    browser.follow("Start a payment run")
    browser.fill("Payment reference", "")
    browser.press("See what it would pay")
    assert browser.error_summary() == ["Enter the payment reference"], browser.error_summary()
    browser.fill("Payment reference", "BACS-DEC-1")
    browser.press("See what it would pay")
    assert browser.heading() == "Check the payment run", browser.heading()
    preview = browser.text()
    assert "Oasis Care and Support" in preview and "OASIS-P7" in preview, preview[:800]
    browser.press("Make the payment run")
    assert browser.banner() == "The payment run is made", browser.banner()
    run_path = browser.path
    browser.follow("Oasis Care and Support")
    assert browser.heading() == "Remittance advice for Oasis Care and Support"
    run_id = run_path.rsplit("/", 1)[1]
    status, page_csv = browser_get(server, browser, f"/portal/payments/runs/{run_id}/remittances/oasis/csv")
    assert status == 200, status
    token = api.login("payments@council.example")
    request = urllib.request.Request(server.url(f"/payment-runs/{run_id}/remittances/oasis/csv"), headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        api_csv = response.read()
    assert page_csv == api_csv and b"OASIS-P7" in page_csv, "the page's CSV is the API's bytes"
    browser.screenshot("payment-run-remittance")


def a_changed_invoice_is_not_overwritten(server, api, new_browser):
    officer = new_browser("payments")
    sign_in(officer, "payments@council.example")
    # Riverside's returned period (the demo's third) is corrected and resubmitted by the provider over the API.
    provider = api.login("super-user-actuals@riverside.example")
    status, invoices, _ = api.call("GET", "/invoices?status=returned", token=provider)
    assert status == 200 and invoices, (status, invoices)
    invoice = invoices[0]
    status, body, headers = api.call("POST", f"/invoices/{invoice['invoiceID']}/correct", {}, token=provider, headers={"If-Match": "*"})
    assert status == 200, (status, body)
    status, body, headers = api.call("POST", f"/invoices/{invoice['invoiceID']}/submit", token=provider, headers={"If-Match": "*"})
    assert status == 200, (status, body)
    officer.open(f"/portal/invoices/{invoice['invoiceID']}")
    # Meanwhile a colleague holds it.
    colleague = api.login("payments@council.example")
    status, body, _ = api.call("POST", f"/invoices/{invoice['invoiceID']}/hold", {"reason": "colleague checking"}, token=colleague,
                               headers={"If-Match": "*"})
    assert status == 200, (status, body)
    officer.press("Approve")
    assert officer.banner() == "This invoice changed since you opened it, so nothing was done", officer.banner()
    assert "Put on hold" in officer.text() and "On hold" in officer.text()
    officer.follow("Reload the invoice")
    assert "Release from hold" in officer.text()


def dispute_resolved_by_payments_and_provider_then_audited(server, api, new_browser):
    """Issue 16's walk: find the invoice, read it, hold it with a reason, ask the provider, return it, the
    provider corrects and resubmits, approve, pay, read the remittance; then an auditor reads the story."""
    officer = new_browser("payments")
    provider = new_browser("provider")
    auditor = new_browser("auditor")
    sign_in(officer, "payments@council.example")
    officer.follow("Invoices to check")
    officer.fill("Search", "RIVERSIDE-P7")
    officer.press("Apply filters")
    officer.follow("RIVERSIDE-P7")
    invoice_path = officer.path
    officer.fill("Reason for holding or returning", "Week 2: two visits recorded at the same time for one client")
    officer.press("Put on hold")
    assert officer.banner() == "The invoice is on hold", officer.banner()
    assert "Week 2: two visits recorded at the same time" in officer.text()
    officer.fill("Subject", "Week 2 visits")
    officer.fill("Your question", "Were both visits delivered? Please check week 2 and correct the actuals if not.")
    officer.press("Send the question")
    assert officer.banner() == "Your message is sent", officer.banner()
    conversation_path = officer.path

    sign_in(provider, "super-user-actuals@riverside.example")
    provider.follow("Conversations")
    provider.follow("Week 2 visits")
    assert "Were both visits delivered?" in provider.text() and "Payments Team, " in provider.text() and "council-payments" not in provider.text(), provider.text()[:600]
    provider.fill("Reply", "The second visit was entered twice by mistake; we will correct week 2.")
    provider.press("Send reply")
    assert provider.banner() == "Your message is sent"

    officer.open(conversation_path)
    assert "entered twice by mistake" in officer.text()
    officer.follow("Invoice RIVERSIDE-P7")
    assert officer.path == invoice_path
    officer.fill("Reason for returning", "Please correct week 2 as agreed in the conversation")
    officer.press("Return to the provider")
    assert officer.banner() == "The invoice is returned to the provider", officer.banner()

    provider.open(conversation_path)
    provider.follow("Invoice RIVERSIDE-P7")
    assert "Returned" in provider.text() and "Please correct week 2 as agreed" in provider.text(), provider.text()[:600]
    assert "Put on hold" not in [b.text for b in provider.driver.find_elements("css selector", "button")], "a provider cannot hold"
    provider.press("Correct from the actuals")
    assert provider.banner() == "The invoice is corrected from the actuals", provider.banner()
    provider.press("Submit to the Payments Team")
    assert provider.banner() == "The invoice is submitted to the Payments Team", provider.banner()

    officer.open(invoice_path)
    assert "Resubmitted" in officer.text() and "Changed since the first submission" in officer.text()
    officer.press("Approve")
    assert officer.banner() == "The invoice is approved"
    officer.screenshot("invoice-approved")
    officer.follow("Payment runs")
    officer.follow("Start a payment run")
    officer.fill("Payment reference", "BACS-DISPUTE")
    officer.press("See what it would pay")
    assert "RIVERSIDE-P7" in officer.text(), officer.text()[:800]
    officer.screenshot("payment-run-preview")
    officer.press("Make the payment run")
    officer.follow("Riverside Home Care")
    assert "RIVERSIDE-P7" in officer.text()

    sign_in(auditor, "auditor@council.example")
    auditor.follow("Audit")
    auditor.fill("Invoice reference or id", "riverside-p7")
    auditor.field("Provider").send_keys("Riverside Home Care")
    auditor.press("Show its story")
    story = auditor.text()
    for event in ("InvoiceHeld", "InvoiceReturned", "InvoiceCorrected", "InvoiceResubmitted", "InvoiceApproved", "InvoicePaid"):
        assert event in story, f"{event} missing from the story"
    assert "Week 2: two visits" in story, "the hold reason is in the story"
    auditor.screenshot("audit-story")
    # The evidence for an auditor outside the council: the bundle and the public key the page offers, checked by
    # the independent verifier alone.
    bundle_href = auditor.driver.find_element("link text", "Download the invoice's evidence bundle (JSON)").get_attribute("href")
    key_href = auditor.driver.find_element("link text", "Download the council's public key").get_attribute("href")
    status, bundle = browser_get(server, auditor, urllib.parse.urlparse(bundle_href).path)
    assert status == 200 and b'"provider-portal-evidence/1"' in bundle, status
    status, key = browser_get(server, auditor, urllib.parse.urlparse(key_href).path)
    assert status == 200, status
    with tempfile.TemporaryDirectory() as folder:
        open(os.path.join(folder, "bundle.json"), "wb").write(bundle)
        open(os.path.join(folder, "portal.pub"), "wb").write(key)
        verifier = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "verify-evidence.py"), os.path.join(folder, "bundle.json"),
                                   "--public-key", os.path.join(folder, "portal.pub")], capture_output=True, text=True)
    assert verifier.returncode == 0 and "InvoiceReturned" in verifier.stdout, verifier.stdout + verifier.stderr
    # The invoice as it stood when it was held.
    steps = [e.text for e in auditor.driver.find_elements("css selector", ".timeline__title")]
    held = max(i for i, title in enumerate(steps) if "InvoiceHeld" in title) + 1  # the dispute's hold, after the demo's
    auditor.follow(f"The invoice after step {held}")
    rows = {r.find_element("tag name", "th").text: r.find_element("tag name", "td").text
            for r in auditor.driver.find_elements("css selector", "#as-of ~ .table-wrapper tbody tr")}
    assert rows.get("status") == "on-hold" and "two visits" in rows.get("holdReason", ""), rows.get("status")
    auditor.follow("Back to audit")
    auditor.fill("Email address or user id", "payments@council.example")
    auditor.press("List the changes")
    assert "Changes by Payments Team Officer" in auditor.heading() and "InvoiceReturned" in auditor.text()
    auditor.follow("Back to audit")
    auditor.press("Verify the whole chain now")
    assert auditor.banner() == "The hash chain is intact", auditor.banner()


# -- A provider's office (issue 17) --------------------------------------------------------------------------

PROVIDER = "super-user-actuals@oasis.example"


def post_forms(browser):
    """The actions of the page's forms that change something: every POST form but signing out."""
    return [form.get_attribute("action") for form in browser.driver.find_elements("css selector", "form[method=post]")
            if not form.get_attribute("action").endswith("/portal/sign-out")]


def api_bytes(server, token, path):
    """GET `path` from the JSON API with a bearer token; the bytes."""
    request = urllib.request.Request(server.url(path), headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return response.read()


def publish_iso(api, iso, client_reference, client_name):
    """Service Brokerage publishes an ISO of one CPLI for oasis, as its own system would through the API."""
    brokerage = api.login("service-brokerage@council.example")
    status, body, _ = api.call("POST", "/contract-documents", {
        "isoID": iso, "organisationID": "oasis", "serviceID": "oasis-hs", "clientReference": client_reference, "clientName": client_name,
        "cplis": [{"cpliID": "cpli-" + iso, "serviceType": "home-support-contract-rate", "unit": "hours", "plannedPerWeek": "7.5",
                   "rate": "19.25", "startDate": "2026-04-06"}]}, token=brokerage)
    assert status == 201, (status, body)


def provider_agrees_one_document_and_rejects_another(server, api, new_browser):
    publish_iso(api, "iso-web-reject", "OA9001", "Zoë Ødegård")
    browser = new_browser("provider")
    sign_in(browser, PROVIDER)
    assert "Contract documents to agree" in browser.text(), browser.text()[:600]
    browser.screenshot("provider-home")
    browser.follow("Agree or reject the documents")
    assert browser.heading() == "Contract documents" and "Zoë Ødegård" in browser.text(), browser.text()[:600]
    published = [a.get_attribute("href").rsplit("/", 1)[1] for a in browser.driver.find_elements("css selector", "tbody th a")]
    assert "iso-web-reject" in published and len(published) >= 2, published
    # The filters: updated since a date far ahead lists nothing; a malformed date is named.
    browser.fill("Updated since", "31/12/2099")
    browser.press("Apply filters")
    assert "0 documents" in browser.text(), browser.text()[:400]
    browser.fill("Updated since", "not a date")
    browser.press("Apply filters")
    assert browser.error_summary() == ["Enter the date as 2026-11-16 or 16/11/2026"], browser.error_summary()
    # Agree the demo's published ISO.
    agree = next(iso for iso in published if iso != "iso-web-reject")
    browser.open(f"/portal/contract-documents/{agree}")
    assert "Published" in browser.text() and "A period (4 weeks)" in browser.text()
    browser.screenshot("contract-document")
    browser.press("Agree")
    assert browser.banner() == "The contract document is agreed", browser.banner()
    assert "Agreed" in browser.heading() and post_forms(browser) == [], "an agreed document offers no form"
    # Reject the other one, by keyboard only: an empty reason is refused first.
    browser.open("/portal/contract-documents/iso-web-reject")
    browser.press("Reject")
    assert browser.error_summary() == ["Enter the reason: say what is wrong in the document"], browser.error_summary()
    reason = browser.tab_to(lambda e: e.get_attribute("id") == "reason")
    reason.send_keys("The client's surname is misspelt")
    button = browser.tab_to(lambda e: e.tag_name == "button" and e.text == "Reject")
    button.send_keys(Keys.ENTER)
    browser.check_page()
    assert browser.banner() == "The contract document is rejected", browser.banner()
    assert "misspelt" in browser.text() and "Rejected" in browser.heading()
    # The PDF is the API's.
    token = api.login(PROVIDER)
    status, page_pdf = browser_get(server, browser, "/portal/contract-documents/iso-web-reject/pdf")
    assert status == 200 and page_pdf == api_bytes(server, token, "/contract-documents/iso-web-reject/pdf"), "the page's PDF is the API's"
    # The CPLIs with their cost, and the CSV (the API's bytes).
    browser.follow("Care package line items")
    assert "A period" in browser.text() and "Active" in browser.text()
    status, page_csv = browser_get(server, browser, "/portal/cplis/csv")
    assert status == 200 and page_csv == api_bytes(server, token, "/cplis?format=csv"), "the page's CPLI CSV is the API's"


def open_period(api, token):
    status, board, _ = api.call("GET", "/services/oasis-hs/period-board", token=token)
    assert status == 200 and board["openPeriod"], (status, board)
    return next(p for p in board["periods"] if p["period"] == board["openPeriod"])


def provider_invoices_the_open_period_with_the_wizard(server, api, new_browser):
    token = api.login(PROVIDER)
    period = open_period(api, token)
    # Week 1 of the open period over 20% for cpli-oasis-1 (R-ACT-6), recorded as the provider's own system would.
    status, body, _ = api.call("PATCH", f"/services/oasis-hs/weeks/{period['firstDay']}/actuals/cpli-oasis-1",
                               {"actual": "9", "frustrated": "0", "missed": "0", "extra": "0", "visits": 9, "comment": "extra care after a fall"},
                               token=token, headers={"If-Match": "*"})
    assert status == 200, (status, body)
    browser = new_browser("provider")
    sign_in(browser, PROVIDER)
    assert "over the 20% exception" in browser.text(), browser.text()[:800]
    browser.follow(f"Create the invoice for period {period['period']}")
    assert browser.heading().startswith(f"Invoice for period {period['period']}"), browser.heading()
    text = browser.text()
    assert "Over 20% exception" in text and "ask Service Brokerage for a temporary CPLI" in text, text[:800]
    boxes = browser.driver.find_elements("css selector", "input[name=cpli]")
    assert len(boxes) >= 3 and all(box.is_selected() for box in boxes), "every proposed line is ticked"
    browser.screenshot("invoice-wizard")
    browser.driver.find_element("id", "line-cpli-oasis-2").click()
    browser.fill("Invoice reference", "OASIS-WEB-1")
    browser.press("Create the invoice")
    assert browser.banner() == "The invoice is created", (browser.banner(), browser.error_summary())
    invoice_path = browser.path
    assert "Unsubmitted" in browser.heading() and "OA0002" not in browser.text(), "the unticked line is left off"
    # Submitting with the exception line is refused with the rule (R-INV-2); the line is removed, then it is submitted.
    browser.press("Submit to the Payments Team")
    assert any("R-INV-2" in line for line in browser.error_summary()), browser.error_summary()
    browser.driver.find_element("css selector", "form[action$='/lines/cpli-oasis-1/remove'] button").click()
    browser.check_page()
    assert browser.banner() == "The line is removed from the invoice", browser.banner()
    browser.press("Submit to the Payments Team")
    assert browser.banner() == "The invoice is submitted to the Payments Team", (browser.banner(), browser.error_summary())
    browser.follow("Back to invoices")
    rows = [row.text for row in browser.driver.find_elements("css selector", "tbody tr")]
    assert any("OASIS-WEB-1" in row and "Submitted" in row for row in rows), rows[:5]
    assert browser.path == "/portal/invoices" and invoice_path.startswith("/portal/invoices/inv-")

    # The Payments Team holds it in a second session; the provider sees it held, with the reason.
    officer = new_browser("payments")
    sign_in(officer, "payments@council.example")
    officer.open(invoice_path)
    officer.fill("Reason for holding or returning", "Checking the hours of Client OA0003")
    officer.press("Put on hold")
    assert officer.banner() == "The invoice is on hold", officer.banner()
    browser.open("/portal/invoices")
    row = next(r.text for r in browser.driver.find_elements("css selector", "tbody tr") if "OASIS-WEB-1" in r.text)
    assert "On hold" in row and "Checking the hours of Client OA0003" in row, row
    # It is returned with a reason; the home page says so, and the provider corrects and resubmits it from its page.
    officer.open(invoice_path)
    officer.fill("Reason for returning", "Week 2 of Client OA0003 is recorded twice")
    officer.press("Return to the provider")
    assert officer.banner() == "The invoice is returned to the provider", officer.banner()
    browser.open("/portal")
    assert "Invoice OASIS-WEB-1 returned" in browser.text() and "Week 2 of Client OA0003 is recorded twice" in browser.text(), browser.text()[:900]
    browser.follow("Open invoice OASIS-WEB-1")
    assert browser.path == invoice_path and "Returned" in browser.text()
    browser.press("Correct from the actuals")
    assert browser.banner() == "The invoice is corrected from the actuals", (browser.banner(), browser.error_summary())
    assert "OA0001" not in [c.text.split("\n")[-1] for c in browser.driver.find_elements("css selector", "#main-content tbody th[scope=row]")], \
        "the correction keeps the lines the provider kept (the exception line stays off)"
    browser.press("Submit to the Payments Team")
    assert browser.banner() == "The invoice is submitted to the Payments Team", (browser.banner(), browser.error_summary())
    # Approved and paid; the provider reads the remittance of that payment.
    officer.open(invoice_path)
    officer.press("Approve")
    assert officer.banner() == "The invoice is approved", officer.banner()
    officer.follow("Payment runs")
    officer.follow("Start a payment run")
    officer.fill("Payment reference", "BACS-OASIS-WEB")
    officer.press("See what it would pay")
    assert "OASIS-WEB-1" in officer.text(), officer.text()[:800]
    officer.press("Make the payment run")
    assert officer.banner() == "The payment run is made", officer.banner()
    browser.open("/portal/invoices")
    row = next(r for r in browser.driver.find_elements("css selector", "tbody tr") if "OASIS-WEB-1" in r.text)
    assert "Paid on" in row.text, row.text
    row.find_element("link text", "Remittance advice").click()
    browser.check_page()
    assert browser.heading() == "Remittance advice for Oasis Care and Support" and "OASIS-WEB-1" in browser.text() and "BACS-OASIS-WEB" in browser.text(), \
        browser.text()[:800]
    browser.screenshot("remittance-provider")


def provider_asks_brokerage_for_a_temporary_cpli(server, api, new_browser):
    browser = new_browser("provider")
    sign_in(browser, PROVIDER)
    browser.follow("Conversations")
    browser.follow("Start a conversation")
    browser.field("What is it about?").send_keys("Client")
    browser.press("Continue")
    teams = [option.text for option in browser.field("Assign to").find_elements("tag name", "option")]
    assert "Service Brokerage Team" in teams and not any(team.startswith("Z Information") for team in teams), teams
    clients = [option.text for option in browser.field("Client").find_elements("tag name", "option")]
    assert any("(OA0001)" in client for client in clients) and not any("RI0" in client for client in clients), clients[:5]
    browser.field("Client").send_keys("Client OA0001")
    browser.fill("Subject", "Temporary CPLI for Client OA0001")
    browser.press("Send")
    assert browser.error_summary() == ["Enter your message"], browser.error_summary()
    browser.fill("Message", "Week 1: 9 hours given against 5.25 planned after a fall; please arrange a temporary CPLI.")
    browser.press("Send")
    assert browser.banner() == "Your message is sent", (browser.banner(), browser.error_summary())
    assert "Client OA0001" in browser.text() and "Service Brokerage Team" in browser.text(), browser.text()[:600]
    # A forged choice of the internal team is refused by the server (R-CNV-2).
    token = browser.cookies()["portal-session"]["value"]
    browser.open("/portal/conversations/new?relatedTo=client")
    csrf = browser.driver.find_element("css selector", "form[action='/portal/conversations'] input[name=csrf]").get_attribute("value")
    status, page = form_post(server, token, "/portal/conversations", {
        "csrf": csrf, "relatedTo": "client", "conversationID": "cnv-forged-z", "type": "query", "entityID": "OA0001",
        "team": "z-information-messaging", "subject": "Z", "message": "Z"})
    assert status == 422 and "R-CNV-2" in page, (status, page[:300])


def form_post(server, session, path, fields):
    """A form post with the session cookie from the portal's own origin, as the browser would send it."""
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(server.url(path), data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("Cookie", f"portal-session={session}")
    request.add_header("Origin", server.base)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def provider_makes_a_one_off_claim(server, api, new_browser):
    browser = new_browser("provider")
    sign_in(browser, PROVIDER)
    browser.follow("One-off claims")
    browser.follow("Start a new claim")
    date_of_claim = browser.field("Date of claim").get_attribute("value")
    last = datetime.date.fromisoformat(date_of_claim)
    first_day = last - datetime.timedelta(days=12)
    browser.field("Client").send_keys("Client OA0003")
    browser.fill("First day of the absence", first_day.strftime("%d/%m/%Y"))
    browser.fill("Last day of the absence", (first_day + datetime.timedelta(days=4)).isoformat())
    browser.fill("Hours claimed", "6")
    browser.press("Create the claim")
    summary = browser.error_summary()
    assert any("R-OOC-2" in line and "authorising locality worker" in line for line in summary), summary
    browser.screenshot("claim-refused")
    browser.fill("Authorising locality worker (for 4 to 7 days)", "Sam Locality")
    browser.press("Create the claim")
    assert browser.banner() == "The claim is created; submit it to send it to the Payments Team", (browser.banner(), browser.error_summary())
    assert "Sam Locality" in browser.text() and "5" in browser.text()
    browser.press("Submit the claim")
    assert browser.banner() == "The claim is submitted to the Payments Team", browser.banner()
    assert post_forms(browser) == [], "a submitted claim offers no form"
    browser.follow("Back to one-off claims")
    assert "Submitted" in browser.text() and "Client OA0003" in browser.text()


def provider_requests_a_new_contact(server, api, new_browser):
    browser = new_browser("provider")
    sign_in(browser, PROVIDER)
    browser.follow("Contacts")
    assert "Read only" in browser.text() and "Super user (actuals)" in browser.text(), browser.text()[:600]
    browser.follow("Request a new contact")
    browser.fill("First name", "John")
    browser.fill("Last name", "Smith")
    browser.fill("Email address", "not-an-email")
    browser.field("Security role").send_keys("Payments")
    browser.press("Send the request")
    assert browser.error_summary() and "email" in browser.error_summary()[0].lower(), browser.error_summary()
    browser.fill("Email address", "jsmith@oasis.example")
    browser.press("Send the request")
    assert browser.banner() == "Your request is sent to the helpdesk", (browser.banner(), browser.error_summary())
    pending = browser.driver.find_element("css selector", "h2 ~ .table-wrapper tbody").text
    assert "John Smith" in pending and "New contact" in pending, browser.text()[-600:]
    browser.screenshot("contacts")


def provider_reads_a_remittance(server, api, new_browser):
    browser = new_browser("provider")
    sign_in(browser, PROVIDER)
    browser.follow("Remittances")
    links = browser.driver.find_elements("css selector", "tbody th a")
    assert links, browser.text()[:400]
    links[-1].click()  # the demo's first payment run
    browser.check_page()
    assert browser.heading() == "Remittance advice for Oasis Care and Support", browser.heading()
    csv_path = browser.driver.find_element("link text", "CSV (for a spreadsheet)").get_attribute("href")
    path = urllib.parse.urlparse(csv_path).path
    status, page_csv = browser_get(server, browser, path)
    api_path = path.replace("/portal/payments/runs/", "/payment-runs/")
    assert status == 200 and page_csv == api_bytes(server, api.login(PROVIDER), api_path), "the page's remittance CSV is the API's"
    browser.follow("Back to remittances")
    assert browser.heading() == "Remittances"


def home_offers_each_role_its_functions(server, api, new_browser):
    """R-ROLE: the home page's functions say, per role, which the user may change; actuals only for roles that record them."""
    def functions(email):
        browser = new_browser(email.split("@")[0])
        sign_in(browser, email)
        items = browser.driver.find_elements("css selector", "h2 ~ ul.list li")
        return {item.find_element("tag name", "a").text: item.text for item in items}
    scheduled = functions("super-user-scheduled@oasis.example")
    assert "Actuals" in scheduled and all("View and change" in scheduled[f] for f in ("Invoices and credit notes", "Contract documents")), scheduled
    reports = functions("reports@oasis.example")
    assert "Actuals" not in reports, reports
    assert "View only" in reports["Invoices and credit notes"] and "View only" in reports["Contract documents"], reports
    assert "View and change" in reports["Conversations"], "every provider role writes actions (R-ROLE)"
    invoice_only = functions("invoice-only@oasis.example")
    assert "Actuals" not in invoice_only and "View and change" in invoice_only["Invoices and credit notes"], invoice_only
    assert "View only" in invoice_only["Contract documents"], invoice_only


def read_only_user_sees_everything_and_changes_nothing(server, api, new_browser):
    publish_iso(api, "iso-web-readonly", "OA9002", "Seán Ó Briain")
    browser = new_browser("read-only")
    sign_in(browser, "read-only@oasis.example")
    assert "View only" in browser.text() and "View and change" not in browser.text(), browser.text()[-800:]
    menu = [a.text for a in browser.driver.find_elements("css selector", ".service-nav a")]
    for function in ("Contract documents", "Care package line items", "Invoices and credit notes", "One-off claims", "Conversations",
                     "Contacts", "Remittances"):
        assert function in menu, (function, menu)
    pages = ["/portal", "/portal/contract-documents", "/portal/contract-documents/iso-web-readonly", "/portal/cplis", "/portal/invoices",
             "/portal/invoices/inv-oasis-claims-1", "/portal/claims", "/portal/conversations", "/portal/contacts", "/portal/remittances"]
    status, board, _ = api.call("GET", "/services/oasis-hs/period-board", token=api.login("read-only@oasis.example"))
    assert status == 200, (status, board)
    pages.append(f"/portal/invoices/new?serviceID=oasis-hs&period={board['periods'][-2]['period']}")
    for path in pages:
        browser.open(path)
        assert browser.path == path.split("?")[0], (path, browser.path)
        assert post_forms(browser) == [], f"{path} offers a form to a read-only user: {post_forms(browser)}"
    # Each list's records too: a claim, a contact, a conversation, a remittance, a CPLI's document.
    for listing in ("/portal/claims", "/portal/contacts", "/portal/conversations", "/portal/remittances"):
        browser.open(listing)
        links = [a.get_attribute("href") for a in browser.driver.find_elements("css selector", "tbody th a, tbody td a")]
        assert links, f"{listing} lists nothing to open"
        browser.open(urllib.parse.urlparse(links[0]).path)
        assert post_forms(browser) == [], f"{browser.path} offers a form to a read-only user: {post_forms(browser)}"
    browser.open("/portal/contract-documents/iso-web-readonly")
    assert "Seán Ó Briain" in browser.text() and "Agree" not in [b.text for b in browser.driver.find_elements("tag name", "button")]
    for path in ("/portal/claims/new", "/portal/contacts/new", "/portal/conversations/new"):
        browser.open(path)
        assert browser.heading() == "Not allowed" or "not allowed" in browser.text().lower(), (path, browser.heading())
    # A forged post with the user's own valid form token is refused by the server, and nothing changes (R-ROLE).
    browser.open("/portal")
    csrf = browser.driver.find_element("css selector", "form[action='/portal/sign-out'] input[name=csrf]").get_attribute("value")
    session = browser.cookies()["portal-session"]["value"]
    status, page = form_post(server, session, "/portal/contract-documents/iso-web-readonly/agree", {"csrf": csrf, "version": "1"})
    assert status == 403 and "R-ROLE" in page, (status, page[:400])
    status, page = form_post(server, session, "/portal/invoices/inv-oasis-claims-1/submit", {"csrf": csrf, "version": "1"})
    assert status == 403, (status, page[:400])
    status, document, _ = api.call("GET", "/contract-documents/iso-web-readonly", token=api.login("read-only@oasis.example"))
    assert document["status"] == "published", document["status"]


# -- The actuals calendar and the bulk import (issue 17, user guide §5–7) ------------------------------------

ACTUALS_USER = "super-user-actuals@oasis.example"


def open_calendar(browser):
    """From the home page to the service's calendar, as a person would: Actuals, then the service."""
    browser.open("/portal")
    browser.follow("Actuals")
    assert browser.heading() == "Actuals", browser.heading()
    link = browser.driver.find_element(By.CSS_SELECTOR, "main table a")
    link.click()
    browser.check_page()
    assert "/weeks/" in browser.path, browser.path
    return browser.path


def week_json(api, token, service, monday):
    status, answer, _ = api.call("GET", f"/services/{service}/weeks/{monday}/actuals", token=token)
    assert status == 200, (status, answer)
    return answer


def uk(date_text):
    year, month, day = date_text.split("-")
    return f"{day}/{month}/{year}"


def records_a_week_with_an_aborted_visit_and_confirms_it(server, api, new_browser):
    browser = new_browser()
    sign_in(browser, ACTUALS_USER)
    path = open_calendar(browser)
    service, monday = path.split("/")[4], path.split("/")[6]
    text = browser.text()
    assert "Total: £" in text and " of £" in text, "the week shows its money as the guide does: Total: £… of £…"
    assert "Read only" not in text, "the open period's week is editable by a super user (actuals)"
    browser.screenshot("actuals-week")
    token = api.login(ACTUALS_USER)
    before = week_json(api, token, service, monday)
    assert before.get("total") and before.get("plannedTotal"), "the JSON twin has the week's totals"
    line = next(l for l in before["lines"] if l["unit"] == "hours" and float(l["planned"]) >= 2 and not l["isProRata"])
    cpli, planned = line["cpliID"], float(line["planned"])
    assert line["clientName"] in text and line["clientReference"] in text, "each row names its client and reference"

    browser.open(f"{path}/lines/{cpli}")
    assert line["clientName"] in browser.heading(), browser.heading()
    # Errors by field: a bad quantity, then Actual 0 without a comment (R-ACT-3).
    browser.fill("Actual (hours)", "seven")
    browser.press("Save the line")
    assert any("Actual must be a quantity" in e for e in browser.error_summary()), browser.error_summary()
    browser.follow(browser.error_summary()[0])
    assert browser.driver.switch_to.active_element.get_attribute("id") == "actual", "the error links to its field"
    browser.fill("Actual (hours)", "0")
    browser.fill("Comment", "")
    browser.press("Save the line")
    assert any("R-ACT-3" in e for e in browser.error_summary()), browser.error_summary()

    # The aborted visit entered as a visit: Tuesday, 1 hour, 2 hours' notice, a day visit, cancelled; Frustrated
    # is left as the form showed it (0), for the application to compute (block-2013: the visit's length, at most
    # 30 minutes, R-ABT-1).
    tuesday = (datetime.date.fromisoformat(monday) + datetime.timedelta(days=1)).isoformat()
    actual = planned - 1
    browser.fill("Actual (hours)", f"{actual:g}")
    assert browser.field("Frustrated (hours)").get_attribute("value") == "0"
    browser.fill("Comment", f"Visit cancelled at short notice on {uk(tuesday)}")
    browser.fill("Date", uk(tuesday))
    browser.fill("Length (hours)", "1")
    browser.fill("Notice given (hours)", "2")
    browser.screenshot("actuals-edit")
    browser.press("Save the line")
    assert browser.banner() == "The line is saved", (browser.banner(), browser.error_summary())
    after = week_json(api, token, service, monday)
    saved = next(l for l in after["lines"] if l["cpliID"] == cpli)
    assert float(saved["actual"]) == actual and float(saved["frustrated"]) == 0.5, saved
    assert [v["visit"]["date"] for v in saved["abortedVisits"]] == [tuesday], saved["abortedVisits"]
    # The edit form shows the computed Frustrated with its basis.
    browser.open(f"{path}/lines/{cpli}")
    basis = browser.driver.find_element(By.ID, "frustrated-basis").text
    assert "0.5" in basis and "30 minutes" in basis, basis
    # A PATCH through the form keeps what it does not change: the comment alone, the visit stays.
    browser.fill("Comment", f"Cancelled by the family on {uk(tuesday)}")
    browser.press("Save the line")
    kept = next(l for l in week_json(api, token, service, monday)["lines"] if l["cpliID"] == cpli)
    assert len(kept["abortedVisits"]) == 1 and float(kept["frustrated"]) == 0.5 and kept["comment"].startswith("Cancelled by"), kept

    # Confirming the week (R-ACT-9): the edit made it "changed since confirmation".
    assert "needs confirming again" in browser.text() or "Not confirmed" in browser.text(), browser.text()[:600]
    browser.press("Confirm the week")
    assert browser.banner() == "The week is confirmed", browser.banner()
    assert monday in week_json(api, token, service, monday)["confirmedWeeks"]

    # A form read before someone else's edit is not applied over it (the version it carries).
    browser.open(f"{path}/lines/{cpli}")
    current = week_json(api, token, service, monday)["version"]
    status, answer, _ = api.call("PATCH", f"/services/{service}/weeks/{monday}/actuals/{cpli}", {"visits": 3}, token=token,
                                 headers={"If-Match": f'"{current}"'})
    assert status == 200, (status, answer)
    browser.fill("Visits", "4")
    browser.press("Save the line")
    assert "changed since you opened" in (browser.banner() or ""), browser.banner()
    assert browser.field("Visits").get_attribute("value") == "3", "the form shows the line as it is now"


def exports_changes_and_imports_the_period(server, api, new_browser):
    browser = new_browser()
    sign_in(browser, ACTUALS_USER)
    path = open_calendar(browser)
    service = path.split("/")[4]
    href = browser.driver.find_element(By.LINK_TEXT, "Export the period's actuals (CSV)").get_attribute("href")
    status, body = browser_get(server, browser, urllib.parse.urlparse(href).path)
    assert status == 200, (status, body[:200])
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    header, data = rows[0], rows[1:]
    column = {name: index for index, name in enumerate(header)}
    assert {"week", "cpli", "actual", "frustrated", "comment"} <= set(column), header
    # As a spreadsheet saves it: UK dates, a byte-order mark, CRLF; one line's Actual up by a quarter hour.
    changed = next(r for r in data if float(r[column["actual"]]) >= 1 and float(r[column["frustrated"]]) == 0)
    changed[column["actual"]] = f"{float(changed[column['actual']]) + 0.25:g}"
    for row in data:
        row[column["week"]] = uk(row[column["week"]])
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header] + data)
    folder = tempfile.mkdtemp(prefix="actuals-import-")
    upload = os.path.join(folder, "oasis-period.csv")
    with open(upload, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))

    browser.follow("Import a CSV file of the period")
    browser.press("Check the file")
    assert browser.error_summary() == ["Choose the CSV file to import"], browser.error_summary()
    browser.field("CSV file").send_keys(upload)
    browser.press("Check the file")
    preview = browser.driver.find_element(By.ID, "preview").text
    assert re.search(rf"Rows read\s+{len(data)}\b", preview), preview
    assert re.search(r"Lines (changed|new)\s+1\b", preview) and re.search(r"Rows refused\s+0\b", preview), preview
    browser.screenshot("import-preview")
    browser.press("Import 1 line")
    assert browser.banner() == "The file is imported", (browser.banner(), browser.error_summary())
    # The same file again: identical to the import applied (R-ACT-10), nothing to import.
    browser.field("CSV file").send_keys(upload)
    browser.press("Check the file")
    outcome = browser.driver.find_element(By.ID, "outcome").text
    assert "identical to import" in outcome and "R-ACT-10" in outcome, outcome
    assert not [b for b in browser.driver.find_elements(By.CSS_SELECTOR, "main form button") if b.text.startswith("Import ")]
    # A file with problems: every one by row and column, nothing applied.
    data[0][column["actual"]] = "-1"
    data[1][column["week"]] = "31/02/2026"
    bad = os.path.join(folder, "bad.csv")
    with open(bad, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header] + data)
    browser.field("CSV file").send_keys(bad)
    browser.press("Check the file")
    problems = browser.driver.find_element(By.ID, "problems").text
    assert "actual" in problems and "week" in problems, problems
    assert re.search(r"Rows refused\s+2\b", browser.driver.find_element(By.ID, "preview").text)
    shutil.rmtree(folder, ignore_errors=True)


def meets_an_exception_and_follows_the_temporary_cpli_path(server, api, new_browser):
    browser = new_browser()
    sign_in(browser, ACTUALS_USER)
    path = open_calendar(browser)
    service, monday = path.split("/")[4], path.split("/")[6]
    token = api.login(ACTUALS_USER)
    week = week_json(api, token, service, monday)
    line = next(l for l in week["lines"] if l["unit"] == "hours" and float(l["planned"]) >= 2 and not l["isProRata"] and not l["abortedVisits"])
    cpli, planned = line["cpliID"], float(line["planned"])
    # More than 20% over Planned (R-ACT-6): the calendar marks the row, in words, not colour alone.
    browser.open(f"{path}/lines/{cpli}")
    browser.fill("Actual (hours)", f"{planned * 1.5:g}")
    browser.press("Save the line")
    row = browser.driver.find_element(By.ID, f"line-{cpli}").text
    assert "Over 20% exception" in row, row
    assert "temporary CPLI" in browser.text()
    # The guide's path (§9): brokerage publishes a temporary CPLI for the extra care, the provider agrees it,
    # it appears in the calendar, and the original goes back to Planned, which removes the mark.
    brokerage = api.login("service-brokerage@council.example")
    extra = f"{planned * 0.5:g}"
    status, iso, _ = api.call("POST", "/contract-documents", {
        "organisationID": "oasis", "serviceID": service, "clientReference": line["clientReference"], "clientName": line["clientName"],
        "cplis": [{"serviceType": "home-support-contract-rate", "unit": "hours", "plannedPerWeek": extra, "rate": line["rate"],
                   "startDate": monday, "endDate": (datetime.date.fromisoformat(monday) + datetime.timedelta(days=6)).isoformat(),
                   "temporaryOf": cpli}]}, token=brokerage)
    assert status == 201, (status, iso)
    status, agreed, _ = api.call("POST", f"/contract-documents/{iso['isoID']}/agree", token=token, headers={"If-Match": f'"{iso["version"]}"'})
    assert status == 200, (status, agreed)
    browser.open(path)
    temporary = iso["cplis"][0]["cpliID"]
    assert browser.driver.find_elements(By.ID, f"line-{temporary}"), "the temporary CPLI appears in the calendar"
    browser.open(f"{path}/lines/{cpli}")
    browser.fill("Actual (hours)", f"{planned:g}")
    browser.press("Save the line")
    assert "Over 20% exception" not in browser.driver.find_element(By.ID, f"line-{cpli}").text


def read_only_user_sees_the_calendar_and_changes_nothing(server, api, new_browser):
    browser = new_browser()
    sign_in(browser, "read-only@oasis.example")
    path = open_calendar(browser)
    assert "Read only" in browser.text() and "may not edit actuals" in browser.text(), browser.text()[:400]
    assert not browser.driver.find_elements(By.LINK_TEXT, "Import a CSV file of the period")
    assert not [b for b in browser.driver.find_elements(By.CSS_SELECTOR, "main button") if b.text == "Confirm the week"]
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "main table a"), "no Edit link on any row"
    token = api.login("read-only@oasis.example")
    service, monday = path.split("/")[4], path.split("/")[6]
    cpli = week_json(api, token, service, monday)["lines"][0]["cpliID"]
    status, _ = browser_get(server, browser, f"{path}/lines/{cpli}")
    assert status == 403, f"the edit form is refused to a read-only user, not {status}"


TESTS = [
    ("signs in and out", signs_in_and_out),
    ("wrong and missing secrets are named", wrong_and_missing_secrets_are_named),
    ("first sign-in changes the password, then sets the passcode", first_sign_in_changes_password_then_sets_passcode),
    ("keyboard only sign-in", keyboard_only_sign_in),
    ("forged posts are refused", forged_posts_are_refused),
    ("unknown pages say so", unknown_pages_say_so),
    ("a changed invoice is not overwritten", a_changed_invoice_is_not_overwritten),
    ("a dispute resolved by the Payments Team and the provider, then audited", dispute_resolved_by_payments_and_provider_then_audited),
    ("the payments officer works the worklist and pays", payments_officer_works_the_worklist_and_pays),
    ("a provider agrees one contract document and rejects another", provider_agrees_one_document_and_rejects_another),
    ("a provider invoices the open period with the wizard, sees it held and returned, corrects it, resubmits it and reads the remittance", provider_invoices_the_open_period_with_the_wizard),
    ("a provider asks Service Brokerage for a temporary CPLI", provider_asks_brokerage_for_a_temporary_cpli),
    ("a provider makes a one-off claim", provider_makes_a_one_off_claim),
    ("a provider requests a new contact", provider_requests_a_new_contact),
    ("a provider reads a remittance", provider_reads_a_remittance),
    ("the home page offers each provider role its functions", home_offers_each_role_its_functions),
    ("a read-only user sees everything and changes nothing", read_only_user_sees_everything_and_changes_nothing),
    ("actuals: a week recorded with an aborted visit and confirmed", records_a_week_with_an_aborted_visit_and_confirms_it),
    ("actuals: the period exported, changed as a spreadsheet would, previewed and imported", exports_changes_and_imports_the_period),
    ("actuals: an exception and the temporary-CPLI path", meets_an_exception_and_follows_the_temporary_cpli_path),
    ("actuals: a read-only user sees the calendar and changes nothing", read_only_user_sees_the_calendar_and_changes_nothing),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--only", help="run only tests whose name contains this")
    arguments = parser.parse_args()
    tests = [t for t in TESTS if not arguments.only or arguments.only in t[0]]
    run(tests, arguments.binary, arguments.output)


if __name__ == "__main__":
    main()
