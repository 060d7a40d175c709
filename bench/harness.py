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


def find_java():
    """A JDK >= 25, found like bin/porter does."""
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    candidates += sorted(glob.glob("/usr/lib/jvm/*/bin/java"))
    best, best_major = None, 0
    for c in candidates:
        if not os.access(c, os.X_OK):
            continue
        out = subprocess.run([c, "-XshowSettings:properties", "-version"], capture_output=True, text=True).stderr
        m = re.search(r"java\.specification\.version = (\d+)", out)
        if m and int(m.group(1)) >= 25 and int(m.group(1)) > best_major:
            best, best_major = c, int(m.group(1))
    if not best:
        sys.exit("bench: no JDK >= 25 found")
    return best


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, headers=None, timeout=2.0):
    """Status code of one GET, or None if nothing answered."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            data = s.recv(64)
            m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
            return int(m.group(1)) if m else None
    except OSError:
        return None


class Server:
    """A process the harness started (in its own session, so its whole tree can be stopped)."""

    def __init__(self, name, cmd, port, path="/hello", env=None, cwd=None, headers=None, lazy=False):
        self.name, self.cmd, self.port, self.path = name, cmd, port, path
        self.env, self.cwd, self.headers, self.lazy = env, cwd, headers or {}, lazy
        self.proc = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"porter-bench-{name}-", suffix=".log", delete=False)

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
            ready = self.listening() if self.lazy else http_get(self.port, self.path, self.headers, 1.0) == 200
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

    def rss_mib(self, with_apps=False):
        """RSS of the server's tree; with_apps: also the out-of-process apps Porter started (their own sessions)."""
        total = 0.0
        for pid in (self.descendants() if with_apps else self.tree()):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
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
    url = f"http://127.0.0.1:{server.port}{server.path}"
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
              "load1": load_average()}
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
        epilog="bench/run installs wrk, nginx-light and nghttp2-client if missing, then builds Porter (and the\n"
        "--baseline checkout) before the harness runs. See bench/README.md.")
    ap.add_argument("--quick", action="store_true", help="under 2 minutes: fewer connection counts, shorter runs")
    ap.add_argument("--output", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--only", help="comma-separated scenario name fragments (e.g. 'in-process,Netty'; a trailing $ "
                    "anchors one at the name's end): an A/B run of those alone, printed and kept in bench/results/, "
                    "BENCHMARKS.md left as it is")
    ap.add_argument("--conns", help="comma-separated connection counts, e.g. 64 or 16,256")
    ap.add_argument("--seconds", type=int, help="length of each measured run")
    ap.add_argument("--rounds", type=int, help="measured runs per scenario and connection count")
    ap.add_argument("--section", choices=["servlet"], help="with --only: also rewrite that section of BENCHMARKS.md "
                    "(servlet: the Servlet host's scenarios, issue 12) from this run, with the command that produced it")
    ap.add_argument("--baseline", help="another Porter checkout, built (bench/run builds it): each Porter scenario "
                    "also runs on it, as '<scenario> (baseline)', in the same rounds: before/after in one run")
    args = ap.parse_args()

    java = find_java()
    conn_counts = [16, 64] if args.quick else [1, 16, 64, 256]
    seconds = 3
    rounds = 1 if args.quick else 5
    if args.conns:
        conn_counts = [int(c) for c in args.conns.split(",")]
    seconds = args.seconds or seconds
    rounds = args.rounds or rounds
    warmup = 2 if args.quick else 5

    hello_jar = os.path.join(ROOT, "samples", "hello", "target", "hello.jar")
    war = os.path.join(ROOT, "samples", "war", "target", "war.war")
    boot_jar = os.path.join(ROOT, "samples", "spring-boot", "target", "spring-boot.jar")
    bench_jar = os.path.join(ROOT, "porter-bench", "target", "porter-bench.jar")
    porter = os.path.join(ROOT, "bin", "porter")
    work = tempfile.mkdtemp(prefix="porter-bench-")
    env = {"JAVA_HOME": os.path.dirname(os.path.dirname(java))}
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
        # 5. The front server's own limit.
        "bare Netty hello": Server("netty-hello", [java, "--enable-native-access=ALL-UNNAMED", "-cp", bench_jar,
                                                  "dev.porter.bench.NettyHelloServer", str(free_port())], 0),
    }
    scenarios["bare Netty hello"].port = int(scenarios["bare Netty hello"].cmd[-1])
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
                           env={"ASPNETCORE_PORT": str(nginx_port)})
    scenarios["nginx proxy_pass -> nginx"] = Server("nginx-proxy", ["/usr/sbin/nginx", "-c", nginx_conf],
                                                    proxy_port)
    if args.only:
        wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        # a fragment ending in '$' matches the end of the name: 'porter out-of-process$' leaves out '... -> nginx'
        scenarios = {n: s for n, s in scenarios.items()
                     if any(n.lower().endswith(w[:-1]) if w.endswith("$") else w in n.lower() for w in wanted)}
        if not scenarios and "cold" not in wanted:  # --only cold: the cold start alone
            sys.exit(f"bench: --only {args.only!r} matches no scenario")
    if args.baseline:
        # The same app directories served by the other checkout's bin/porter, measured in the same alternation.
        base_porter = os.path.join(os.path.abspath(args.baseline), "bin", "porter")
        for name in [n for n, s in scenarios.items() if s.cmd and s.cmd[0] == porter]:
            twin = porter_run(scenarios[name].name + "-baseline", scenarios[name].cmd[2])
            twin.cmd[0] = base_porter
            scenarios[name + " (baseline)"] = twin
    results = {name: {c: [] for c in conn_counts} for name in scenarios}
    extra = {}
    try:
        # Cold start first, before anything else warms the page cache for Porter's own start-up.
        if not args.only or "cold" in args.only.lower():
            extra["cold"] = cold_start(java, hello_jar, porter, work, env)
            print(f"bench: cold start {extra['cold']}", file=sys.stderr)
        if any(s.lazy and "nginx" in n for n, s in scenarios.items()):
            nginx_backend.start()
            servers.append(nginx_backend)
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
            served, spent = 0, 0
            while spent < warmup or (served < WARMUP_REQUESTS and spent < 16 * warmup):
                served += int(wrk(server, 64, warmup)["rps"] * warmup)
                spent += warmup
            print(f"bench: warm-up {name}: {served} requests in {spent} s", file=sys.stderr)
        for rnd in range(rounds):
            for c in conn_counts:
                names = list(scenarios)
                shift = (rnd + conn_counts.index(c)) % max(len(names), 1)
                for name in names[shift:] + names[:shift]:
                    r = wrk(scenarios[name], c, seconds)
                    print(f"bench: {name:32} c={c:<4} {r['rps']:>10.0f} req/s  p99 {r['p99_ms']} ms  "
                          f"errors {r['errors']}", file=sys.stderr)
                    results[name][c].append(r)
    finally:
        for s in reversed(servers):
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
        for d in glob.glob("/tmp/porter-bench-nginx-*"):
            shutil.rmtree(d, ignore_errors=True)
    for name in scenarios:
        last = [r for c in conn_counts for r in results[name][c]]
        if last:
            memory[name]["after_load"] = last[-1]["rss_mib"]
            memory[name]["after_load_with_apps"] = last[-1]["rss_with_apps_mib"]
    extra["command"] = "bench/run" + "".join(" " + shlex.quote(a) for a in sys.argv[1:])
    extra["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    extra["rounds"], extra["seconds"] = rounds, seconds
    if args.only:
        save_json(results, extra)
        for c in conn_counts:
            print(f"bench: median of {rounds} x {seconds} s at c={c}: " + ", ".join(
                f"{name} {median(results[name][c]):.0f} ({spread(results[name][c])})" for name in scenarios),
                file=sys.stderr)
            for name in [n for n in scenarios if n + " (baseline)" in scenarios]:
                paired, rounds_range, of_medians = ratio(results, name, name + " (baseline)", c)
                print(f"bench: c={c} {name}: this checkout / baseline {paired:.3f} (per round {rounds_range}; "
                      f"ratio of the medians {of_medians:.3f})", file=sys.stderr)
        print(f"bench: load average {load_range(results)}", file=sys.stderr)
        if args.section:
            write_section(args.output, "servlet", servlet_section(results, extra, conn_counts))
            print(f"bench: rewrote the servlet section of {args.output}", file=sys.stderr)
        return
    report(args, results, extra, conn_counts, seconds, rounds)


def wait_ready(server, timeout=120):
    """A lazily started app: the first real request starts it; wait until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http_get(server.port, server.path, server.headers, timeout=30) == 200:
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
SECTION_TITLES = {"servlet": "## Servlet host (issue 12)"}


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


def report(args, results, extra, conn_counts, seconds, rounds):
    now = extra["date"]
    lines = ["# Benchmarks", "",
             f"Latest run: {now}, `{extra['command']}` on {machine()}; 1-minute load average during the run "
             f"{load_range(results)}.",
             f"wrk -t1, keep-alive, GET of a 5-byte \"hello\"; each cell is the median of {rounds} round(s) of "
             f"{seconds} s, with the min–max of the rounds beside it; scenarios alternate in every round. CPU % is the "
             "measured server process (100 % = one core); CPU µs/request is the CPU time of the server and the apps it "
             "started per request served (less moved by other load than req/s); RSS after the run. Bare Netty hello is the machine's "
             "reference. Absolute figures drift on shared machines: compare within one run.",
             ""]
    main_names = [n for n in results if n not in SERVLET_SCENARIOS[1:]]
    for c in conn_counts:
        lines += [f"## {c} connection(s)", ""] + scenario_table(results, main_names, c) + [""]

    ref = 64 if 64 in conn_counts else conn_counts[-1]
    bars = [("in-process / out-of-process, same app", "Porter in-process", "Porter out-of-process", ">= 4.4"),
            ("Porter out-of-process / nginx proxy_pass, same nginx backend", "Porter out-of-process -> nginx",
             "nginx proxy_pass -> nginx", ">= 1.0"),
            ("Porter in-process / bare Netty hello", "Porter in-process", "bare Netty hello", ">= 0.9")]
    lines += [f"## Bars (at {ref} connections)", ""] + bar_rows(results, bars + SERVLET_BARS, ref)
    cold = extra["cold"]
    met = cold["porter_first_response_ms"] <= cold["app_alone_ms"] + 20
    lines.append(f"| cold first response through Porter vs the app's own start-up + 20 ms | "
                 f"{cold['porter_first_response_ms']} ms vs {cold['app_alone_ms']} ms | – | – | <= app + 20 ms | "
                 f"{'yes' if met else 'no'} |")
    lines += ["", f"Cold start: median of {cold.get('samples', 3)}, the two sides alternating; the app alone is launch "
              "to first 200 (the harness polls every 1 ms); "
              "through Porter it is the first request to a not-yet-started app on a running Porter that has "
              "already served another app (the request starts the process, waits for it and is forwarded).",
              "", f"Porter idle RSS (started, no application loaded): {extra['porter_idle_rss_mib']} MiB. "
              "Per-application overhead in the Porter process after the app served its first request: "
              + ", ".join(f"{k}: {v} MiB" for k, v in extra["per_app_rss_mib"].items()) + ".", ""]
    if any(n in results for n in SERVLET_SCENARIOS[1:]):
        lines += servlet_section(results, extra, conn_counts)
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


if __name__ == "__main__":
    main()
