"""The browser tests' harness: a real `portal serve --demo` on a free loopback port, headless Chromium through
Selenium (Debian's chromium and chromium-driver), and axe-core run on every page a test visits.

Every page is checked with axe-core against WCAG 2.0, 2.1 and 2.2 A and AA; a violation of impact serious or
critical fails the test that visited the page. axe-core comes from PyPI: axe-selenium-python ships it (3.1),
and when axe-playwright-python's newer copy is installed (4.x, which knows WCAG 2.2's rules) that one is used.
Screenshots of every failure are kept in the output folder, beside the pages' HTML.
"""

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

DEMO_PASSWORD = "Portal-demo-2026"
DEMO_PASSCODE = "135246"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_source():
    """The newest axe-core among the installed PyPI packages, with its version."""
    candidates = []
    for module in ("axe_playwright_python", "axe_selenium_python"):
        try:
            package = __import__(module)
        except ImportError:
            continue
        root = os.path.dirname(package.__file__)
        for folder, _, files in os.walk(root):
            if "axe.min.js" in files:
                path = os.path.join(folder, "axe.min.js")
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
                match = re.search(r'\.version="(\d+)\.(\d+)\.(\d+)"', text)
                version = tuple(int(part) for part in match.groups()) if match else (0, 0, 0)
                candidates.append((version, text))
    if not candidates:
        raise SystemExit("axe-core is missing: pip install axe-selenium-python (tools/test installs it)")
    return max(candidates)


class Server:
    """`portal serve --demo` in a new data folder on a free port; stopped (SIGTERM) at the end."""

    def __init__(self, binary, folder):
        self.folder = folder
        self.log = open(os.path.join(folder, "serve.log"), "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--demo", "--port", "0", "--data", os.path.join(folder, "data")],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.time() + 180
        self.base = None
        while time.time() < deadline:
            line = self.process.stdout.readline()
            if not line:
                if self.process.poll() is not None:
                    raise SystemExit(f"portal serve exited with {self.process.returncode}; see {self.log.name}")
                continue
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                self.base = match.group(1)
                break
        if not self.base:
            raise SystemExit("portal serve did not start listening within 3 minutes")

    def url(self, path):
        return self.base + path

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class Api:
    """The JSON API, for setting up what a test needs (a new account, say) the way a script would."""

    def __init__(self, server):
        self.server = server

    def call(self, method, path, body=None, token=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.server.url(path), data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None), response.headers
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            return error.code, (json.loads(text) if text.startswith("{") else text), error.headers

    def login(self, email, password=DEMO_PASSWORD, passcode=DEMO_PASSCODE):
        status, answer, _ = self.call("POST", "/auth/login", {"email": email, "password": password})
        assert status == 200, (status, answer)
        if answer["next"] == "passcode":
            status, answer, _ = self.call("POST", "/auth/login/passcode", {"challengeToken": answer["challengeToken"], "passcode": passcode})
            assert status == 200, (status, answer)
        return answer["token"]


class Browser:
    """One headless Chromium: a person at a keyboard and screen. Every page it lands on is checked by axe."""

    def __init__(self, server, output, name, axe):
        self.server = server
        self.output = output
        self.name = name
        self.axe = axe
        self.checked = []
        options = Options()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(30)

    def quit(self):
        self.driver.quit()

    # -- navigation -------------------------------------------------------------------------------------------

    def open(self, path):
        self.driver.get(self.server.url(path))
        self.check_page()

    @property
    def path(self):
        return urllib.parse.urlparse(self.driver.current_url).path

    @property
    def query(self):
        return urllib.parse.parse_qs(urllib.parse.urlparse(self.driver.current_url).query)

    def title(self):
        return self.driver.title

    def heading(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "main").text

    # -- forms, as a person fills them: by the label they read --------------------------------------------------

    def field(self, label):
        for element in self.driver.find_elements(By.TAG_NAME, "label"):
            if element.text.strip() == label:
                return self.driver.find_element(By.ID, element.get_attribute("for"))
        raise AssertionError(f"no field labelled {label!r} on {self.path}")

    def fill(self, label, value):
        element = self.field(label)
        element.clear()
        element.send_keys(value)

    def tick(self, label):
        element = self.field(label)
        if not element.is_selected():
            element.click()

    def press(self, text):
        """Presses the button (or button-like link) with this text, then checks the page it leads to."""
        for element in self.driver.find_elements(By.CSS_SELECTOR, "button, input[type=submit], a.button"):
            if element.text.strip() == text or element.get_attribute("value") == text:
                element.click()
                self.check_page()
                return
        raise AssertionError(f"no button {text!r} on {self.path}")

    def follow(self, text):
        """Follows the link with this text, then checks the page it leads to."""
        try:
            link = self.driver.find_element(By.LINK_TEXT, text)
        except NoSuchElementException:
            raise AssertionError(f"no link {text!r} on {self.path}")
        link.click()
        self.check_page()

    def error_summary(self):
        return [element.text for element in self.driver.find_elements(By.CSS_SELECTOR, ".error-summary__list li")]

    def banner(self):
        elements = self.driver.find_elements(By.CSS_SELECTOR, ".notification-banner__heading")
        return elements[0].text if elements else None

    def cookies(self):
        return {cookie["name"]: cookie for cookie in self.driver.get_cookies()}

    # -- keyboard only ----------------------------------------------------------------------------------------

    def tab_to(self, predicate, limit=60):
        """Presses Tab until the focused element matches `predicate`; fails after `limit` presses."""
        body = self.driver.find_element(By.TAG_NAME, "body")
        for _ in range(limit):
            body = self.driver.switch_to.active_element
            body.send_keys(Keys.TAB)
            focused = self.driver.switch_to.active_element
            if predicate(focused):
                return focused
        raise AssertionError(f"Tab never reached the element wanted on {self.path}")

    # -- accessibility ------------------------------------------------------------------------------------------

    def check_page(self):
        """axe-core on the page as it is now: fails on any serious or critical violation (WCAG 2.2 AA)."""
        self.driver.execute_script(self.axe)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(done, e => done({error: String(e)}));",
            WCAG_TAGS)
        if "error" in result:
            raise AssertionError(f"axe failed on {self.path}: {result['error']}")
        bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
        self.checked.append(self.path)
        if bad:
            lines = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in bad]
            raise AssertionError(f"axe found {len(bad)} serious or critical violations on {self.path}:\n  " + "\n  ".join(lines))

    def screenshot(self, name):
        path = os.path.join(self.output, f"{name}.png")
        self.driver.save_screenshot(path)
        return path

    def keep_failure(self, test):
        base = os.path.join(self.output, f"failure-{test}-{self.name}")
        try:
            self.driver.save_screenshot(base + ".png")
            with open(base + ".html", "w", encoding="utf-8") as handle:
                handle.write(self.driver.page_source)
        except Exception:  # the browser may be gone
            pass


def sign_in(browser, email, password=DEMO_PASSWORD, passcode=DEMO_PASSCODE):
    """Signs in through the two steps, as a person would."""
    browser.open("/portal/sign-in")
    browser.fill("Email address", email)
    browser.fill("Password", password)
    browser.press("Continue")
    if browser.path == "/portal/sign-in/passcode":
        browser.fill("Passcode", passcode)
        browser.press("Sign in")


def run(tests, binary, output):
    """Runs `tests` (name, function(server, api, new_browser)) against one server; exits 1 when any fails."""
    os.makedirs(output, exist_ok=True)
    version, axe = axe_source()
    print(f"browser tests: axe-core {'.'.join(map(str, version))}, output in {output}", flush=True)
    folder = tempfile.mkdtemp(prefix="portal-browser-")
    server = Server(binary, folder)
    api = Api(server)
    failures = []
    try:
        for name, test in tests:
            browsers = []

            def new_browser(label="user"):
                browser = Browser(server, output, label, axe)
                browsers.append(browser)
                return browser

            started = time.time()
            try:
                test(server, api, new_browser)
                pages = sum(len(b.checked) for b in browsers)
                print(f"  ok    {name} ({time.time() - started:.1f} s, {pages} pages checked by axe)", flush=True)
            except Exception:
                failures.append(name)
                print(f"  FAIL  {name}\n" + "".join("        " + line for line in traceback.format_exc().splitlines(True)), flush=True)
                for browser in browsers:
                    browser.keep_failure(name)
            finally:
                for browser in browsers:
                    browser.quit()
            if not server.alive():
                failures.append("the server died")
                print(f"  FAIL  the server died (exit {server.process.returncode}); see {server.log.name}", flush=True)
                break
    finally:
        server.stop()
    if failures:
        print(f"browser tests: {len(failures)} failed: {', '.join(failures)}; screenshots in {output}", flush=True)
        sys.exit(1)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"browser tests: all {len(tests)} passed", flush=True)
