#!/usr/bin/env python3
"""The browser tests: a real `portal serve --demo`, headless Chromium, axe-core on every page.

    python3 Tests/BrowserTests/run.py --binary .build/debug/portal --output bench-results/browser [--only NAME]
"""

import argparse
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DEMO_PASSCODE, DEMO_PASSWORD, run, sign_in  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

SCREENSHOTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "screenshots")


def signs_in_and_out(server, api, new_browser):
    browser = new_browser()
    browser.open("/portal")
    assert browser.path == "/portal/sign-in", f"a page without a session goes to sign-in, not {browser.path}"
    sign_in(browser, "payments@council.example")
    assert browser.path == "/portal", browser.path
    assert browser.heading() == "Home"
    assert "Payments Team" in browser.text()
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


TESTS = [
    ("signs in and out", signs_in_and_out),
    ("wrong and missing secrets are named", wrong_and_missing_secrets_are_named),
    ("first sign-in changes the password, then sets the passcode", first_sign_in_changes_password_then_sets_passcode),
    ("keyboard only sign-in", keyboard_only_sign_in),
    ("forged posts are refused", forged_posts_are_refused),
    ("unknown pages say so", unknown_pages_say_so),
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
