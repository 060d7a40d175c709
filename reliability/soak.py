#!/usr/bin/env python3
"""Soak: Porter with an out-of-process TestBackend app under wrk load (64 connections, mixed GET and POST) while
faults are injected in turn every few seconds (backend SIGKILL, app_offline.htm dropped then removed, web.config
rewritten). Samples Porter's open file descriptors (/proc/<pid>/fd) and RSS every 5 s. Then a crash loop under
load (rapidFailsPerMinute 2, backends SIGKILLed as soon as they serve): starts are refused with 502.5 until the
real 60-second window ends, and the time until the app serves again is recorded. Writes RELIABILITY.md.
Run it through reliability/run (which builds Porter and installs wrk)."""
import argparse
import datetime
import glob
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS_START = "<!-- results -->"


def find_java():
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    candidates += sorted(glob.glob("/usr/lib/jvm/*/bin/java"), reverse=True)
    for c in candidates:
        try:
            out = subprocess.run([c, "-XshowSettings:properties", "-version"], capture_output=True, text=True).stderr
        except OSError:
            continue
        m = re.search(r"java\.specification\.version = (\d+)", out)
        if m and int(m.group(1)) >= 25:
            return c
    sys.exit("reliability: no JDK >= 25 found (JAVA_HOME, /usr/lib/jvm)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(port, path, timeout=10.0):
    """One request on a fresh connection; (status, body) or (None, error)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
        return (int(m.group(1)) if m else None), body
    except OSError as e:
        return None, str(e).encode()


def children(pid):
    out = set()
    for f in glob.glob(f"/proc/{pid}/task/*/children"):
        try:
            with open(f) as fh:
                out.update(int(x) for x in fh.read().split())
        except OSError:
            pass
    return out


def descendants(pid):
    seen, todo = set(), [pid]
    while todo:
        for c in children(todo.pop()):
            if c not in seen:
                seen.add(c)
                todo.append(c)
    return seen


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def sample(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    rss_kib = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kib = int(line.split()[1])
    threads = len(os.listdir(f"/proc/{pid}/task"))
    return fds, rss_kib, threads


WRK_LUA = r"""
counts = {}
threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
request = function()
  if math.random() < 0.3 then
    return wrk.format("POST", "/echo", {["Content-Type"] = "text/plain"}, string.rep("x", 2048))
  end
  return wrk.format("GET", "/pid")
end
response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, k .. "=" .. v) end
  io.write("STATUSES " .. table.concat(parts, " ") .. "\n")
  io.write(string.format("ERRORS connect=%d read=%d write=%d timeout=%d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("LATENCY p50=%.1fms p99=%.1fms max=%.1fms\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def test_backends(porter_pid):
    """Porter's TestBackend children (not its process watchdog)."""
    out = []
    for pid in children(porter_pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"TestBackend" in f.read():
                    out.append(pid)
        except OSError:
            pass
    return out


def parse_wrk(out):
    statuses = dict((int(k), int(v)) for k, v in re.findall(r"(\d+)=(\d+)", (re.search(r"STATUSES(.*)", out)
                                                                           or re.search("()", "")).group(1)))
    errors = re.search(r"ERRORS (.*)", out).group(1) if "ERRORS" in out else "?"
    return statuses, errors


def crash_loop(port, web_config, config_text, porter_pid, seen_backends, lua):
    """Spec 1.7 under load: with rapidFailsPerMinute 2, every backend is SIGKILLed as soon as it has served a
    request, until starts are refused (502.5); then the real 60-second window runs out and the app must serve again.
    The web.config change recycles the app, so the window starts with the new incarnation. Returns a dict of figures,
    the web.config restored."""
    loop_config = config_text.replace('requestTimeout="00:00:30"', 'requestTimeout="00:00:30" rapidFailsPerMinute="2"')
    with open(web_config, "w") as f:
        f.write(loop_config)
    result = {"kills": 0, "refused_after": None, "recovered_after": None, "window_to_recovery": None}
    t0 = time.monotonic()
    old = set(test_backends(porter_pid))
    # the new incarnation serves (a process that is not one of the old ones): its window began just before
    while time.monotonic() - t0 < 60:
        status, body = http(port, "/pid", 10)
        if status == 200 and int(body.strip() or 0) not in old:
            break
        time.sleep(0.1)
    else:
        return result
    window_start = time.monotonic()
    wrk = subprocess.Popen(["wrk", "-t1", "-c16", "-d600s", "--timeout", "40s", "-s", lua,
                            f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        refused_at = None
        while time.monotonic() - window_start < 55:
            status, body = http(port, "/pid", 10)
            if status == 200:
                pid = int(body.strip() or 0)
                seen_backends.add(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                    result["kills"] += 1
                except ProcessLookupError:
                    pass
            elif status == 502 and b"502.5" in body:
                refused_at = time.monotonic()
                break
            time.sleep(0.05)
        if refused_at is not None:
            result["refused_after"] = refused_at - window_start
            while time.monotonic() - refused_at < 120:
                status, body = http(port, "/pid", 10)
                if status == 200:
                    now = time.monotonic()
                    result["recovered_after"] = now - refused_at
                    result["window_to_recovery"] = now - window_start
                    seen_backends.add(int(body.strip() or 0))
                    break
                time.sleep(0.1)
            time.sleep(3)  # the load is served again
    finally:
        wrk.send_signal(signal.SIGINT)  # wrk prints its summary (and runs done()) on SIGINT
        try:
            out = wrk.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            wrk.kill()
            out = wrk.communicate()[0]
        with open(web_config, "w") as f:
            f.write(config_text)
    result["statuses"], result["errors"] = parse_wrk(out)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--quick", action="store_true", help="1 minute")
    ap.add_argument("--fault-every", type=float, default=3.0, help="seconds between faults")
    ap.add_argument("--output", default=os.path.join(ROOT, "RELIABILITY.md"))
    ap.add_argument("--no-crash-loop", action="store_true", help="skip the crash-loop phase (it waits ~70 s)")
    args = ap.parse_args()
    minutes = 1.0 if args.quick else args.minutes
    seconds = int(minutes * 60)
    java = find_java()
    work = tempfile.mkdtemp(prefix="porter-soak-")
    app = os.path.join(work, "app")
    os.makedirs(app)
    testapps = os.path.join(ROOT, "porter-testapps", "target", "classes")
    web_config = os.path.join(app, "web.config")
    config_text = f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <aspNetCore processPath="java" hostingModel="outofprocess" stdoutLogEnabled="false" requestTimeout="00:00:30"
                arguments="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp {testapps} dev.porter.testapps.TestBackend" />
  </system.webServer>
</configuration>
"""
    with open(web_config, "w") as f:
        f.write(config_text)
    port = free_port()
    log = open(os.path.join(work, "porter.log"), "w")
    env = dict(os.environ, JAVA_HOME=os.path.dirname(os.path.dirname(java)))
    porter = subprocess.Popen([os.path.join(ROOT, "bin", "porter"), "run", app, "--port", str(port)], stdout=log,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    print(f"reliability: Porter pid {porter.pid} on port {port}, work dir {work}", file=sys.stderr)
    seen_backends = set()
    try:
        deadline = time.monotonic() + 60
        while http(port, "/pid", 5)[0] != 200:
            if porter.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"reliability: Porter did not serve; log {log.name}")
            time.sleep(0.2)
        samples = []
        stop = threading.Event()

        def sampler():
            t0 = time.monotonic()
            while not stop.is_set():
                try:
                    fds, rss, threads = sample(porter.pid)
                    kids = descendants(porter.pid)
                    seen_backends.update(kids)
                    samples.append((time.monotonic() - t0, fds, rss, threads, len(kids)))
                except OSError:
                    pass
                stop.wait(5)

        faults = {"sigkill": 0, "app_offline": 0, "web.config": 0}
        recoveries = []

        def injector():
            offline = os.path.join(app, "app_offline.htm")
            i = 0
            while not stop.wait(args.fault_every):
                kind = ("sigkill", "app_offline", "web.config")[i % 3]
                i += 1
                if kind == "sigkill":
                    victims = children(porter.pid)
                    for v in victims:
                        seen_backends.add(v)
                        try:
                            os.kill(v, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    t0 = time.monotonic()
                    while not stop.is_set() and time.monotonic() - t0 < 30:
                        status, body = http(port, "/pid", 10)
                        if status == 200 and int(body.strip() or 0) not in victims:
                            recoveries.append(time.monotonic() - t0)
                            break
                        time.sleep(0.02)
                elif kind == "app_offline":
                    with open(offline, "w") as f:
                        f.write("<html>offline</html>")
                    stop.wait(1.0)
                    os.remove(offline)
                else:
                    with open(web_config, "w") as f:
                        f.write(config_text)
                faults[kind] += 1

        lua = os.path.join(work, "mixed.lua")
        with open(lua, "w") as f:
            f.write(WRK_LUA)
        threads = [threading.Thread(target=sampler, daemon=True), threading.Thread(target=injector, daemon=True)]
        for t in threads:
            t.start()
        started = datetime.datetime.now(datetime.timezone.utc)
        wrk = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "--timeout", "40s", "-s", lua,
                              f"http://127.0.0.1:{port}/"], capture_output=True, text=True)
        stop.set()
        for t in threads:
            t.join(60)
        out = wrk.stdout
        statuses, errors = parse_wrk(out)
        latency = re.search(r"LATENCY (.*)", out).group(1) if "LATENCY" in out else "?"
        total = sum(statuses.values())
        # after the faults: a quiet check
        time.sleep(2)
        quiet = [http(port, "/pid", 10)[0] for _ in range(50)]
        loop = None
        if not args.no_crash_loop:
            print("reliability: crash loop (rapidFailsPerMinute 2), waiting out the 60-second window", file=sys.stderr)
            loop = crash_loop(port, web_config, config_text, porter.pid, seen_backends, lua)
        fds_series = [s[1] for s in samples]
        rss_series = [s[2] for s in samples]
        warm = [s for s in samples if s[0] >= min(30, seconds / 4)] or samples
    finally:
        # SIGTERM to Porter (graceful), then check its children are gone
        if porter.poll() is None:
            porter.send_signal(signal.SIGTERM)
            try:
                porter.wait(30)
            except subprocess.TimeoutExpired:
                porter.kill()
                porter.wait()
        log.close()
    time.sleep(1)
    left = [p for p in seen_backends if alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)

    def mib(k):
        return f"{k / 1024:.0f} MiB"

    lines = [
        f"Run: `reliability/run --minutes {minutes:g}` on {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"wrk 2 threads x 64 connections, 70% GET /pid, 30% POST /echo (2 KiB), a fault every {args.fault_every:g} s "
        "in turn: backend SIGKILL, app_offline.htm for 1 s, web.config rewritten.",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| Duration | {seconds} s |",
        f"| Requests answered | {total} ({total / max(seconds, 1):.0f}/s) |",
        f"| Statuses | {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))} |",
        f"| Other than 200/502/503 | {sum(v for k, v in statuses.items() if k not in (200, 502, 503))} |",
        f"| Socket errors (wrk) | {errors} |",
        f"| Latency | {latency} |",
        f"| Faults injected | {', '.join(f'{k}: {v}' for k, v in faults.items())} |",
        f"| Recovery after SIGKILL (first 200 from a new process) | "
        + (f"median {sorted(recoveries)[len(recoveries) // 2] * 1000:.0f} ms, max {max(recoveries) * 1000:.0f} ms"
           if recoveries else "n/a") + " |",
        f"| After the faults, 50 requests | {sum(1 for q in quiet if q == 200)} x 200 |",
        f"| Porter open fds (after warm-up: first / max / last) | {warm[0][1]} / {max(s[1] for s in warm)} / "
        f"{warm[-1][1]} (whole run min {min(fds_series)}, max {max(fds_series)}) |",
        f"| Porter RSS (after warm-up: first / max / last) | {mib(warm[0][2])} / {mib(max(s[2] for s in warm))} / "
        f"{mib(warm[-1][2])} |",
        f"| Porter threads (first / last) | {samples[0][3]} / {samples[-1][3]} |",
        f"| Backend processes seen | {len(seen_backends)} |",
        f"| Processes left after Porter's SIGTERM | {len(left)} |",
    ]
    if loop is not None:
        def secs(v):
            return "n/a" if v is None else f"{v:.1f} s"
        lines += [
            f"| Crash loop (then): rapidFailsPerMinute 2, each backend SIGKILLed once it served, wrk 16 connections "
            f"| {loop['kills']} kills; starts refused (502.5) {secs(loop['refused_after'])} into the window; "
            f"serving again {secs(loop['recovered_after'])} after the refusal, "
            f"{secs(loop['window_to_recovery'])} after the window began |",
            f"| Crash loop statuses (wrk) | {', '.join(f'{k}: {v}' for k, v in sorted(loop['statuses'].items()))}; "
            f"socket errors {loop['errors']} |",
        ]
    lines += [
        "",
        "fd / RSS samples (s, fds, RSS MiB, children): "
        + ", ".join(f"{s[0]:.0f}:{s[1]}/{s[2] // 1024}/{s[4]}" for s in samples),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    head = ""
    if os.path.exists(args.output):
        with open(args.output) as f:
            head = f.read().split(RESULTS_START)[0]
    if not head:
        head = "# Reliability\n\n" + RESULTS_START.join([""]) + "\n"
    with open(args.output, "w") as f:
        f.write(head.rstrip("\n") + "\n\n" + RESULTS_START + "\n\n" + text)
    bad = sum(v for k, v in statuses.items() if k not in (200, 502, 503))
    if loop is not None:
        bad += sum(v for k, v in loop["statuses"].items() if k not in (200, 502, 503))
        if loop["recovered_after"] is None:
            sys.exit("reliability: FAILED (the crash-looping app did not serve again after the window)")
    if bad or left or any(q != 200 for q in quiet):
        sys.exit("reliability: FAILED (unexpected statuses, leftover processes or no recovery)")


if __name__ == "__main__":
    main()
