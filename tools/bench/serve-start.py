#!/usr/bin/env python3
"""Times `portal serve`'s start on a data folder: wall time from spawning it to its line `listening on …`
(time-to-listen) and to its log line `read models ready` (time-to-ready), then stops it with SIGTERM and times
the stop. Prints one line, and /health as it was during a background catch-up, if there was one.

    tools/bench/serve-start.py .build/release/portal DATA [LABEL]

DATA is e.g. the folder of `portal bench projections --data DATA`; remove DATA/projections (or one read model's
folder under it) first to time a start whose read models are rebuilt in the background, as after an upgrade."""
import json, os, signal, subprocess, sys, time, threading, urllib.request
if len(sys.argv) < 3:
    raise SystemExit(__doc__)
binary, data = sys.argv[1], sys.argv[2]
label = sys.argv[3] if len(sys.argv) > 3 else ""
start = time.monotonic()
p = subprocess.Popen([binary, "serve", "--data", data, "--port", "0", "--log-format", "json"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
listen = None; ready = None; base = None; probe = None
def out():
    global listen, base
    for line in p.stdout:
        if "listening on" in line and listen is None:
            listen = time.monotonic() - start
            base = line.split("listening on ")[1].strip()
threading.Thread(target=out, daemon=True).start()
lines = []
for line in p.stderr:
    lines.append(line)
    try: o = json.loads(line)
    except Exception: continue
    if o.get("message") == "read models ready":
        ready = time.monotonic() - start
        break
    if o.get("message") == "read models catching up" and probe is None and base:
        with urllib.request.urlopen(base + "/health") as r:
            h = json.loads(r.read())
            probe = (r.status, h["status"], [(m["name"], m["phase"], m["percent"]) for m in h["readModels"]][:4])
        print("progress:", {k: o.get(k) for k in ("applied", "of", "eventsPerSecond", "secondsLeft")}, flush=True)
t = time.monotonic()
p.send_signal(signal.SIGTERM)
rest, _ = p.communicate(timeout=120)
stop = time.monotonic() - t
print(f"{label}: listening after {listen:.3f} s, read models ready after {ready:.2f} s, stop after SIGTERM {stop:.2f} s, exit {p.returncode}")
if probe: print("a list during the catch-up:", probe)
