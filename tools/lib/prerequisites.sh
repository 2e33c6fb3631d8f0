# Installs what the portal needs on a Debian machine that has only the Swift toolchain.
# Sourced by tools/portal and tools/test; every function explains what is missing when it cannot install.

say() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# apt-get as root, through sudo when available, or a clear failure naming the packages.
apt_install() {
    local runner=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            runner="sudo"
        else
            fail "these Debian packages are missing: $*. Install them as root (apt-get install -y $*) and run this again."
        fi
    fi
    command -v apt-get >/dev/null 2>&1 || fail "no apt-get on this machine; install these packages by hand: $*"
    say "installing Debian packages: $*"
    if ! DEBIAN_FRONTEND=noninteractive $runner apt-get install -y -q "$@" >/tmp/portal-apt.log 2>&1; then
        DEBIAN_FRONTEND=noninteractive $runner apt-get update -q >>/tmp/portal-apt.log 2>&1 || true
        DEBIAN_FRONTEND=noninteractive $runner apt-get install -y -q "$@" >>/tmp/portal-apt.log 2>&1 \
            || { tail -20 /tmp/portal-apt.log >&2; fail "could not install $* (log: /tmp/portal-apt.log)"; }
    fi
}

# Installs each Debian package that is not installed yet.
ensure_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

ensure_swift() {
    command -v swift >/dev/null 2>&1 || fail "the Swift toolchain is not on PATH (expected swift 6.2 or later)"
}

# The libraries the product links: liblmdb (and pkg-config, through which SwiftPM finds it); and the font the
# contract document PDFs embed (DejaVu Sans, found at run time; Liberation Sans also serves).
ensure_build_prerequisites() {
    ensure_swift
    ensure_debian_packages liblmdb-dev pkg-config fonts-dejavu-core
}

# Sets PORTAL_PYTHON to a Python 3 that can import jsonschema, yaml (PyYAML, for the OpenAPI contract test) and
# cryptography (Ed25519, for tools/verify-evidence.py), installing them when missing.
ensure_python_jsonschema() {
    for candidate in "${PORTAL_PYTHON:-}" python3 /usr/bin/python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import jsonschema, yaml, cryptography' 2>/dev/null; then
            export PORTAL_PYTHON="$(command -v "$candidate")"
            return
        fi
    done
    if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
        say "installing Python's jsonschema, PyYAML and cryptography with pip"
        if python3 -m pip install -q jsonschema pyyaml cryptography >/tmp/portal-pip.log 2>&1 \
            && python3 -c 'import jsonschema, yaml, cryptography' 2>/dev/null; then
            export PORTAL_PYTHON="$(command -v python3)"
            return
        fi
    fi
    ensure_debian_packages python3 python3-jsonschema python3-yaml python3-cryptography
    /usr/bin/python3 -c 'import jsonschema, yaml, cryptography' 2>/dev/null \
        || fail "Python's jsonschema, PyYAML or cryptography could not be installed"
    export PORTAL_PYTHON=/usr/bin/python3
}

# Everything the test suite uses besides the build: mdb_stat, a C compiler for one fixture, jsonschema, nginx,
# openssl and curl for the test of the portal behind TLS (tools/deploy/nginx), and poppler-utils (pdftotext,
# pdfinfo) to read the contract document PDFs back.
ensure_test_prerequisites() {
    ensure_build_prerequisites
    ensure_debian_packages lmdb-utils openssl curl poppler-utils
    command -v clang >/dev/null 2>&1 || command -v cc >/dev/null 2>&1 || ensure_debian_packages clang
    ensure_nginx
    ensure_python_jsonschema
}

# Debian's nginx, installed without starting its default site: the test runs its own nginx on a loopback port.
# (A policy-rc.d that answers 101 tells the package's scripts not to start the service.)
ensure_nginx() {
    dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q "install ok installed" && return
    local policy=/usr/sbin/policy-rc.d placed=""
    if [ ! -e "$policy" ] && [ "$(id -u)" -eq 0 ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && placed=1
    fi
    ensure_debian_packages nginx
    [ -z "$placed" ] || rm -f "$policy"
}

# The store comparison (tools/bench/compare): PostgreSQL's server and client library, SQLite's, and Python's
# jsonschema for the smoke check's schema test.
ensure_bench_prerequisites() {
    ensure_build_prerequisites
    ensure_debian_packages postgresql libpq-dev libsqlite3-dev
    ensure_python_jsonschema
}

# The browser tests (Tests/BrowserTests): Debian's chromium and chromium-driver; from PyPI, Selenium and
# axe-core (axe-selenium-python ships axe-core 3.x; axe-playwright-python ships a 4.x that knows WCAG 2.2's
# rules, installed without its Playwright dependency: only its axe.min.js is used, injected through Selenium).
ensure_browser_prerequisites() {
    ensure_debian_packages chromium chromium-driver
    local python="${PORTAL_PYTHON:-python3}"
    if ! "$python" -c 'import selenium, axe_selenium_python' 2>/dev/null; then
        say "installing Python's selenium and axe-selenium-python with pip"
        "$python" -m pip install -q 'selenium>=4.20' axe-selenium-python >/tmp/portal-pip.log 2>&1 \
            || { tail -20 /tmp/portal-pip.log >&2; fail "could not install selenium and axe-selenium-python (log: /tmp/portal-pip.log)"; }
    fi
    if ! "$python" -c 'import axe_playwright_python' 2>/dev/null; then
        "$python" -m pip install -q --no-deps axe-playwright-python >>/tmp/portal-pip.log 2>&1 \
            || say "axe-playwright-python (axe-core 4.x) could not be installed; the browser tests use axe-selenium-python's axe-core"
    fi
}

# schemathesis, pinned, in its own virtual environment (so its dependencies meet no other Python package), for
# the API fuzz of tools/test (tools/testing/fuzz-api.py). Sets PORTAL_SCHEMATHESIS to its command.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
    local venv="${PORTAL_FUZZ_VENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/portal-fuzz-venv}"
    if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
        command -v python3 >/dev/null 2>&1 || ensure_debian_packages python3
        say "installing schemathesis $SCHEMATHESIS_VERSION with pip in $venv"
        rm -rf "$venv"
        if ! python3 -m venv "$venv" >/tmp/portal-pip.log 2>&1; then
            ensure_debian_packages python3-venv
            python3 -m venv "$venv" >>/tmp/portal-pip.log 2>&1 || { tail -5 /tmp/portal-pip.log >&2; fail "could not make a Python virtual environment in $venv"; }
        fi
        "$venv/bin/python3" -m pip install -q "schemathesis==$SCHEMATHESIS_VERSION" >>/tmp/portal-pip.log 2>&1 \
            || { tail -20 /tmp/portal-pip.log >&2; fail "could not install schemathesis $SCHEMATHESIS_VERSION (log: /tmp/portal-pip.log)"; }
    fi
    export PORTAL_SCHEMATHESIS="$venv/bin/schemathesis"
}
