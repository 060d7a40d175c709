#!/usr/bin/env python3
"""Porter's benchmark harness (started by bench/run; stdlib only).

Every server is started once, then measured with wrk on loopback, scenario after scenario in alternation (so that
drift on a shared machine spreads over all of them), after a warm-up. Writes BENCHMARKS.md and a JSON copy under
bench/results/.
"""
import argparse
import datetime
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
TOKEN = "00000000-0000-4000-8000-000000000b0b"
# Requests each scenario serves before it is measured (up to 16 warm-up periods: a busy machine serves Spring Boot
# on Tomcat at 1-3k req/s, and its JIT must be done before it is compared with Porter).
WARMUP_REQUESTS = 200_000
# Where every server's log goes: the run's work directory (kept, and named, only when the run failed).
LOG_DIR = None
# Concurrent clients of the full-handshake runs (one openssl s_time each: connections are made one after another).
HANDSHAKE_CLIENTS = 16
# The results key of the handshake runs, measured once per round whatever the connection counts.
HANDSHAKES = "handshakes"
# A TLS client for the harness's own probes: the benchmark certificate is self-signed.
PROBE_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
PROBE_TLS.check_hostname = False
PROBE_TLS.verify_mode = ssl.CERT_NONE


def find_java():
    """A JDK >= 25 by bin/porter's rule: JAVA_HOME if it is new enough, then java on PATH, then the newest under
    PORTER_JVM_ROOT (default /usr/lib/jvm)."""
    def major(java):
        if not java or not os.access(java, os.X_OK):
            return 0
        out = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True).stderr
        m = re.search(r"java\.specification\.version = (\d+)", out)
        return int(m.group(1)) if m else 0

    if os.environ.get("JAVA_HOME"):
        explicit = os.path.join(os.environ["JAVA_HOME"], "bin", "java")
        if major(explicit) >= 25:
            return explicit
    on_path = shutil.which("java")
    if on_path and major(on_path) >= 25:
        return os.path.realpath(on_path)
    jvm_root = os.environ.get("PORTER_JVM_ROOT", "/usr/lib/jvm")
    best, best_major = None, 0
    for c in sorted(glob.glob(os.path.join(jvm_root, "*", "bin", "java"))):
        m = major(c)
        if m >= 25 and m > best_major:
            best, best_major = c, m
    if not best:
        sys.exit(f"bench: no JDK 25 or newer found (looked at JAVA_HOME, java on PATH and {jvm_root}/*, as bin/porter "
                 "does)")
    return best


def porter_jvm_options():
    """The options bin/porter gives Porter's JVM: bin/jvm.options as bin/jvm-options reads it for both launchers (its
    collector left out when PORTER_JAVA_OPTS names one: the JVM refuses two), then PORTER_JAVA_OPTS.
    bench/instructions starts Porter's JVM with them (valgrind must run java, not the bash launcher), and bare Netty,
    the reference, runs with them too: the ratio then compares the servers, not two collectors."""
    bin_dir = os.path.join(ROOT, "bin")
    out = subprocess.run([os.path.join(bin_dir, "jvm-options"), os.path.join(bin_dir, "jvm.options")],
                         capture_output=True, text=True, check=True)
    return out.stdout.split() + shlex.split(os.environ.get("PORTER_JAVA_OPTS", ""))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, headers=None, timeout=2.0, tls=False):
    """Status code of one GET (over TLS if tls), or None if nothing answered."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
            s = PROBE_TLS.wrap_socket(raw, server_hostname="127.0.0.1") if tls else raw
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            data = s.recv(64)
            m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
            return int(m.group(1)) if m else None
    except OSError:
        return None


class Server:
    """A process the harness started (in its own session, so its whole tree can be stopped)."""

    def __init__(self, name, cmd, port, path="/hello", env=None, cwd=None, headers=None, lazy=False, tls=False,
                 client="wrk"):
        self.name, self.cmd, self.port, self.path = name, cmd, port, path
        self.env, self.cwd, self.headers, self.lazy = env, cwd, headers or {}, lazy
        # tls: served over https; client: what measures it (wrk, h2load, or handshakes: openssl s_time -new)
        self.tls, self.client = tls, client
        self.twin = None  # for a Porter scenario that bin/porter run cannot express: makes it on another checkout
        self.proc = None
        self._log = None

    @property
    def log(self):
        """The server's log file in LOG_DIR, made when first needed (a server that never starts leaves none)."""
        if self._log is None:
            self._log = tempfile.NamedTemporaryFile(prefix=f"{self.name}-", suffix=".log", dir=LOG_DIR, delete=False)
        return self._log

    def start(self, timeout=90):
        env = dict(os.environ)
        env.update(self.env or {})
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=self.cwd,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self.wait_listening(timeout)
        except BaseException:
            # Not yet among the servers the caller stops: stop its whole tree here (a bin/porter still building).
            self.stop()
            raise
        return self

    def wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; log: {self.log.name}")
            # Porter starts an application on its first request: wait for the listener, send nothing.
            ready = self.listening() if self.lazy else http_get(self.port, self.path, self.headers, 1.0,
                                                                tls=self.tls) == 200
            if ready:
                self.ready_after = time.monotonic() - self.started_at
                return
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} not ready after {timeout} s; log: {self.log.name}")

    def listening(self):
        with open(self.log.name, errors="replace") as f:
            return "Listening on" in f.read()

    def stop(self):
        """Stops the process group the harness started (its session's leader is self.proc), even when the leader
        itself is gone: a bin/porter that exited may leave its build behind in the group."""
        if not self.proc:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            self.proc.wait()
            return
        deadline = time.monotonic() + 20
        while group_alive(self.proc.pid) and time.monotonic() < deadline:
            self.proc.poll()  # reaps the leader, so that a stopped group reads as empty
            time.sleep(0.05)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def tree(self):
        """The server process and its descendants (nginx's workers), but not Porter's apps: those are measured
        as apps, Porter as the front. A Porter out-of-process child runs in its own session (setsid)."""
        pids, frontier = [], [self.proc.pid]
        while frontier:
            pid = frontier.pop()
            pids.append(pid)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    children = [int(c) for c in f.read().split()]
            except OSError:
                children = []
            for child in children:
                if os.getsid(child) == os.getsid(self.proc.pid):
                    frontier.append(child)
        return pids

    def descendants(self):
        """The server process and every descendant, whatever its session. A JVM forks from any of its threads (Porter
        from its launcher thread), so every task's children are read."""
        pids, frontier = [], [self.proc.pid]
        while frontier:
            pid = frontier.pop()
            pids.append(pid)
            for children in glob.glob(f"/proc/{pid}/task/*/children"):
                try:
                    with open(children) as f:
                        frontier += [int(c) for c in f.read().split()]
                except OSError:
                    pass
        return pids

    def cpu_seconds(self, with_apps=False):
        """CPU time (utime + stime) of the server's process tree; with_apps: also Porter's out-of-process apps."""
        total = 0.0
        for pid in (self.descendants() if with_apps else self.tree()):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / CLK_TCK
            except (OSError, IndexError):
                pass
        return total

    def rss_mib(self, with_apps=False, field="VmRSS"):
        """RSS of the server's tree; with_apps: also the out-of-process apps Porter started (their own sessions);
        field VmHWM: the sum of each process's peak RSS instead."""
        total = 0.0
        for pid in (self.descendants() if with_apps else self.tree()):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith(field + ":"):
                            total += int(line.split()[1]) / 1024
            except OSError:
                pass
        return total


def group_alive(pgid):
    """Whether a process of the group is still running (zombies, dead but not yet reaped, do not count)."""
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def parse_duration_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(server, connections, seconds):
    url = f"{'https' if server.tls else 'http'}://127.0.0.1:{server.port}{server.path}"
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for k, v in server.headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    cpu_before, cpu_all_before = server.cpu_seconds(), server.cpu_seconds(with_apps=True)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    cpu = (server.cpu_seconds() - cpu_before) / seconds * 100
    cpu_all = server.cpu_seconds(with_apps=True) - cpu_all_before
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "cpu_percent": round(cpu),
              "rss_mib": round(server.rss_mib()), "rss_with_apps_mib": round(server.rss_mib(with_apps=True)),
              "peak_rss_with_apps_mib": round(server.rss_mib(with_apps=True, field="VmHWM")), "load1": load_average()}
    # CPU time per request of the server and its apps: less moved by other load than req/s (not immune: caches, SMT).
    requests = result["rps"] * seconds
    result["cpu_us_per_request"] = round(cpu_all / requests * 1e6, 1) if requests else None
    lat = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    result["max_ms"] = round(parse_duration_ms(lat.group(3)), 2)
    for pct in ("50", "99"):
        m = re.search(rf"\s{pct}%\s+(\S+)", out)
        result[f"p{pct}_ms"] = round(parse_duration_ms(m.group(1)), 3) if m else None
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    result["errors"] = errors
    return result


def load_average():
    """The machine's 1-minute load average (what else ran beside the benchmark)."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def measure(server, connections, seconds):
    """One measured run of a server with its client: wrk (HTTP/1.1, plain or TLS), h2load (HTTP/2 over TLS) or
    openssl s_time (full TLS handshakes)."""
    if server.client == "h2load":
        return h2load(server, connections, seconds)
    if server.client == "handshakes":
        return handshakes(server, min(connections, HANDSHAKE_CLIENTS), seconds)
    return wrk(server, connections, seconds)


def server_figures(server, result, requests, wall, cpu_before, cpu_all_before):
    """The server's CPU and memory beside a client's figures (what wrk() records, for the other clients)."""
    cpu_all = server.cpu_seconds(with_apps=True) - cpu_all_before
    result.update({"cpu_percent": round((server.cpu_seconds() - cpu_before) / wall * 100),
                   "cpu_us_per_request": round(cpu_all / requests * 1e6, 1) if requests else None,
                   "rss_mib": round(server.rss_mib()), "rss_with_apps_mib": round(server.rss_mib(with_apps=True)),
                   "peak_rss_with_apps_mib": round(server.rss_mib(with_apps=True, field="VmHWM")),
                   "load1": load_average()})
    return result


def h2load(server, connections, seconds):
    """HTTP/2 over TLS (ALPN h2): h2load, one thread, `connections` connections of 10 concurrent streams each; the
    latency percentiles come from its per-request log."""
    log = os.path.join(LOG_DIR, f"h2load-{server.name}.tsv")
    # --warm-up-time: every connection finishes its TLS handshake before the measured period. Without it h2load
    # 1.52 gives a connection whose handshake ends after -D's time a session anyway, and that client keeps sending
    # requests for ever (seen against a freshly started Porter on a busy machine: 7 of 64 connections still sending
    # 15 s after "Stopped all clients", Porter answering every stream).
    cmd = ["h2load", "-t1", f"-c{connections}", "-m10", "--warm-up-time", "1", "-D", str(seconds), "--log-file", log]
    for k, v in server.headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(f"https://127.0.0.1:{server.port}{server.path}")
    cpu_before, cpu_all_before = server.cpu_seconds(), server.cpu_seconds(with_apps=True)
    t0 = time.monotonic()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    except subprocess.TimeoutExpired:
        # A stalled server (h2load waits for every stream it started): a failed run, not the end of the harness.
        print(f"bench: h2load on {server.name} did not finish within {seconds + 60} s", file=sys.stderr)
        return server_figures(server, {"rps": 0.0, "errors": 1, "timed_out": True, "p50_ms": None, "p99_ms": None,
                                       "max_ms": None}, 0, time.monotonic() - t0, cpu_before, cpu_all_before)
    wall = time.monotonic() - t0
    m = re.search(r"finished in [\d.]+s, ([\d.]+) req/s", out)
    counts = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, "
                       r"(\d+) timeout", out)
    if not m or not counts or "Application protocol: h2" not in out:
        raise RuntimeError(f"h2load on {server.name} did not run HTTP/2 over TLS: {out[-600:]}")
    status = re.search(r"status codes: \d+ 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx", out)
    result = {"rps": float(m.group(1)),
              "errors": sum(int(x) for x in counts.groups()[3:]) + (sum(int(x) for x in status.groups()) if status else 0)}
    durations = []
    with open(log) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 3:
                durations.append(int(fields[2]) / 1000)
    os.remove(log)
    durations.sort()
    for pct in (50, 99):
        result[f"p{pct}_ms"] = round(durations[min(len(durations) - 1, len(durations) * pct // 100)], 3) \
            if durations else None
    result["max_ms"] = round(durations[-1], 2) if durations else None
    return server_figures(server, result, int(counts.group(2)), wall, cpu_before, cpu_all_before)


def handshakes(server, clients, seconds):
    """Full TLS handshakes per second: `clients` openssl s_time -new at once, each making one new connection (a new
    session, never resumed) after another, with one GET of the path on each. s_time prints a character per connection:
    '*' for a full handshake, 'r' for a resumed one; both are counted, so a resumption would show."""
    cmd = ["openssl", "s_time", "-connect", f"127.0.0.1:{server.port}", "-new", "-time", str(seconds),
           "-www", server.path]
    cpu_before, cpu_all_before = server.cpu_seconds(), server.cpu_seconds(with_apps=True)
    t0 = time.monotonic()
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              text=True) for _ in range(clients)]
    outs = [p.communicate(timeout=seconds + 60) for p in procs]
    wall = time.monotonic() - t0
    total = full = resumed = errors = 0
    for p, (out, err) in zip(procs, outs):
        m = re.search(r"(\d+) connections in [\d.]+s;", out)
        if p.returncode != 0 or not m:
            errors += 1
        if m:
            total += int(m.group(1))
        marks = "".join(line for line in out.split("\n") if line and set(line) <= set("*r"))
        full, resumed = full + marks.count("*"), resumed + marks.count("r")
    result = {"rps": total / wall, "handshakes": total, "full": full, "resumed": resumed, "errors": errors,
              "clients": clients, "p50_ms": None, "p99_ms": None, "max_ms": None}
    return server_figures(server, result, total, wall, cpu_before, cpu_all_before)


def make_certificate(work):
    """The one certificate Porter and nginx both serve: ECDSA P-256, self-signed for 127.0.0.1, made with openssl."""
    cert, key = os.path.join(work, "tls-cert.pem"), os.path.join(work, "tls-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "7", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def nginx_listen_tls(port):
    """An nginx listener with TLS and HTTP/2: 'listen ... ssl http2' up to nginx 1.25.0, 'http2 on' from 1.25.1."""
    out = subprocess.run(["/usr/sbin/nginx", "-v"], capture_output=True, text=True).stderr
    m = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    if m and tuple(int(x) for x in m.groups()) >= (1, 25, 1):
        return f"listen 127.0.0.1:{port} ssl;\n    http2 on;"
    return f"listen 127.0.0.1:{port} ssl http2;"


# The TLS scenarios (issue 19): each kind of client against Porter out-of-process and nginx proxy_pass, both in front
# of an nginx backend and serving the same certificate. Name suffix -> client.
TLS_KINDS = {"HTTPS": "wrk", "HTTPS h2": "h2load", "HTTPS handshakes": "handshakes"}
TLS_PAIRS = [(f"Porter out-of-process -> nginx ({kind})", f"nginx proxy_pass -> nginx ({kind})") for kind in TLS_KINDS]


def porter_tls_config(name, work, cert, key, port):
    """Porter's configuration with one https binding on `port` (the benchmark certificate) hosting an nginx backend
    out-of-process: the file `porter serve` takes."""
    app = write_app_dir(work, name, "outofprocess", os.path.join(ROOT, "bench", "nginx-backend.sh"), "")
    xml = os.path.join(work, f"{name}.xml")
    with open(xml, "w") as f:
        f.write(f"""<configuration><system.applicationHost><sites><site name="{name}" id="1">
<bindings><binding protocol="https" bindingInformation="127.0.0.1:{port}:" certificateFile="{cert}" keyFile="{key}"/>
</bindings><application path="/" physicalPath="{app}"/></site></sites></system.applicationHost></configuration>
""")
    return xml


def porter_tls(name, porter, work, cert, key, env, client):
    """bin/porter serve with one https binding (the benchmark certificate), hosting an nginx backend out-of-process."""
    port = free_port()
    s = Server(name, [porter, "serve", porter_tls_config(name, work, cert, key, port)], port, env=env, lazy=True,
               tls=True, client=client)
    s.twin = lambda other_porter: porter_tls(name + "-baseline", other_porter, work, cert, key, env, client)
    return s


def nginx_tls_config(name, work, cert, key, backend_port, port, one_process=False):
    """nginx proxy_pass (upstream keep-alive) with TLS and HTTP/2 on its listener on `port`, the certificate Porter
    serves: the file `nginx -c` takes. one_process: no master process, so that the process started is the one
    serving (bench/instructions counts that process)."""
    conf = os.path.join(work, f"{name}.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off;
{"master_process off;" if one_process else ""}
worker_processes 1;
pid {work}/{name}.pid;
error_log {work}/{name}-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work};
  proxy_temp_path {work};
  keepalive_requests 1000000;
  upstream backend {{ server 127.0.0.1:{backend_port}; keepalive 256; }}
  server {{
    {nginx_listen_tls(port)}
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }}
  }}
}}
""")
    return conf


def nginx_tls(name, work, cert, key, backend_port, client):
    """nginx proxy_pass with TLS and HTTP/2 on its listener (nginx_tls_config) in front of the nginx backend."""
    port = free_port()
    return Server(name, ["/usr/sbin/nginx", "-c", nginx_tls_config(name, work, cert, key, backend_port, port)], port,
                  tls=True, client=client)


def tls_scenarios(porter, work, env, backend_port):
    """The TLS scenarios by name (one process each, so that every figure, CPU and memory, is its own)."""
    cert, key = make_certificate(work)
    scenarios = {}
    for (porter_name, nginx_name), (kind, client) in zip(TLS_PAIRS, TLS_KINDS.items()):
        slug = kind.lower().replace(" ", "-")
        scenarios[porter_name] = porter_tls(f"porter-oop-nginx-{slug}", porter, work, cert, key, env, client)
        scenarios[nginx_name] = nginx_tls(f"nginx-proxy-{slug}", work, cert, key, backend_port, client)
    return scenarios


# Every scenario, in the order the harness runs them (what --only is checked against before anything is built).
SCENARIOS = ["app alone", "Porter in-process", "Porter out-of-process", "nginx proxy_pass -> nginx",
             "Porter out-of-process -> nginx", "servlet hello in-process", "Spring Boot in-process",
             "Spring Boot out-of-process", "Spring Boot alone", "bare Netty hello"] + [n for p in TLS_PAIRS for n in p]


def only_matches(name, only):
    """Whether --only's comma-separated fragments pick this scenario (case-insensitive; a fragment ending in '$'
    matches the end of the name: 'porter out-of-process$' leaves out '... -> nginx')."""
    wanted = [w.strip().lower() for w in only.split(",") if w.strip()]
    return any(name.lower().endswith(w[:-1]) if w.endswith("$") else w in name.lower() for w in wanted)


def check_options(ap, args):
    """The options' own errors, found before anything is installed, built or started; returns the connection
    counts."""
    conn_counts = [16, 64] if args.quick else [1, 16, 64, 256]
    if args.conns:
        try:
            conn_counts = [int(c) for c in args.conns.split(",")]
        except ValueError:
            ap.error(f"--conns {args.conns!r}: comma-separated whole numbers, e.g. 64 or 16,256")
        if any(c < 1 for c in conn_counts):
            ap.error(f"--conns {args.conns!r}: every connection count must be 1 or more")
    for option in ("seconds", "rounds"):
        if getattr(args, option) is not None and getattr(args, option) < 1:
            ap.error(f"--{option} {getattr(args, option)}: must be 1 or more")
    if args.only is not None:
        wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        if not any(only_matches(n, args.only) for n in SCENARIOS) and "cold" not in wanted:
            ap.error(f"--only {args.only!r} matches no scenario; the scenarios: " + "; ".join(SCENARIOS))
    if args.section and not args.only:
        ap.error("--section needs --only (a full run rewrites the whole of BENCHMARKS.md)")
    if args.baseline and not os.access(os.path.join(args.baseline, "bin", "porter"), os.X_OK):
        ap.error(f"--baseline {args.baseline!r}: no executable bin/porter there (a Porter checkout is needed)")
    return conn_counts


def write_app_dir(base, name, hosting_model, process_path, arguments):
    d = os.path.join(base, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "web.config"), "w") as f:
        f.write(f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <aspNetCore processPath="{process_path}" arguments="{arguments}" hostingModel="{hosting_model}"
                stdoutLogEnabled="false" />
  </system.webServer>
</configuration>
""")
    return d


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {os.uname().sysname} {os.uname().release}"


def main():
    ap = argparse.ArgumentParser(
        prog="bench/run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="bench/run checks these options, installs wrk, nginx-light, nghttp2-client and openssl if missing, then\n"
        "builds Porter (and the --baseline checkout) before the harness runs. See bench/README.md.")
    ap.add_argument("--quick", action="store_true", help="under 2 minutes: fewer connection counts, shorter runs")
    ap.add_argument("--output", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--only", help="comma-separated scenario name fragments (e.g. 'in-process,Netty'; a trailing $ "
                    "anchors one at the name's end): an A/B run of those alone, printed and kept in bench/results/, "
                    "BENCHMARKS.md left as it is")
    ap.add_argument("--conns", help="comma-separated connection counts, e.g. 64 or 16,256")
    ap.add_argument("--seconds", type=int, help="length of each measured run")
    ap.add_argument("--rounds", type=int, help="measured runs per scenario and connection count")
    ap.add_argument("--section", choices=["servlet", "tls"], help="with --only: also rewrite that section of "
                    "BENCHMARKS.md from this run, with the command that produced it (servlet: the Servlet host's "
                    "scenarios, issue 12; tls: HTTPS, HTTP/2 and full handshakes, issue 19)")
    ap.add_argument("--baseline", help="another Porter checkout, built (bench/run builds it): each Porter scenario "
                    "also runs on it, as '<scenario> (baseline)', in the same rounds: before/after in one run")
    ap.add_argument("--check-options", action="store_true", help=argparse.SUPPRESS)  # bench/run, before its build
    args = ap.parse_args()
    conn_counts = check_options(ap, args)
    if args.check_options:
        return

    java = find_java()
    seconds = args.seconds or 3
    rounds = args.rounds or (1 if args.quick else 5)
    warmup = 2 if args.quick else 5

    hello_jar = os.path.join(ROOT, "samples", "hello", "target", "hello.jar")
    war = os.path.join(ROOT, "samples", "war", "target", "war.war")
    boot_jar = os.path.join(ROOT, "samples", "spring-boot", "target", "spring-boot.jar")
    bench_jar = os.path.join(ROOT, "porter-bench", "target", "porter-bench.jar")
    porter = os.path.join(ROOT, "bin", "porter")
    work = tempfile.mkdtemp(prefix="porter-bench-")
    global LOG_DIR
    LOG_DIR = os.path.join(work, "logs")
    os.makedirs(LOG_DIR)
    # PORTER_BENCH_DIR: where bench/nginx-backend.sh keeps its files (Porter passes its environment to its apps).
    env = {"JAVA_HOME": os.path.dirname(os.path.dirname(java)), "PORTER_BENCH_DIR": work}
    servers = []

    def porter_run(name, app_dir, lazy=True):
        port = free_port()
        return Server(name, [porter, "run", app_dir, "--port", str(port)], port, env=env, lazy=lazy)

    app_port, nginx_port = free_port(), free_port()
    scenarios = {
        # 1. The app alone: the same backend Porter hosts out-of-process, hit directly (with its pairing token).
        "app alone": Server("app-alone", [java, "-jar", hello_jar], app_port,
                            env={"ASPNETCORE_PORT": str(app_port), "ASPNETCORE_APPL_PATH": "/",
                                 "ASPNETCORE_TOKEN": TOKEN},
                            headers={"MS-ASPNETCORE-TOKEN": TOKEN}),
        # 2./3. Porter hosting that app in-process and out-of-process.
        "Porter in-process": porter_run("porter-inprocess", write_app_dir(
            work, "inprocess", "inprocess", "java", f"-jar {hello_jar}")),
        "Porter out-of-process": porter_run("porter-oop", write_app_dir(
            work, "outofprocess", "outofprocess", "java", f"-jar {hello_jar}")),
        # 4. The proxy pair, in front of the same kind of nginx backend.
        "nginx proxy_pass -> nginx": None,
        "Porter out-of-process -> nginx": porter_run("porter-oop-nginx", write_app_dir(
            work, "nginx", "outofprocess", os.path.join(ROOT, "bench", "nginx-backend.sh"), "")),
        # Servlet apps in Porter's Servlet host: a servlet "hello" in a WAR, and one Spring Boot jar three ways.
        "servlet hello in-process": porter_run("porter-war", write_app_dir(
            work, "war", "inprocess", "java", f"-war {war}")),
        "Spring Boot in-process": porter_run("porter-boot-inprocess", write_app_dir(
            work, "boot-inprocess", "inprocess", "java", f"-jar {boot_jar}")),
        "Spring Boot out-of-process": porter_run("porter-boot-oop", write_app_dir(
            work, "boot-oop", "outofprocess", "java", f"-jar {boot_jar}")),
        "Spring Boot alone": None,
        # 5. The front server's own limit, on the JVM options Porter runs with.
        "bare Netty hello": Server("netty-hello", [java, *porter_jvm_options(), "--enable-native-access=ALL-UNNAMED",
                                                  "-cp", bench_jar, "dev.porter.bench.NettyHelloServer",
                                                  str(free_port())], 0),
    }
    scenarios["bare Netty hello"].port = int(scenarios["bare Netty hello"].cmd[-1])
    scenarios.update(tls_scenarios(porter, work, env, nginx_port))
    assert list(scenarios) == SCENARIOS, "SCENARIOS must list the scenarios in their order"
    boot_port = free_port()
    # The same jar on its own embedded Tomcat (the starter does nothing standalone).
    scenarios["Spring Boot alone"] = Server("boot-alone", [java, "-jar", boot_jar, f"--server.port={boot_port}",
                                                           "--server.address=127.0.0.1"], boot_port)
    proxy_port = free_port()
    nginx_conf = os.path.join(work, "nginx-proxy.conf")
    with open(nginx_conf, "w") as f:
        f.write(f"""daemon off;
worker_processes 1;
pid {work}/nginx-proxy.pid;
error_log {work}/nginx-proxy-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work};
  proxy_temp_path {work};
  keepalive_requests 1000000;
  upstream backend {{ server 127.0.0.1:{nginx_port}; keepalive 256; }}
  server {{
    listen 127.0.0.1:{proxy_port};
    location / {{ proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }}
  }}
}}
""")
    nginx_backend = Server("nginx-backend", [os.path.join(ROOT, "bench", "nginx-backend.sh")], nginx_port,
                           env={"ASPNETCORE_PORT": str(nginx_port), "PORTER_BENCH_DIR": work})
    scenarios["nginx proxy_pass -> nginx"] = Server("nginx-proxy", ["/usr/sbin/nginx", "-c", nginx_conf],
                                                    proxy_port)
    if args.only:
        scenarios = {n: s for n, s in scenarios.items() if only_matches(n, args.only)}
    if args.baseline:
        # The same app directories served by the other checkout's bin/porter, measured in the same alternation.
        base_porter = os.path.join(os.path.abspath(args.baseline), "bin", "porter")
        for name in [n for n, s in scenarios.items() if s.cmd and s.cmd[0] == porter]:
            if scenarios[name].twin:
                twin = scenarios[name].twin(base_porter)
            else:
                twin = porter_run(scenarios[name].name + "-baseline", scenarios[name].cmd[2])
                twin.cmd[0] = base_porter
            scenarios[name + " (baseline)"] = twin
    # The handshake runs are measured once per round (HANDSHAKE_CLIENTS clients), the others at each connection count.
    results = {name: ({HANDSHAKES: []} if s.client == "handshakes" else {c: [] for c in conn_counts})
               for name, s in scenarios.items()}
    extra = {}
    failed = True
    try:
        # Cold start first, before anything else warms the page cache for Porter's own start-up.
        if not args.only or "cold" in args.only.lower():
            extra["cold"] = cold_start(java, hello_jar, porter, work, env)
            print(f"bench: cold start {extra['cold']}", file=sys.stderr)
        if any(n.startswith("nginx proxy_pass") for n in scenarios):  # the backend of every nginx proxy_pass
            nginx_backend.start()
            servers.append(nginx_backend)
            extra["nginx_backend_rss_mib"] = {"first_response": round(nginx_backend.rss_mib())}
        memory = extra["memory_mib"] = {}
        for name, server in scenarios.items():
            server.start()
            servers.append(server)
            m = memory[name] = {}
            if server.lazy:
                # Porter started, its app not yet loaded: each Porter's own idle figure, then the same process with
                # the app loaded by its first request.
                time.sleep(1)
                m["idle"] = round(server.rss_mib())
                wait_ready(server)
            m["first_response"] = round(server.rss_mib())
            m["first_response_with_apps"] = round(server.rss_mib(with_apps=True))
        idles = [m["idle"] for m in memory.values() if "idle" in m]
        if idles:
            extra["porter_idle_rss_mib"] = sorted(idles)[len(idles) // 2]
            extra["per_app_rss_mib"] = {name: m["first_response"] - m["idle"]
                                        for name, m in memory.items() if "idle" in m}
        for name, server in scenarios.items():
            # JIT warm-up is a number of requests, not seconds: a Spring Boot stack served slowly by a busy machine
            # needs far longer than a Netty hello before its code is compiled.
            # A full TLS handshake costs a hundred requests: 20,000 of them run the handshake code hot.
            target = WARMUP_REQUESTS // 10 if server.client == "handshakes" else WARMUP_REQUESTS
            served, spent = 0, 0
            while spent < warmup or (served < target and spent < 16 * warmup):
                served += int(measure(server, 64, warmup)["rps"] * warmup)
                spent += warmup
            print(f"bench: warm-up {name}: {served} requests in {spent} s", file=sys.stderr)
        per_conn = [n for n, s in scenarios.items() if s.client != "handshakes"]
        per_round = [n for n, s in scenarios.items() if s.client == "handshakes"]
        for rnd in range(rounds):
            for c in conn_counts:
                shift = (rnd + conn_counts.index(c)) % max(len(per_conn), 1)
                for name in per_conn[shift:] + per_conn[:shift]:
                    r = measure(scenarios[name], c, seconds)
                    print(f"bench: {name:32} c={c:<4} {r['rps']:>10.0f} req/s  p99 {r['p99_ms']} ms  "
                          f"errors {r['errors']}", file=sys.stderr)
                    results[name][c].append(r)
            shift = rnd % max(len(per_round), 1)
            for name in per_round[shift:] + per_round[:shift]:
                r = measure(scenarios[name], HANDSHAKE_CLIENTS, seconds)
                print(f"bench: {name:32} {r['clients']} clients {r['rps']:>8.0f} handshakes/s ({r['full']} full, "
                      f"{r['resumed']} resumed)  errors {r['errors']}", file=sys.stderr)
                results[name][HANDSHAKES].append(r)
        if "nginx_backend_rss_mib" in extra:
            extra["nginx_backend_rss_mib"]["after_load"] = round(nginx_backend.rss_mib())
            extra["nginx_backend_rss_mib"]["peak"] = round(nginx_backend.rss_mib(field="VmHWM"))
        failed = False
    finally:
        # Each server runs in a session of its own, so nothing but this loop stops them: a second Ctrl-C or a SIGTERM
        # in the middle of it used to leave the rest running for good.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for s in reversed(servers):
            s.stop()
        if failed:
            print(f"bench: the run failed; the servers' logs are kept in {LOG_DIR}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    for name in scenarios:
        last = [r for runs in results[name].values() for r in runs]
        if last:
            memory[name]["after_load"] = last[-1]["rss_mib"]
            memory[name]["after_load_with_apps"] = last[-1]["rss_with_apps_mib"]
            memory[name]["peak_with_apps"] = max(r["peak_rss_with_apps_mib"] for r in last)
    extra["command"] = "bench/run" + "".join(" " + shlex.quote(a) for a in sys.argv[1:])
    extra["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    extra["rounds"], extra["seconds"] = rounds, seconds
    if args.only:
        save_json(results, extra)
        for c in conn_counts + [HANDSHAKES]:
            measured = [n for n in scenarios if results[n].get(c)]
            if not measured:
                continue
            print(f"bench: median of {rounds} x {seconds} s at {'c=' + str(c) if c != HANDSHAKES else c}: "
                  + ", ".join(f"{name} {median(results[name][c]):.0f} ({spread(results[name][c])})"
                              for name in measured), file=sys.stderr)
            for name in [n for n in measured if n + " (baseline)" in scenarios]:
                paired, rounds_range, of_medians = ratio(results, name, name + " (baseline)", c)
                print(f"bench: c={c} {name}: this checkout / baseline {paired:.3f} (per round {rounds_range}; "
                      f"ratio of the medians {of_medians:.3f})", file=sys.stderr)
            for a, b in TLS_PAIRS:
                if results.get(a, {}).get(c) and results.get(b, {}).get(c):
                    paired, rounds_range, of_medians = ratio(results, a, b, c)
                    print(f"bench: c={c} {a} / nginx: {paired:.3f} (per round {rounds_range}; ratio of the medians "
                          f"{of_medians:.3f})", file=sys.stderr)
        print(f"bench: load average {load_range(results)}", file=sys.stderr)
        if args.section:
            builder = {"servlet": servlet_section, "tls": tls_section}[args.section]
            write_section(args.output, args.section, builder(results, extra, conn_counts))
            print(f"bench: rewrote the {args.section} section of {args.output}", file=sys.stderr)
        return
    report(args, results, extra, conn_counts, seconds, rounds)


def wait_ready(server, timeout=120):
    """A lazily started app: the first real request starts it; wait until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http_get(server.port, server.path, server.headers, timeout=30, tls=server.tls) == 200:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{server.name}: the app never answered 200; log: {server.log.name}")


def cold_start(java, hello_jar, porter, work, env, samples=5):
    """Time to an app's first response: the app started by itself (launch to first 200) vs the first request to a
    not-yet-started app on a running Porter (the request starts the process, waits for it, and is forwarded).
    Porter itself is warm: it has served another app first, as a server that hosts apps has.

    Fairness: the app alone is polled every 1 ms (a refused loopback connect answers at once), so it is seen within
    ~0.5 ms of its first possible answer; the former 5 ms poll added ~2.5 ms on average to the app alone's side and
    flattered Porter by as much. The two sides alternate, sample after sample, so that the load of a shared machine
    falls on both alike."""
    site = os.path.join(work, "cold-site")
    os.makedirs(site, exist_ok=True)
    apps = "".join(
        f'<application path="/{name}" physicalPath="{write_app_dir(work, "cold-" + name, "outofprocess", "java", "-jar " + hello_jar)}"/>'
        for name in ["warm"] + [f"cold{i}" for i in range(samples)])
    port = free_port()
    xml = os.path.join(site, "porter.xml")
    with open(xml, "w") as f:
        f.write(f"""<configuration><system.applicationHost><sites><site name="cold" id="1">
<bindings><binding protocol="http" bindingInformation="127.0.0.1:{port}:"/></bindings>
<application path="/" physicalPath="{site}"/>{apps}</site></sites></system.applicationHost></configuration>""")
    p = Server("cold-porter", [porter, "serve", xml], port, env=env, lazy=True)
    p.start()
    alone, through = [], []
    try:
        if http_get(port, "/warm/hello", timeout=60) != 200:
            raise RuntimeError(f"warm-up app did not answer; log: {p.log.name}")
        for i in range(samples):
            alone.append(app_alone_start(java, hello_jar))
            time.sleep(0.2)  # the app alone's JVM is gone before Porter's child starts
            t0 = time.monotonic()
            status = http_get(port, f"/cold{i}/hello", timeout=60)
            through.append((time.monotonic() - t0) * 1000)
            if status != 200:
                raise RuntimeError(f"cold start through Porter answered {status}; log: {p.log.name}")
            time.sleep(0.2)
    finally:
        p.stop()
    return {"app_alone_ms": round(sorted(alone)[len(alone) // 2], 1),
            "porter_first_response_ms": round(sorted(through)[len(through) // 2], 1),
            "samples": samples}


def app_alone_start(java, hello_jar, timeout=90):
    """Milliseconds from launching the app by itself to its first 200, polled every 1 ms."""
    port = free_port()
    s = Server("cold-alone", [java, "-jar", hello_jar], port,
               env={"ASPNETCORE_PORT": str(port), "ASPNETCORE_APPL_PATH": "/", "ASPNETCORE_TOKEN": TOKEN},
               headers={"MS-ASPNETCORE-TOKEN": TOKEN})
    environment = dict(os.environ)
    environment.update(s.env)
    t0 = time.monotonic()
    s.proc = subprocess.Popen(s.cmd, stdout=s.log, stderr=subprocess.STDOUT, env=environment,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        while http_get(port, s.path, s.headers, 1.0) != 200:
            if s.proc.poll() is not None:
                raise RuntimeError(f"the app alone exited with {s.proc.returncode}; log: {s.log.name}")
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"the app alone did not answer within {timeout} s; log: {s.log.name}")
            time.sleep(0.001)
        return (time.monotonic() - t0) * 1000
    finally:
        s.stop()


def median(runs, key="rps"):
    """The median of the rounds (the mean of the middle two for an even count)."""
    values = sorted(r[key] for r in runs if r.get(key) is not None)
    if not values:
        return 0.0
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def spread(runs, key="rps", fmt="{:.0f}"):
    """min–max of the rounds."""
    values = [r[key] for r in runs if r.get(key) is not None]
    return f"{fmt.format(min(values))}–{fmt.format(max(values))}" if values else "–"


def ratio(results, a, b, c):
    """Paired: the median of the per-round ratios (a round runs both back to back, under the same load), their
    min–max, and the ratio of the two medians (which may come from rounds under different load)."""
    per_round = sorted(ra["rps"] / rb["rps"] for ra, rb in zip(results[a][c], results[b][c]) if rb["rps"])
    if not per_round:
        return 0.0, "–", 0.0
    x, y = median(results[a][c]), median(results[b][c])
    paired = median([{"rps": r} for r in per_round])
    return paired, f"{per_round[0]:.2f}–{per_round[-1]:.2f}", (x / y if y else 0.0)


def load_range(results):
    loads = [r["load1"] for by_conn in results.values() for runs in by_conn.values() for r in runs if "load1" in r]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "unknown"


def scenario_table(results, names, c):
    lines = ["| scenario | req/s (median) | req/s min–max | p50 ms | p99 ms | max ms | errors | server CPU % | "
             "CPU µs/request | server RSS MiB |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        runs = results.get(name, {}).get(c)
        if not runs:
            continue
        lines.append(f"| {name} | {median(runs):.0f} | {spread(runs)} | {median(runs, 'p50_ms'):.3g} | "
                     f"{median(runs, 'p99_ms'):.3g} | {median(runs, 'max_ms'):.3g} | "
                     f"{sum(x['errors'] for x in runs)} | {median(runs, 'cpu_percent'):.0f} | "
                     f"{median(runs, 'cpu_us_per_request'):.1f} | {median(runs, 'rss_mib'):.0f} |")
    return lines


def bar_rows(results, bars, c):
    lines = ["| ratio | median of the per-round ratios | per round min–max | ratio of the medians | bar | met |",
             "|---|---:|---:|---:|---|---|"]
    for name, a, b, bar in bars:
        if not results.get(a, {}).get(c) or not results.get(b, {}).get(c):
            continue
        value, rounds, of_medians = ratio(results, a, b, c)
        target = float(bar.split()[1])
        lines.append(f"| {name} | {value:.2f} | {rounds} | {of_medians:.2f} | {bar} | "
                     f"{'yes' if value >= target else 'no'} |")
    return lines


SERVLET_SCENARIOS = ["bare Netty hello", "servlet hello in-process", "Spring Boot in-process",
                     "Spring Boot out-of-process", "Spring Boot alone"]
SERVLET_BARS = [("servlet hello in-process / bare Netty hello", "servlet hello in-process", "bare Netty hello",
                 ">= 0.8"),
                ("Spring Boot in-process / out-of-process, same jar", "Spring Boot in-process",
                 "Spring Boot out-of-process", ">= 2.0"),
                ("Spring Boot in-process / alone on its embedded Tomcat, same jar", "Spring Boot in-process",
                 "Spring Boot alone", ">= 1.0")]
SECTION_TITLES = {"servlet": "## Servlet host (issue 12)", "tls": "## HTTPS, HTTP/2 and full TLS handshakes (issue 19)",
                  "memory": "## Memory"}


def servlet_section(results, extra, conn_counts):
    """The Servlet host's figures: a servlet hello and one Spring Boot jar three ways, beside bare Netty (the
    machine's reference), their bars, and what an app costs in memory in Porter and alone."""
    lines = [SECTION_TITLES["servlet"], "",
             f"`{extra['command']}`, {extra['date']}, on {machine()}; 1-minute load average during the run "
             f"{load_range({n: results[n] for n in SERVLET_SCENARIOS if n in results})} (other builds and "
             "benchmarks share the 2 cores: read the ratios, and the min–max beside each median). wrk -t1, keep-alive, "
             f"{extra['rounds']} rounds of {extra['seconds']} s per scenario, scenarios alternating in each round; "
             "every cell is the median of the rounds; CPU µs/request counts the server and, out-of-process, its app's JVM. "
             "A ratio is paired: the median of the per-round ratios (the two scenarios of a round ran seconds apart, "
             "under the same load), judged against the bar; the ratio of the medians is beside it. The servlet hello is `samples/war`'s `HelloServlet` (16 bytes, "
             "behind the WAR's `StampFilter`) in Porter's Servlet host; the Spring Boot jar is `samples/spring-boot` "
             "(Boot 4.0.7 + porter-spring-boot, `GET /hello`, 22 bytes) in-process, out-of-process (its embedded "
             "Tomcat behind Porter) and alone (`java -jar`, Boot's default Tomcat on a loopback port). Bare Netty "
             "hello is the machine's reference: the front server's own ceiling.", ""]
    for c in conn_counts:
        lines += [f"### {c} connection(s)", ""] + scenario_table(results, SERVLET_SCENARIOS, c) + [""]
        lines += bar_rows(results, SERVLET_BARS, c) + [""]
    memory = extra.get("memory_mib", {})
    boot_in, boot_alone = memory.get("Spring Boot in-process", {}), memory.get("Spring Boot alone", {})
    boot_oop, war = memory.get("Spring Boot out-of-process", {}), memory.get("servlet hello in-process", {})
    parts = []
    if "idle" in boot_in:
        parts.append(f"Porter idle (started, no application loaded) {boot_in['idle']} MiB; with the Spring Boot app "
                     f"loaded in-process {boot_in['first_response']} MiB after its first response "
                     f"(+{boot_in['first_response'] - boot_in['idle']} MiB for the app) and "
                     f"{boot_in.get('after_load', '?')} MiB after the measured load")
    if boot_alone:
        parts.append(f"the same jar alone (its own JVM and Tomcat) {boot_alone['first_response']} MiB after its "
                     f"first response and {boot_alone.get('after_load', '?')} MiB after the load")
    if "idle" in boot_oop:
        parts.append(f"out-of-process, Porter {boot_oop.get('after_load', '?')} MiB plus the app's JVM: "
                     f"{boot_oop.get('after_load_with_apps', '?')} MiB together after the load")
    if "idle" in war:
        parts.append(f"the servlet WAR in-process: Porter {war['idle']} MiB idle, {war['first_response']} MiB after "
                     f"its first response (+{war['first_response'] - war['idle']} MiB), "
                     f"{war.get('after_load', '?')} MiB after the load")
    if parts:
        lines += ["Memory (RSS of the process, every JVM with its default heap sizing): " + "; ".join(parts) + ".",
                  ""]
    return lines


TLS_BARS = [("Porter out-of-process / nginx proxy_pass, HTTPS (HTTP/1.1, wrk), same certificate and backend",
             *TLS_PAIRS[0], ">= 1.0"),
            ("Porter out-of-process / nginx proxy_pass, HTTP/2 over TLS (h2load -m 10)", *TLS_PAIRS[1], ">= 1.0")]
HANDSHAKE_BARS = [("Porter out-of-process / nginx proxy_pass, full TLS handshakes/s", *TLS_PAIRS[2], ">= 1.0")]


def handshake_table(results):
    lines = ["| scenario | handshakes/s (median) | min–max | full / resumed handshakes (all rounds) | errors | "
             "server CPU % | CPU µs/handshake | server RSS MiB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for pair in TLS_PAIRS[2:]:
        for name in pair:
            runs = results.get(name, {}).get(HANDSHAKES)
            if not runs:
                continue
            lines.append(f"| {name} | {median(runs):.0f} | {spread(runs)} | {sum(r['full'] for r in runs)} / "
                         f"{sum(r['resumed'] for r in runs)} | {sum(r['errors'] for r in runs)} | "
                         f"{median(runs, 'cpu_percent'):.0f} | {median(runs, 'cpu_us_per_request'):.1f} | "
                         f"{median(runs, 'rss_mib'):.0f} |")
    return lines


def tls_section(results, extra, conn_counts, standalone=True):
    """HTTPS, HTTP/2 and full TLS handshakes (issue 19): Porter out-of-process against nginx proxy_pass, both in front of
    an nginx backend with the same certificate. standalone (--section tls): with its own per-connection tables and
    bars, which a full run has in its main tables."""
    names = [n for p in TLS_PAIRS for n in p if n in results]
    lines = [SECTION_TITLES["tls"], ""]
    if standalone:
        lines += [f"`{extra['command']}`, {extra['date']}, on {machine()}; 1-minute load average during the run "
                  f"{load_range({n: results[n] for n in names})}; {extra['rounds']} rounds of {extra['seconds']} s, "
                  "scenarios alternating in each round, every cell the median of the rounds.", ""]
    lines += ["Porter is `bin/porter serve` with one https binding, hosting `bench/nginx-backend.sh` out-of-process "
              "(the out-of-process hop is plain HTTP/1.1, as in ANCM); nginx is `proxy_pass` with upstream keep-alive "
              "(one worker) in front of the same kind of nginx backend, with `ssl` and `http2` on its listener. Both "
              "serve one certificate, ECDSA P-256, self-signed, made by the harness with openssl for the run, and offer "
              "TLS 1.3 and 1.2 (the clients negotiate 1.3). HTTPS: wrk -t1 over keep-alive connections (wrk offers no "
              "ALPN: HTTP/1.1). HTTP/2: h2load -t1 -m 10 (10 concurrent streams per connection, ALPN h2); its p50/p99 "
              "come from its per-request log. Full handshakes: "
              f"{HANDSHAKE_CLIENTS} `openssl s_time -new -www /hello` at once, each making one new connection after "
              "another (a new session every time, never a resumption) with one GET on it; s_time marks every "
              "connection full or resumed and the table counts both (resumed must read 0). On 2 shared cores the "
              "clients' own handshake work (an ECDSA verify each) competes with the servers': CPU µs/handshake, the "
              "server's own CPU time per handshake, is the figure the clients do not move. CPU of the Porter rows "
              "includes its nginx backend; the nginx rows count the proxy alone.", ""]
    if standalone:
        for c in conn_counts:
            lines += [f"### {c} connection(s)", ""] + scenario_table(results, names, c) + [""]
            lines += bar_rows(results, TLS_BARS, c) + [""]
    lines += [f"Full TLS handshakes, {HANDSHAKE_CLIENTS} clients:", ""] + handshake_table(results) + [""]
    if standalone:
        lines += bar_rows(results, HANDSHAKE_BARS, HANDSHAKES) + [""]
    return lines


def memory_section(extra):
    """Item 7 of issue 19: what Porter costs in memory (idle, per application, under load) beside nginx + app, from the
    RSS figures the run recorded."""
    memory, backend = extra.get("memory_mib", {}), extra.get("nginx_backend_rss_mib", {})
    lines = ["## Memory", "",
             "RSS in MiB (every JVM with its default heap sizing). Idle: Porter started, no application loaded yet. "
             "After the first response: the front process, and beside it its out-of-process app(s). Per-app overhead: "
             "what loading the app added, Porter's own growth plus its app process's RSS. After the load: at the end of "
             "the last measured run, front plus app processes; peak: the sum of each process's VmHWM over the whole "
             "run. The nginx rows count the proxy (master and worker) plus the shared nginx backend.", "",
             "| setup | idle front | front after the first response | app process(es) | per-app overhead | "
             "after the load | peak |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, m in memory.items():
        if "first_response" not in m:
            continue
        if "idle" in m:
            apps = m["first_response_with_apps"] - m["first_response"]
            lines.append(f"| {name} | {m['idle']} | {m['first_response']} | {apps} | "
                         f"{m['first_response_with_apps'] - m['idle']} | {m.get('after_load_with_apps', '–')} | "
                         f"{m.get('peak_with_apps', '–')} |")
        elif name.startswith("nginx proxy_pass") and backend:
            lines.append(f"| {name} | – | {m['first_response']} | {backend['first_response']} | – | "
                         f"{m.get('after_load', 0) + backend.get('after_load', 0)} | "
                         f"{m.get('peak_with_apps', 0) + backend.get('peak', 0)} |")
        else:
            lines.append(f"| {name} (by itself) | – | – | {m['first_response']} | – | "
                         f"{m.get('after_load_with_apps', '–')} | {m.get('peak_with_apps', '–')} |")
    return lines + [""]


def reference_line(results, conn_counts):
    """The machine's reference: bare Netty's req/s at each connection count, so that a slow machine reads as one."""
    runs = results.get("bare Netty hello", {})
    cells = [f"{c} connection(s) {median(runs[c]):.0f} req/s ({spread(runs[c])})" for c in conn_counts if runs.get(c)]
    if not cells:
        return []
    return ["Machine reference, bare Netty hello (`porter-bench`'s `NettyHelloServer`, the front server's own ceiling "
            "here, on the JVM options Porter runs with, `bin/jvm.options`; a slower machine shows lower figures here "
            "first): " + ", ".join(cells) + ".", ""]


def write_section(path, key, lines):
    """Replaces the section titled SECTION_TITLES[key] (up to the next '## ' heading) in path, or appends it."""
    title = SECTION_TITLES[key]
    try:
        with open(path) as f:
            old = f.read().split("\n")
    except FileNotFoundError:
        old = ["# Benchmarks", ""]
    start = next((i for i, line in enumerate(old) if line.startswith(title)), None)
    if start is None:
        out = old + ([""] if old and old[-1] else []) + lines
    else:
        end = next((i for i in range(start + 1, len(old)) if old[i].startswith("## ")), len(old))
        out = old[:start] + lines + old[end:]
    with open(path, "w") as f:
        f.write("\n".join(out).rstrip("\n") + "\n")


def kept_sections(path, lines):
    """The '## ' sections of the old file that this report does not write (bench/instructions' section): kept as they
    were, so a full run does not drop figures another tool produced."""
    try:
        with open(path) as f:
            old = f.read().split("\n")
    except FileNotFoundError:
        return []
    written = {line for line in lines if line.startswith("## ")}
    kept, keep = [], False
    for line in old:
        if line.startswith("## "):
            keep = line not in written and not line.endswith(" connection(s)") and not line.startswith("## Bars")
        if keep:
            kept.append(line)
    return ([""] if kept else []) + kept


def report(args, results, extra, conn_counts, seconds, rounds):
    now = extra["date"]
    lines = ["# Benchmarks", "",
             f"Latest run: {now}, `{extra['command']}` on {machine()}; 1-minute load average during the run "
             f"{load_range(results)}.",
             f"wrk -t1, keep-alive, GET of a 5-byte \"hello\" (the '(HTTPS h2)' rows: h2load, see below); each cell is the median of {rounds} round(s) of "
             f"{seconds} s, with the min–max of the rounds beside it; scenarios alternate in every round. CPU % is the "
             "measured server process (100 % = one core); CPU µs/request is the CPU time of the server and the apps it "
             "started per request served (less moved by other load than req/s); RSS after the run. Bare Netty hello is the machine's "
             "reference. Absolute figures drift on shared machines: compare within one run.",
             ""] + reference_line(results, conn_counts)
    main_names = [n for n in results if n not in SERVLET_SCENARIOS[1:]]
    for c in conn_counts:
        lines += [f"## {c} connection(s)", ""] + scenario_table(results, main_names, c) + [""]

    ref = 64 if 64 in conn_counts else conn_counts[-1]
    bars = [("in-process / out-of-process, same app", "Porter in-process", "Porter out-of-process", ">= 4.4"),
            ("Porter out-of-process / nginx proxy_pass, same nginx backend", "Porter out-of-process -> nginx",
             "nginx proxy_pass -> nginx", ">= 1.0"),
            ("Porter in-process / bare Netty hello", "Porter in-process", "bare Netty hello", ">= 0.9")]
    lines += [f"## Bars (at {ref} connections)", ""] + bar_rows(results, bars + SERVLET_BARS + TLS_BARS, ref)
    lines += bar_rows(results, HANDSHAKE_BARS, HANDSHAKES)[2:]
    cold = extra["cold"]
    met = cold["porter_first_response_ms"] <= cold["app_alone_ms"] + 20
    lines.append(f"| cold first response through Porter vs the app's own start-up + 20 ms | "
                 f"{cold['porter_first_response_ms']} ms vs {cold['app_alone_ms']} ms | – | – | <= app + 20 ms | "
                 f"{'yes' if met else 'no'} |")
    lines += ["", f"Cold start: median of {cold.get('samples', 3)}, the two sides alternating; the app alone is launch "
              "to first 200 (the harness polls every 1 ms); "
              "through Porter it is the first request to a not-yet-started app on a running Porter that has "
              "already served another app (the request starts the process, waits for it and is forwarded).",
              "", f"Porter idle RSS (started, no application loaded): {extra['porter_idle_rss_mib']} MiB (median of "
              "the Porter processes); per application, see [Memory](#memory).", ""]
    if any(n in results for p in TLS_PAIRS for n in p):
        lines += tls_section(results, extra, conn_counts, standalone=False)
    lines += memory_section(extra)
    if any(n in results for n in SERVLET_SCENARIOS[1:]):
        lines += servlet_section(results, extra, conn_counts)
    lines += kept_sections(args.output, lines)
    with open(args.output, "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    save_json(results, extra)
    print(f"bench: wrote {args.output}", file=sys.stderr)


def save_json(results, extra):
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(ROOT, "bench", "results", f"{stamp}.json"), "w") as f:
        json.dump({"results": {k: {str(c): v for c, v in d.items()} for k, d in results.items()}, "extra": extra},
                  f, indent=1)


def interrupted(signum, frame):
    """SIGTERM ends a run as Ctrl-C does: through main()'s clean-up, not around it."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, interrupted)
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("bench: interrupted; every server it started is stopped")
