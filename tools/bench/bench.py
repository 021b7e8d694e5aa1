#!/usr/bin/env python3
"""Side-by-side benchmark of mvi-host (see tools/bench/README.md).

Starts each contender on 127.0.0.1 on a free port, drives it with wrk (post_hello.lua), runs the
contenders round by round (A B C ... A B C ...) so drift on a shared machine cancels out, and
prints medians and ratios; then measures the host alone: concurrency, a monitored entrypoint in
each monitoring durability, swaps under load (through mvi-reload-bench), start-up time and memory,
and crashes of the serving process under load (outage, failed requests, refused connections). Writes every figure to a JSON file. It reports
figures and checks answers; it asserts no timing. Standard library only.

    bench.py --build-dir DIR [--quick] [--json FILE] [--duration S] [--rounds N] ...
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
HELLO_PATH = "/services/hello/hello"
HELLO_BODY = b'{"name":"Bob"}'
HELLO_ANSWER = "Hello Bob"
SYSTEM_PYTHON = "/usr/bin/python3"
FLEET_SNIPPET = os.path.join(HERE, "..", "..", "config", "nginx", "mvi-fleet.conf")


class BenchError(Exception):
    """A contender could not be started or did not answer as expected."""


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http(method, url, body=None, timeout=5.0):
    """One request; returns (status, decoded JSON or text). Status 0: no answer."""
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    except (OSError, urllib.error.URLError):
        return 0, None
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def new_connection_probe(server, timeout):
    """Opens a new connection, sends the hello call and times the answer (None: none came)."""
    request = (f"POST {HELLO_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
               f"application/json\r\nContent-Length: {len(HELLO_BODY)}\r\n\r\n").encode()
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as connection:
            connection.sendall(request + HELLO_BODY)
            connection.settimeout(max(0.1, timeout - (time.monotonic() - started)))
            if connection.recv(64).startswith(b"HTTP/1.1 200"):
                return {"answer_ms": (time.monotonic() - started) * 1000}
    except OSError:
        pass
    return {"answer_ms": None, "waited_ms": (time.monotonic() - started) * 1000}


class SlowClients:
    """`count` slowloris clients: each opens a connection and sends a request head one byte every
    `interval` seconds, never finishing it. `finish()` waits until the server has closed every
    one (or `bound` seconds pass) and reports when each was closed and whether a 408 came."""

    HEAD = b"GET /services/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 4000

    def __init__(self, port, count, interval=1.0):
        self.selector = selectors.DefaultSelector()
        self.clients = []
        self.interval = interval
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            connection.setblocking(False)
            client = {"socket": connection, "opened": time.monotonic(), "sent": 0,
                      "closed": None, "answer": b""}
            self.clients.append(client)
            self.selector.register(connection, selectors.EVENT_READ, client)
        self.next_send = time.monotonic()

    def _step(self, until):
        """Sends the next byte on every open connection when it is time, and reads answers."""
        while True:
            now = time.monotonic()
            if now >= self.next_send:
                for client in self.clients:
                    if client["closed"] is None and client["sent"] < len(self.HEAD):
                        try:
                            client["socket"].send(self.HEAD[client["sent"]:client["sent"] + 1])
                            client["sent"] += 1
                        except OSError:
                            self._closed(client, now)
                self.next_send = now + self.interval
            wait = min(until, self.next_send) - time.monotonic()
            if wait <= 0:
                return
            for key, _ in self.selector.select(wait):
                client = key.data
                try:
                    data = client["socket"].recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    client["answer"] += data
                else:
                    self._closed(client, time.monotonic())

    def _closed(self, client, now):
        if client["closed"] is None:
            client["closed"] = now
            self.selector.unregister(client["socket"])
            client["socket"].close()

    def keep_going(self, seconds):
        self._step(time.monotonic() + seconds)

    def finish(self, bound):
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline and any(c["closed"] is None for c in self.clients):
            self._step(min(deadline, time.monotonic() + 0.5))
        lifetimes = sorted(c["closed"] - c["opened"] for c in self.clients if c["closed"])
        for client in self.clients:
            if client["closed"] is None:
                self._closed(client, time.monotonic())
        self.selector.close()
        return {"clients": len(self.clients), "closed_by_server": len(lifetimes),
                "answered_408": sum(1 for c in self.clients
                                    if c["answer"].startswith(b"HTTP/1.1 408")),
                "bytes_sent_each_max": max(c["sent"] for c in self.clients),
                "closed_after_s": {"min": lifetimes[0], "p50": statistics.median(lifetimes),
                                   "max": lifetimes[-1]} if lifetimes else None}


def send_on_new_connection(port, path, body, timeout):
    """Sends `POST path` with a JSON body on a new connection and reads the status line.
    Returns (outcome, connection seconds): outcome is the status code, or "refused" (the connect
    was refused), "closed" (the connection was closed or reset before an answer) or "timeout"."""
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
            connection.sendall(request)
            head = b""
            while b"\r\n" not in head:
                connection.settimeout(max(0.01, timeout - (time.monotonic() - started)))
                chunk = connection.recv(256)
                if not chunk:
                    return "closed", time.monotonic() - started
                head += chunk
    except ConnectionRefusedError:
        return "refused", time.monotonic() - started
    except socket.timeout:
        return "timeout", time.monotonic() - started
    except OSError:
        return "closed", time.monotonic() - started
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(match.group(1)) if match else "closed"), time.monotonic() - started


def percentile(values, share):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-share * len(ordered) // 1)) - 1))]


def group_cpu_seconds(group):
    """CPU time (user + system) of every process of a process group (a server and its workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, ..., utime (12th), stime (13th).
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def thread_count(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return int(re.search(r"^Threads:\s+(\d+)", status.read(), re.M).group(1))
    except (OSError, AttributeError):
        return None


class Server:
    """A contender process; its output goes to a log file in the work folder."""

    def __init__(self, name, command, workdir, listening=None, port=None, env=None):
        self.name = name
        self.workdir = workdir
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.started = time.monotonic()
        with open(self.log_path, "wb") as output:
            self.process = subprocess.Popen(command, cwd=workdir, stdout=output,
                                            stderr=subprocess.STDOUT, env=env,
                                            start_new_session=True)
        self.port = port
        self.listening_after = None
        if listening is not None:
            self._wait_for_line(listening)

    def output(self, last=20):
        with open(self.log_path, errors="replace") as output:
            return "".join(output.readlines()[-last:])

    def _fail(self, problem):
        self.stop()
        raise BenchError(f"{self.name}: {problem}; its last output:\n{self.output()}")

    def _wait_for_line(self, pattern, deadline=60.0):
        regex = re.compile(pattern)
        while time.monotonic() - self.started < deadline:
            with open(self.log_path, errors="replace") as output:
                match = regex.search(output.read())
            if match:
                self.port = int(match.group(1))
                self.listening_after = time.monotonic() - self.started
                return
            if self.process.poll() is not None:
                self._fail(f"exited with {self.process.returncode} before listening")
            time.sleep(0.005)
        self._fail(f"did not print /{pattern}/ within {deadline:.0f} s")

    @property
    def serving_pid(self):
        """The process that serves: for mvi-host the serving process its supervisor started
        (its one child), otherwise the process itself (nginx: the master)."""
        if getattr(self, "supervised", False):
            try:
                with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as tree:
                    children = tree.read().split()
                if children:
                    return int(children[0])
            except OSError:
                pass
        return self.process.pid

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_for_hello(self, deadline=60.0):
        """Waits until the hello call answers, and checks the answer."""
        started = time.monotonic()
        while time.monotonic() - started < deadline:
            status, answer = http("POST", self.base + HELLO_PATH, HELLO_BODY)
            if status == 200:
                if answer != HELLO_ANSWER:
                    self._fail(f"answered {answer!r} instead of {HELLO_ANSWER!r}")
                return
            if self.process.poll() is not None:
                self._fail(f"exited with {self.process.returncode}")
            time.sleep(0.05)
        self._fail(f"the hello call was not answered 200 within {deadline:.0f} s")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def proc_memory(pid, library_folder=None):
    """Resident size of a process, and of its mappings of files under library_folder (KiB)."""
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        rss = int(re.search(r"^Rss:\s+(\d+) kB", rollup.read(), re.M).group(1))
    libraries = 0
    if library_folder:
        current = None
        with open(f"/proc/{pid}/smaps") as smaps:
            for line in smaps:
                head = line.split()
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    current = head[5] if len(head) > 5 else ""
                elif head and head[0] == "Rss:" and current and current.startswith(library_folder):
                    libraries += int(head[1])
    return {"rss_kib": rss, "library_rss_kib": libraries}


class Bench:
    """Builds the contenders' folders, runs every section and collects the report."""

    def __init__(self, options):
        self.options = options
        self.build = os.path.abspath(options.build_dir)
        self.workdir = tempfile.mkdtemp(prefix="mvi-bench-")
        self.host_binary = os.path.join(self.build, "host", "mvi-host")
        self.raw_poco_binary = os.path.join(self.build, "tools", "bench", "mvi-bench-raw-poco")
        self.reload_bench = os.path.join(self.build, "tools", "reload-bench", "mvi-reload-bench")
        self.cli = os.path.join(self.build, "tools", "cli", "mvi")
        self.wrk = shutil.which("wrk")
        self.servers = []
        self.report = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                       "machine": machine(), "settings": vars(options).copy()}
        # The plugins, stripped of debug information as a deployment would ship them.
        self.hello = self._stripped(os.path.join(self.build, "plugins", "hello.so"))
        self.slow_hello = self._stripped(
            os.path.join(self.build, "tools", "bench", "bench_slow_hello.so"))
        self.quiet_hello = self._stripped(
            os.path.join(self.build, "tools", "bench", "bench_quiet_hello.so"))
        # The crash section's plugin: its entrypoint segv dereferences a null pointer.
        self.faulty = os.path.join(self.build, "tests", "fixtures", "fixture_faulty.so")

    def _stripped(self, path):
        if not os.path.exists(path):
            raise BenchError(f"{path} is missing: build it first (tools/bench/run.sh does)")
        target = os.path.join(self.workdir, "stripped-" + os.path.basename(path))
        subprocess.run(["strip", "--strip-debug", "-o", target, path], check=True)
        return target

    # --- contenders -------------------------------------------------------------------------

    def start_host(self, name, versions, defines=(), wait=True, others=None, binary=None):
        """mvi-host serving `versions` ({version: plugin file}) of hello from a fresh folder, and
        `others` ({file name in the plugins folder: plugin file}); `binary` replaces the host."""
        folder = os.path.join(self.workdir, name)
        plugins = os.path.join(folder, "plugins")
        os.makedirs(plugins)
        for version, library in versions.items():
            shutil.copyfile(library, os.path.join(plugins, f"hello_{version}.so"))
        for file_name, library in (others or {}).items():
            shutil.copyfile(library, os.path.join(plugins, file_name))
        command = [binary or self.host_binary, "--host", "127.0.0.1", "--port", "0",
                   "--plugins-dir", plugins, "--data-dir", os.path.join(folder, "data")]
        for define in defines:
            command += ["--define", define]
        server = Server(name, command, folder, listening=r"listening on http://[^:]+:(\d+)")
        server.data_dir = os.path.join(folder, "data")
        server.supervised = True  # mvi-host forks its serving process (--serve)
        self.servers.append(server)
        if wait:
            wait_until_ready(server, len(versions) + len(others or {}))
        return server

    def start_raw_poco(self, name="raw-poco"):
        folder = os.path.join(self.workdir, name)
        os.makedirs(folder)
        server = Server(name, [self.raw_poco_binary, "--port", "0"], folder,
                        listening=r"listening on http://[^:]+:(\d+)")
        self.servers.append(server)
        return server

    def start_fastapi(self):
        folder = os.path.join(self.workdir, "fastapi")
        os.makedirs(folder)
        port = free_port()
        command = [SYSTEM_PYTHON, "-m", "uvicorn", "fastapi_hello:app", "--app-dir", HERE,
                   "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                   "--log-level", "warning"]
        server = Server("fastapi", command, folder, port=port)
        self.servers.append(server)
        return server

    def start_nginx(self, name="nginx-static", fleet=None):
        """nginx answering the hello call from its configuration (nginx.conf.in), or with `fleet`
        (a list of hosts) the example config/nginx/mvi-fleet.conf in front of those hosts."""
        folder = os.path.join(self.workdir, name)
        os.makedirs(folder)
        port = free_port()
        template_name = "nginx.conf.in" if fleet is None else "nginx-fleet.conf.in"
        with open(os.path.join(HERE, template_name)) as template:
            config = template.read().replace("@PREFIX@", folder).replace("@PORT@", str(port))
        if fleet is not None:
            snippet = os.path.join(folder, "mvi-fleet.conf")
            with open(FLEET_SNIPPET) as source, open(snippet, "w") as output:
                output.write(fleet_snippet(source.read(), [h.base for h in fleet], port))
            config = config.replace("@SNIPPET@", snippet)
        config_path = os.path.join(folder, "nginx.conf")
        with open(config_path, "w") as output:
            output.write(config)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        server = Server(name, [nginx, "-p", folder, "-c", config_path, "-e",
                                         os.path.join(folder, "error.log")], folder, port=port)
        self.servers.append(server)
        return server

    # --- wrk -------------------------------------------------------------------------------

    def wrk_start(self, server, connections, duration):
        threads = max(1, min(self.options.wrk_threads, connections))
        command = [self.wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                   "-s", os.path.join(HERE, "post_hello.lua"), server.base + HELLO_PATH]
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wrk_figures(self, server, wrk, timeout):
        """Waits for a wrk run and returns the figures its done() hook printed."""
        stdout, stderr = wrk.communicate(timeout=timeout)
        line = next((l for l in stdout.splitlines() if l.startswith("mvi-bench ")), None)
        if wrk.returncode != 0 or line is None:
            raise BenchError(f"wrk against {server.name} failed ({wrk.returncode}):\n"
                             f"{stdout}{stderr}")
        return json.loads(line[len("mvi-bench "):])

    def wrk_run(self, server, connections, duration, during=None):
        """One wrk run against `server`; `during` (if given) is called while wrk runs."""
        threads = max(1, min(self.options.wrk_threads, connections))
        cpu_before = group_cpu_seconds(server.process.pid)
        wrk = self.wrk_start(server, connections, duration)
        if during:
            during()
        probe = None
        if self.options.probe_new_connection and duration >= 3:
            # Under load: how long a newcomer's first request on a new connection waits.
            time.sleep(1)
            probe = new_connection_probe(server, timeout=duration - 1.5)
            probe["server_threads"] = thread_count(server.serving_pid)
        figures = self.wrk_figures(server, wrk, duration + 60)
        cpu = group_cpu_seconds(server.process.pid) - cpu_before
        seconds = figures["duration_us"] / 1e6
        errors = sum(figures["errors"].values())
        return {"connections": connections, "threads": threads,
                "requests": figures["requests"], "requests_per_second": figures["requests"] / seconds,
                "p50_ms": figures["latency_us"]["p50"] / 1000,
                "p99_ms": figures["latency_us"]["p99"] / 1000,
                "max_ms": figures["latency_us"]["max"] / 1000,
                "errors": errors, "error_kinds": figures["errors"], "new_connection": probe,
                "server_cpu_us_per_request": cpu * 1e6 / max(1, figures["requests"])}

    def interleave(self, contenders, connections, duration, rounds):
        """Runs each contender once per round, in the same order every round."""
        runs = {name: [] for name in contenders}
        for server in contenders.values():
            self.wrk_run(server, connections, 1)  # warm-up, not counted
        for round_number in range(rounds):
            for name, server in contenders.items():
                result = self.wrk_run(server, connections, duration)
                runs[name].append(result)
                log(f"round {round_number + 1}/{rounds} {name:18} c={connections:<5}"
                    f"{result['requests_per_second']:10.0f} req/s  p50 {result['p50_ms']:.2f} ms"
                    f"  p99 {result['p99_ms']:.2f} ms  errors {result['errors']}")
        return {name: summarize(results) for name, results in runs.items()}

    # --- sections ---------------------------------------------------------------------------

    def contenders_section(self):
        o = self.options
        log("starting the contenders")
        hosts_defines = [f"mirror.threads={o.mirror_threads}"]
        contenders = {
            "raw-poco": self.start_raw_poco(),
            "mvi-host": self.start_host("mvi-host", {"1.0.0": self.hello}, hosts_defines),
            # The same host through Poco's thread-per-connection server (http.front=threads).
            "mvi-host-threads": self.start_host(
                "mvi-host-threads", {"1.0.0": self.hello}, hosts_defines + ["http.front=threads"]),
        }
        if o.baseline_host:
            contenders["mvi-host-baseline"] = self.start_host(
                "mvi-host-baseline", {"1.0.0": self.hello}, hosts_defines,
                binary=os.path.abspath(o.baseline_host))
        contenders.update({
            "mvi-host-nolog": self.start_host("mvi-host-nolog", {"1.0.0": self.quiet_hello},
                                              hosts_defines),
            "mvi-host-mirror": self.start_host(
                "mvi-host-mirror", {"1.0.0": self.hello, "1.1.0": self.hello}, hosts_defines),
            "mvi-host-mirror-slow": self.start_host(
                "mvi-host-mirror-slow", {"1.0.0": self.hello, "1.1.0": self.slow_hello},
                hosts_defines),
            "fastapi": self.start_fastapi(),
            "nginx-static": self.start_nginx(),
        })
        if o.contenders:
            contenders = {k: v for k, v in contenders.items() if k in o.contenders}
        for name in ("mvi-host-mirror", "mvi-host-mirror-slow"):
            if name not in contenders:
                continue
            status, answer = http("PUT", contenders[name].base + "/services/~assign",
                                  b'{"name":"hello","version":"1.0.0"}')
            if status != 200:
                raise BenchError(f"{name}: assigning hello 1.0.0 answered {status} {answer}")
        for server in contenders.values():
            server.wait_for_hello()
        log(f"{len(contenders)} contenders answer; {o.rounds} rounds of {o.duration} s, "
            f"{o.connections} connections")
        results = self.interleave(contenders, o.connections, o.duration, o.rounds)
        for name in ("mvi-host-mirror", "mvi-host-mirror-slow"):
            if name not in contenders:
                continue
            status, listing = http("GET", contenders[name].base + "/services/")
            shadow = next((v for v in versions_of(listing) if v.get("version") == "1.1.0"), {})
            results[name]["shadow_stats"] = shadow.get("stats")
        for server in self.servers:
            server.stop()
        host = results.get("mvi-host", {}).get("requests_per_second", 0)
        results["ratios"] = {
            f"mvi-host/{other}": host / results[other]["requests_per_second"]
            for other in ("raw-poco", "fastapi", "nginx-static", "mvi-host-baseline",
                          "mvi-host-threads")
            if other in results and results[other]["requests_per_second"] > 0}
        if "mvi-host" in results and "mvi-host-baseline" in results:
            results["baseline_cpu_ratio"] = (
                results["mvi-host"]["server_cpu_us_per_request"]
                / results["mvi-host-baseline"]["server_cpu_us_per_request"])
        self.report["contenders"] = results

    def concurrency_section(self):
        o = self.options
        log("concurrency sweep")
        # wrk connects from one address: the per-address limit would refuse past 4,096.
        servers = {
            "mvi-host": self.start_host("conc-mvi-host", {"1.0.0": self.hello},
                                        ["http.max_connections_per_address=20000"]),
            "mvi-host-threads-1100": self.start_host(
                "conc-mvi-host-threads", {"1.0.0": self.hello},
                ["http.max_threads=1100", "http.max_queued=2048"]),
            "raw-poco": self.start_raw_poco("conc-raw-poco"),
            "nginx-static": self.start_nginx("conc-nginx"),
        }
        for server in servers.values():
            server.wait_for_hello()
        results = {}
        for connections in o.concurrency:
            o.probe_new_connection = True
            level = self.interleave(servers, connections, o.concurrency_duration, 1)
            o.probe_new_connection = False
            for name, figures in level.items():
                results.setdefault(name, {})[str(connections)] = figures
        results["memory_at_end_kib"] = {name: proc_memory(s.serving_pid)["rss_kib"]
                                        for name, s in servers.items()}
        for server in servers.values():
            server.stop()
        self.report["concurrency"] = results

    def slowloris_section(self):
        """Other clients' figures (wrk, 32 connections) without and with 1,000 slowloris clients
        holding connections open; when and how the host closes the slow ones."""
        o = self.options
        deadline = 10
        log(f"slowloris: {o.slow_clients} slow clients, head deadline {deadline} s")
        server = self.start_host("slowloris-mvi-host", {"1.0.0": self.hello},
                                 [f"http.head_timeout_seconds={deadline}"])
        server.wait_for_hello()
        self.wrk_run(server, o.connections, 1)  # warm-up, not counted
        quiet, loaded, slow = [], [], []
        duration = min(o.duration, deadline - 4)
        for round_number in range(o.rounds):
            quiet.append(self.wrk_run(server, o.connections, duration))
            clients = SlowClients(server.port, o.slow_clients)
            clients.keep_going(1)
            loaded.append(self.wrk_run(server, o.connections, duration,
                                       during=lambda: clients.keep_going(duration + 0.5)))
            slow.append(clients.finish(deadline + 20))
            log(f"round {round_number + 1}/{o.rounds}: p99 {quiet[-1]['p99_ms']:.2f} ms quiet, "
                f"{loaded[-1]['p99_ms']:.2f} ms beside {o.slow_clients} slow clients; "
                f"{slow[-1]['closed_by_server']} closed by the host, "
                f"{slow[-1]['answered_408']} with a 408")
        server.stop()
        self.report["slowloris"] = {"head_deadline_s": deadline, "slow_clients": o.slow_clients,
                                    "quiet": summarize(quiet), "beside_slow": summarize(loaded),
                                    "slow": slow}

    def smoke_section(self):
        """Each piece once: every contender answers the hello call and one second of wrk with
        one connection, with no error. Checks that the tool works; asserts no timing."""
        crashable = os.path.exists(self.faulty)
        host = self.start_host("mvi-host-mirror-slow",
                               {"1.0.0": self.hello, "1.1.0": self.slow_hello},
                               others={"faulty_1.0.0.so": self.faulty} if crashable else None)
        servers = [self.start_raw_poco(), host, self.start_fastapi(), self.start_nginx(),
                   self.start_nginx("nginx-fleet", fleet=[host])]
        smoke = {}
        for server in servers:
            server.wait_for_hello()
            result = self.wrk_run(server, 1, 1)
            if result["requests"] < 1 or result["errors"] != 0:
                raise BenchError(f"wrk against {server.name}: {result}")
            smoke[server.name] = result
            log(f"{server.name} answers; wrk: {result['requests']} requests, no error")
        if crashable:
            # One crash of the host's serving process: it comes back, faulty is quarantined and
            # loads again when unquarantined.
            crash = self.crash_once(host)
            if crash["status_after_crash"] != "quarantined":
                raise BenchError(f"{host.name}: faulty is {crash['status_after_crash']!r} "
                                 "after the crash instead of 'quarantined'")
            host.wait_for_hello()
            smoke["crash"] = crash
            log(f"{host.name}: back {crash['outage_ms']:.1f} ms after a crash; faulty "
                "quarantined and unquarantined")
        self.report["smoke"] = smoke

    def crash_once(self, server):
        """Crashes the serving process of `server` with `POST /services/faulty/segv` and measures
        the outage: from sending that request until a hello call on a new connection is answered
        200. Probes go every 5 ms once the crash request's connection is closed (so that the
        dying process cannot answer them). Then unquarantines faulty 1.0.0 and waits until it is
        ready again."""
        started = time.monotonic()
        outcome, _ = send_on_new_connection(server.port, "/services/faulty/segv", b"{}", 30.0)
        if outcome != "closed":
            raise BenchError(f"{server.name}: the crash call answered {outcome} instead of "
                             "closing the connection")
        closed_ms = (time.monotonic() - started) * 1000
        probes = {"sent": 0, "refused": 0, "closed": 0, "timeout": 0, "other_status": 0}
        while True:
            if time.monotonic() - started > 60:
                raise BenchError(f"{server.name}: hello not answered within 60 s of a crash "
                                 f"(probes {probes}); its last output:\n{server.output()}")
            probes["sent"] += 1
            outcome, waited = send_on_new_connection(server.port, HELLO_PATH, HELLO_BODY, 10.0)
            if outcome == 200:
                break
            probes[outcome if isinstance(outcome, str) else "other_status"] += 1
            time.sleep(0.005)
        outage_ms = (time.monotonic() - started) * 1000
        status, listing = http("GET", server.base + "/services/", timeout=10)
        faulty = next((v for v in versions_of(listing) if v.get("name") == "faulty"), {})
        quarantined = faulty.get("status")
        unquarantined = time.monotonic()
        status, answer = http("POST", server.base + "/services/~unquarantine",
                              b'{"name":"faulty","version":"1.0.0"}', timeout=10)
        if status != 200:
            raise BenchError(f"{server.name}: unquarantine answered {status} {answer}")
        while True:
            status, listing = http("GET", server.base + "/services/", timeout=10)
            states = {v.get("name"): v.get("status") for v in versions_of(listing)}
            if states.get("faulty") == "ready":
                break
            if time.monotonic() - unquarantined > 30:
                raise BenchError(f"{server.name}: faulty not ready 30 s after unquarantine "
                                 f"({states})")
            time.sleep(0.005)
        return {"outage_ms": outage_ms, "crash_connection_closed_ms": closed_ms,
                "answering_probe_waited_ms": waited * 1000, "probes": probes,
                "status_after_crash": quarantined,
                "ready_after_unquarantine_ms": (time.monotonic() - unquarantined) * 1000}

    def crash_section(self):
        """Crashes under wrk load: outage per crash, requests failed, connections refused, and
        the supervisor's own figures."""
        self._crashes("crash", [])

    def crash_threads_section(self):
        """The crash section through the threads front (http.front=threads), for comparison."""
        self._crashes("crash_threads", ["http.front=threads"])

    def _crashes(self, key, defines):
        o = self.options
        if not os.path.exists(self.faulty):
            raise BenchError(f"{self.faulty} is missing: build fixture_faulty (run.sh does)")
        log(f"crashes under load: {o.crashes} crashes, {o.connections} connections "
            f"{' '.join(defines)}")
        server = self.start_host(key, {"1.0.0": self.hello}, defines,
                                 others={"faulty_1.0.0.so": self.faulty})
        server.wait_for_hello()
        bound = 30 + 10 * o.crashes  # wrk is stopped when the crashes are done
        wrk = self.wrk_start(server, o.connections, bound)
        section_started = time.monotonic()
        time.sleep(1)
        crashes = []
        try:
            for number in range(o.crashes):
                result = self.crash_once(server)
                crashes.append(result)
                log(f"crash {number + 1}/{o.crashes}: outage {result['outage_ms']:.1f} ms "
                    f"(probes {result['probes']['sent']}, refused {result['probes']['refused']})"
                    f", faulty ready {result['ready_after_unquarantine_ms']:.1f} ms after "
                    "unquarantine")
                time.sleep(0.5)  # wrk's connections come back and run before the next crash
        finally:
            if wrk.poll() is None:
                wrk.send_signal(signal.SIGINT)  # wrk stops and reports what it counted
        figures = self.wrk_figures(server, wrk, 60)
        seconds = time.monotonic() - section_started
        status, text = http("GET", server.base + "/metrics", timeout=10)
        supervisor = {}
        for line in (text if isinstance(text, str) else "").splitlines():
            found = re.match(r"^(mvi_supervisor_\w+) ([0-9.eE+-]+)$", line)
            if found:
                supervisor[found.group(1)] = float(found.group(2))
        server.stop()
        outages = [c["outage_ms"] for c in crashes]
        errors = sum(figures["errors"].values())
        self.report[key] = {
            "crashes": len(crashes), "connections": o.connections, "seconds": seconds,
            "outage_ms": {"p50": percentile(outages, 0.5), "p99": percentile(outages, 0.99),
                          "max": max(outages)},
            "requests": figures["requests"],
            "requests_per_second": figures["requests"] / (figures["duration_us"] / 1e6),
            "wrk_errors": figures["errors"], "failed_requests": errors,
            "failed_per_crash": errors / len(crashes),
            "probes_refused": sum(c["probes"]["refused"] for c in crashes),
            "probes_closed": sum(c["probes"]["closed"] for c in crashes),
            "probes_sent": sum(c["probes"]["sent"] for c in crashes),
            "ready_after_unquarantine_ms": statistics.median(
                c["ready_after_unquarantine_ms"] for c in crashes),
            "supervisor": supervisor, "runs": crashes}

    def monitor_section(self):
        """Requests/s of a monitored entrypoint in each monitoring durability, beside the same
        entrypoint unmonitored; interleaved rounds like the contenders, at each connection count
        of --monitor-connections. Afterwards, the values each host stored (counted in its
        database) and what its /~ready says about values it could not write."""
        o = self.options
        monitored = self._stripped(
            os.path.join(self.build, "tools", "bench", "bench_monitored_hello.so"))
        log("monitored entrypoint: unmonitored, queued, durable")
        hosts = {
            "unmonitored": self.start_host("monitor-none", {"1.0.0": self.quiet_hello}),
            "queued": self.start_host("monitor-queued", {"1.0.0": monitored},
                                      ["monitor.durability=queued"]),
            "durable": self.start_host("monitor-durable", {"1.0.0": monitored},
                                       ["monitor.durability=durable"]),
        }
        for server in hosts.values():
            server.wait_for_hello()
        results = {"by_connections": {}}
        for connections in o.monitor_connections:
            results["by_connections"][str(connections)] = self.interleave(
                hosts, connections, o.duration, o.rounds)
        health = {}
        for name, server in hosts.items():
            status, ready = http("GET", server.base + "/~ready")
            health[name] = ready.get("monitoring") if isinstance(ready, dict) else None
            server.stop()
            database = os.path.join(server.data_dir, "mvi.db")
            with contextlib.closing(sqlite3.connect(database)) as connection:
                health[name]["stored_calls"] = connection.execute(
                    "SELECT COUNT(*) FROM monitor_values WHERE variable = 'hello_request'"
                ).fetchone()[0]
        results["monitoring"] = health
        self.report["monitor"] = results

    def swap_section(self):
        self._swaps("swap", [])

    def swap_threads_section(self):
        """The swap section through the threads front (http.front=threads), for comparison."""
        self._swaps("swap_threads", ["http.front=threads"])

    def _swaps(self, key, defines):
        o = self.options
        log(f"swaps under load (mvi-reload-bench, {o.swap_duration} s) {' '.join(defines)}")
        if not os.path.exists(self.reload_bench):
            raise BenchError(f"{self.reload_bench} is missing")
        report_path = os.path.join(self.workdir, f"{key}.json")
        command = [self.reload_bench, "--duration", str(o.swap_duration), "--connections",
                   str(o.connections), "--threads", str(o.wrk_threads), "--json", report_path]
        for define in defines:
            command += ["--define", define]
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=o.swap_duration + 300)
        if done.returncode != 0:
            raise BenchError(f"mvi-reload-bench failed ({done.returncode}):\n"
                             f"{done.stdout}{done.stderr}")
        with open(report_path) as source:
            swap = json.load(source)
        sockets = sum(swap["socket_errors"].values())
        swap["failed_requests"] = swap["non_2xx"] + sockets + swap["probe_failures"]
        self.report[key] = swap

    def startup_section(self):
        o = self.options
        log(f"start-up and memory with {o.startup_versions} versions, {o.startup_runs} runs each")
        startup = {}
        memory = {}
        for count in [0] + o.startup_versions:
            ready_times, listen_times, samples = [], [], []
            for run in range(o.startup_runs if count else 1):
                versions = {f"1.0.{i}": self.hello for i in range(count)}
                started = time.monotonic()
                server = self.start_host(f"startup-{count}-{run}", versions,
                                         ["logs.level=warning"], wait=False)
                wait_until_ready(server, count, deadline=120.0)
                ready_times.append(time.monotonic() - started)
                listen_times.append(server.listening_after)
                time.sleep(0.5)  # let the loader threads settle before reading /proc
                samples.append(proc_memory(server.serving_pid,
                                           os.path.join(server.data_dir, "cache")))
                server.stop()
                shutil.rmtree(server.workdir, ignore_errors=True)
            if count:
                startup[str(count)] = {"ready_s": statistics.median(ready_times),
                                       "listening_s": statistics.median(listen_times),
                                       "runs": ready_times}
            memory[str(count)] = {
                "rss_kib": statistics.median(s["rss_kib"] for s in samples),
                "library_rss_kib": statistics.median(s["library_rss_kib"] for s in samples)}
            log(f"{count:4} versions: ready {statistics.median(ready_times):.3f} s, "
                f"RSS {memory[str(count)]['rss_kib']} KiB")
        counts = sorted(int(c) for c in memory)
        low, high = counts[1] if len(counts) > 1 else 0, counts[-1]
        if high > low:
            per_version = (memory[str(high)]["rss_kib"] - memory[str(low)]["rss_kib"]) / (high - low)
            library = (memory[str(high)]["library_rss_kib"]
                       - memory[str(low)]["library_rss_kib"]) / (high - low)
            memory["per_version_kib"] = per_version
            memory["per_version_library_rss_kib"] = library
            memory["per_version_beyond_library_kib"] = per_version - library
            memory["library_file_bytes"] = os.path.getsize(self.hello)
        self.report["startup"] = startup
        self.report["memory"] = memory

    def dashboard_section(self):
        """First paint of the dashboard's services view in headless Chromium, with 100 versions
        deployed: the browser's first contentful paint, and the frame that first shows the
        services table (the page's `mvi:services-shown` mark), from navigation start."""
        count = self.options.dashboard_versions
        log(f"dashboard: first paint of the services view with {count} versions")
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError as missing:
            self.report["dashboard"] = {"skipped": f"python3-selenium is missing ({missing})"}
            return
        chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
        if not chromium or not driver:
            self.report["dashboard"] = {"skipped": "chromium and chromium-driver are missing"}
            return
        server = self.start_host("dashboard", {f"1.0.{i}": self.hello for i in range(count)},
                                 ["logs.level=warning"])
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,900"):
            options.add_argument(argument)
        browser = webdriver.Chrome(service=Service(driver), options=options)
        shown, painted, rows = [], [], 0
        try:
            for _ in range(self.options.dashboard_loads):
                browser.get("about:blank")
                browser.get(server.base + "/")
                deadline = time.monotonic() + 30
                figures = None
                while time.monotonic() < deadline:
                    figures = browser.execute_script(
                        "const m = performance.getEntriesByName('mvi:services-shown');"
                        "const p = performance.getEntriesByName('first-contentful-paint');"
                        "return m.length ? [m[0].startTime, p.length ? p[0].startTime : null,"
                        " document.querySelectorAll('#services tbody tr[data-service]').length] : null;")
                    if figures:
                        break
                    time.sleep(0.02)
                if not figures:
                    raise BenchError("the dashboard did not show the services view in 30 s")
                shown.append(figures[0])
                if figures[1] is not None:
                    painted.append(figures[1])
                rows = figures[2]
        finally:
            browser.quit()
            server.stop()
        self.report["dashboard"] = {
            "versions": count, "loads": len(shown), "rows_shown": rows,
            "services_shown_ms": {"p50": statistics.median(shown), "max": max(shown)},
            "first_contentful_paint_ms": statistics.median(painted) if painted else None}
        log(f"dashboard: services view shown after {statistics.median(shown):.0f} ms (median)")

    def fleet_section(self):
        """The hello call through nginx configured by config/nginx/mvi-fleet.conf in front of 1, 2
        and 3 hosts (and one host without nginx), interleaved rounds as for the contenders; then
        the time a rolling fleet deploy of hello to the 3 hosts takes with the CLI
        (`mvi deploy --fleet`), idle and under wrk load through nginx. Every process shares the
        machine's cores: more hosts add no cores here."""
        o = self.options
        log(f"fleet: nginx in front of 1, 2 and 3 hosts; {o.rounds} rounds of {o.duration} s")
        hosts = [self.start_host(f"fleet-host-{i + 1}", {"1.0.0": self.hello}) for i in range(3)]
        servers = {"mvi-host (direct)": hosts[0]}
        for count in (1, 2, 3):
            servers[f"nginx -> {count} host{'s' if count > 1 else ''}"] = self.start_nginx(
                f"fleet-nginx-{count}", fleet=hosts[:count])
        for server in servers.values():
            server.wait_for_hello()
        results = {"through_nginx": self.interleave(servers, o.connections, o.duration, o.rounds)}
        for figures in results["through_nginx"].values():
            # CPU of nginx's process group only, not of the hosts behind it: not comparable.
            figures.pop("server_cpu_us_per_request")
        results["deploy"] = self._fleet_deploys(hosts, servers["nginx -> 3 hosts"])
        for server in self.servers:
            server.stop()
        self.report["fleet"] = results

    def _fleet_deploys(self, hosts, nginx):
        """Rolling deploys of hello to `hosts` with `mvi deploy --fleet`: with the machine idle
        and no observation (what the upload, the wait until ready and the switches take), idle
        and under wrk load through `nginx` observing each host --fleet-observe seconds (the CLI's
        default, 2). Returns their durations and the load's failed requests."""
        o = self.options
        if not os.path.exists(self.cli):
            raise BenchError(f"{self.cli} is missing: build the target mvi (run.sh does)")
        environment = dict(os.environ, MVI_CONFIG=os.path.join(self.workdir, "fleet-cli.json"))
        environment.pop("MVI_HOST", None)
        usage = subprocess.run([self.cli, "deploy", "--help"], env=environment,
                               capture_output=True, text=True).stdout
        if "--fleet" not in usage:
            return {"skipped": "this mvi has no fleet deploys (mvi deploy --fleet)"}
        added = subprocess.run([self.cli, "fleet", "add", "bench", *[h.base for h in hosts]],
                               env=environment, capture_output=True, text=True)
        if added.returncode != 0:
            raise BenchError(f"mvi fleet add failed:\n{added.stdout}{added.stderr}")
        runs = {}
        for key, version, observe, loaded in (("idle_no_observe", "2.0.0", 0, False),
                                              ("idle", "3.0.0", o.fleet_observe, False),
                                              ("under_load", "4.0.0", o.fleet_observe, True)):
            wrk = self.wrk_start(nginx, o.connections, 300) if loaded else None
            if wrk:
                time.sleep(1)  # wrk's connections are open and busy before the deploy starts
            started = time.monotonic()
            try:
                deploy = subprocess.run(
                    [self.cli, "deploy", "--fleet", "bench", "hello", version, self.hello,
                     "--observe", str(observe)],
                    env=environment, capture_output=True, text=True, timeout=600)
            finally:
                seconds = time.monotonic() - started
                if wrk is not None and wrk.poll() is None:
                    wrk.send_signal(signal.SIGINT)
            figures = self.wrk_figures(nginx, wrk, 60) if wrk is not None else None
            if deploy.returncode != 0:
                raise BenchError(f"mvi deploy --fleet failed ({deploy.returncode}):\n"
                                 f"{deploy.stdout}{deploy.stderr}")
            mains = [next((v["version"] for v in versions_of(http("GET", h.base + "/services/")[1])
                           if v.get("name") == "hello" and v.get("main")), None) for h in hosts]
            if mains != [version] * len(hosts):
                raise BenchError(f"after the fleet deploy of {version} the mains are {mains}")
            runs[key] = {"version": version, "seconds": seconds, "hosts": len(hosts),
                         "observe_s": observe}
            if figures:
                runs[key]["requests"] = figures["requests"]
                runs[key]["failed_requests"] = sum(figures["errors"].values())
            log(f"fleet deploy of hello {version} to {len(hosts)} hosts, observing {observe} s"
                f"{' under load' if loaded else ''}: {seconds:.2f} s")
        return runs

    def close(self):
        for server in self.servers:
            server.stop()
        if not self.options.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


def versions_of(listing):
    if isinstance(listing, dict):
        listing = listing.get("services", list(listing.values()))
    return [v for v in listing or [] if isinstance(v, dict)]


def fleet_snippet(text, urls, port):
    """config/nginx/mvi-fleet.conf with its upstream's example servers (127.0.0.1:8081..8083)
    replaced by one line per URL, keeping their parameters, and `listen 80;` by `port` on
    loopback (as tests/fleet/fleet_nginx_test.py rewrites it)."""
    pattern = r"^( *)server 127\.0\.0\.1:808\d( [^;]*)?;\n"
    examples = re.findall(pattern, text, re.M)
    if len(examples) != 3 or len(re.findall(r"^ *listen 80;$", text, re.M)) != 1:
        raise BenchError(f"{FLEET_SNIPPET} no longer has three example servers and `listen 80;`")
    indent, parameters = examples[0]
    servers = "".join(f"{indent}server {url.split('://', 1)[1]}{parameters};\n" for url in urls)
    first = iter([servers])  # the first example line becomes the servers, the others go
    text = re.sub(pattern, lambda _: next(first, ""), text, flags=re.M)
    return re.sub(r"^( *)listen 80;$", rf"\1listen 127.0.0.1:{port};", text, flags=re.M)


def wait_until_ready(server, count, deadline=60.0):
    """Polls GET /services/ until `count` versions are ready."""
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        status, listing = http("GET", server.base + "/services/", timeout=10)
        if status == 200:
            states = [v.get("status") for v in versions_of(listing)]
            if states.count("ready") >= count:
                return
            if "failed" in states:
                server._fail(f"a version failed to load: {listing}")
        if server.process.poll() is not None:
            server._fail(f"exited with {server.process.returncode}")
        time.sleep(0.02)
    server._fail(f"{count} versions were not ready within {deadline:.0f} s")


def summarize(results):
    """Medians over the rounds; errors are summed."""
    return {"requests_per_second": statistics.median(r["requests_per_second"] for r in results),
            "p50_ms": statistics.median(r["p50_ms"] for r in results),
            "p99_ms": statistics.median(r["p99_ms"] for r in results),
            "max_ms": max(r["max_ms"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "requests": sum(r["requests"] for r in results),
            "server_cpu_us_per_request": statistics.median(
                r["server_cpu_us_per_request"] for r in results),
            "new_connection": results[-1].get("new_connection"),
            "rounds": results}


def machine():
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        found = re.search(r"^model name\s*:\s*(.*)$", cpuinfo.read(), re.M)
        model = found.group(1) if found else platform.processor()
    with open("/proc/meminfo") as meminfo:
        total = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read()).group(1))
    os_name = ""
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as release:
            found = re.search(r'^PRETTY_NAME="?([^"\n]*)', release.read(), re.M)
            os_name = found.group(1) if found else ""
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(total / 1048576, 1),
            "os": os_name, "kernel": platform.release(),
            "load_average_at_start": os.getloadavg()}


GOALS = [
    ("mvi-host >= 0.85 x raw-poco req/s", lambda r: r["contenders"]["ratios"]["mvi-host/raw-poco"],
     lambda v: v >= 0.85, "{:.2f}x"),
    ("mvi-host >= 0.5 x nginx-static req/s (long-term)",
     lambda r: r["contenders"]["ratios"]["mvi-host/nginx-static"], lambda v: v >= 0.5, "{:.2f}x"),
    ("mvi-host >= 20 x fastapi req/s", lambda r: r["contenders"]["ratios"]["mvi-host/fastapi"],
     lambda v: v >= 20, "{:.1f}x"),
    ("mvi-host >= 1.0 x raw-poco req/s (event front)",
     lambda r: r["contenders"]["ratios"]["mvi-host/raw-poco"], lambda v: v >= 1.0, "{:.2f}x"),
    ("mvi-host >= 15 x fastapi req/s (event front)",
     lambda r: r["contenders"]["ratios"]["mvi-host/fastapi"], lambda v: v >= 15, "{:.1f}x"),
    ("newcomer answered in < 10 ms beside 10,000 connections",
     lambda r: r["concurrency"]["mvi-host"]["10000"]["new_connection"]["answer_ms"],
     lambda v: v is not None and v < 10, "{:.1f} ms"),
    ("slowloris: every slow client answered 408 and closed",
     lambda r: sum(x["clients"] - min(x["closed_by_server"], x["answered_408"])
                   for x in r["slowloris"]["slow"]), lambda v: v == 0, "{} left"),
    ("slowloris: others' p99 within 1.5 x quiet",
     lambda r: r["slowloris"]["beside_slow"]["p99_ms"] / r["slowloris"]["quiet"]["p99_ms"],
     lambda v: v <= 1.5, "{:.2f}x"),
    ("crash outage p50 <= the threads front's",
     lambda r: r["crash"]["outage_ms"]["p50"] / r["crash_threads"]["outage_ms"]["p50"],
     lambda v: v <= 1.0, "{:.2f}x"),
    ("zero failed requests during swaps", lambda r: r["swap"]["failed_requests"],
     lambda v: v == 0, "{}"),
    ("swap latency p50 < 50 ms", lambda r: r["swap"]["swap_latency_ms"]["p50"],
     lambda v: v is not None and v < 50, "{:.2f} ms"),
    ("per-version memory beyond the library < 1 MiB",
     lambda r: r["memory"]["per_version_beyond_library_kib"], lambda v: v < 1024, "{:.0f} KiB"),
    ("500 versions ready in < 5 s", lambda r: r["startup"]["500"]["ready_s"],
     lambda v: v < 5, "{:.2f} s"),
    ("dashboard services view shown < 300 ms with 100 versions",
     lambda r: r["dashboard"]["services_shown_ms"]["p50"], lambda v: v < 300, "{:.0f} ms"),
    ("no connection refused during crashes",
     lambda r: r["crash"]["probes_refused"] + r["crash"]["wrk_errors"]["connect"],
     lambda v: v == 0, "{}"),
    ("phase table and supervisor cost < 3 % of hello req/s (against --baseline-host)",
     lambda r: 1 - r["contenders"]["ratios"]["mvi-host/mvi-host-baseline"],
     lambda v: v < 0.03, "{:.1%}"),
]


def print_report(report):
    out = []
    m = report["machine"]
    out.append(f"mvi-host benchmark, {report['date']}, {m['cpu']} ({m['cores']} cores), "
               f"{m['memory_gib']} GiB, {m['os']}")
    out.append(f"load average at start {m['load_average_at_start'][0]:.2f}, "
               f"at end {report['load_average_at_end'][0]:.2f}")
    if "contenders" in report:
        c = report["contenders"]
        s = report["settings"]
        out.append("")
        out.append(f"POST {HELLO_PATH} {HELLO_BODY.decode()}, keep-alive, {s['connections']} "
                   f"connections, {s['rounds']} interleaved rounds of {s['duration']} s (medians)")
        out.append(f"{'contender':22}{'req/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
                   f"{'server CPU us/req':>19}")
        for name, figures in c.items():
            if name in ("ratios", "baseline_cpu_ratio"):
                continue
            out.append(f"{name:22}{figures['requests_per_second']:11.0f}{figures['p50_ms']:9.2f}"
                       f"{figures['p99_ms']:9.2f}{figures['errors']:8}"
                       f"{figures['server_cpu_us_per_request']:19.1f}")
        out.append("ratios (req/s): " + ", ".join(f"{k} {v:.3f}" for k, v in c["ratios"].items()))
        if "baseline_cpu_ratio" in c:
            out.append(f"mvi-host/mvi-host-baseline server CPU per request: "
                       f"{c['baseline_cpu_ratio']:.3f}")
        for name in ("mvi-host-mirror", "mvi-host-mirror-slow"):
            stats = c.get(name, {}).get("shadow_stats")
            if stats:
                out.append(f"{name}: shadow served {stats.get('mirrored')} copies "
                           f"({stats.get('mirror_errors')} mirror errors)")
    if "concurrency" in report:
        conc = report["concurrency"]
        levels = report["settings"]["concurrency"]
        out.append("")
        out.append("requests/s (errors) by connection count, "
                   f"{report['settings']['concurrency_duration']} s each")
        out.append(f"{'server':24}" + "".join(f"{'c=' + str(l):>18}" for l in levels))
        for name, by_level in conc.items():
            if name == "memory_at_end_kib":
                continue
            cells = [f"{by_level[str(l)]['requests_per_second']:.0f} ({by_level[str(l)]['errors']})"
                     for l in levels]
            out.append(f"{name:24}" + "".join(f"{cell:>18}" for cell in cells))
            probes = [by_level[str(l)].get("new_connection") or {} for l in levels]
            cells = [("-" if not p else "no answer" if p["answer_ms"] is None
                      else f"{p['answer_ms']:.1f} ms") + f" {p.get('server_threads') or ''}t"
                     for p in probes]
            out.append(f"{'  newcomer, threads':24}" + "".join(f"{c:>18}" for c in cells))
    if "slowloris" in report:
        slow = report["slowloris"]
        out.append("")
        out.append(f"wrk {report['settings']['connections']} connections beside "
                   f"{slow['slow_clients']} slowloris clients (head deadline "
                   f"{slow['head_deadline_s']} s), medians")
        for name in ("quiet", "beside_slow"):
            f = slow[name]
            out.append(f"  {name:12}{f['requests_per_second']:10.0f} req/s  p50 {f['p50_ms']:.2f} ms"
                       f"  p99 {f['p99_ms']:.2f} ms  errors {f['errors']}")
        for number, r in enumerate(slow["slow"], 1):
            after = r["closed_after_s"] or {}
            out.append(f"  round {number}: {r['closed_by_server']}/{r['clients']} closed by the "
                       f"server, {r['answered_408']} with 408, after "
                       f"{after.get('min', 0):.1f}/{after.get('p50', 0):.1f}/"
                       f"{after.get('max', 0):.1f} s (min/p50/max)")
    if "monitor" in report:
        mon = report["monitor"]
        s = report["settings"]
        out.append("")
        out.append(f"monitored entrypoint (hello, its arguments and answer stored on every call), "
                   f"{s['rounds']} interleaved rounds of {s['duration']} s (medians)")
        out.append(f"{'connections':13}{'mode':13}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
                   f"{'errors':>8}{'server CPU us/req':>19}")
        for connections, modes in mon["by_connections"].items():
            for mode, figures in modes.items():
                out.append(f"{connections:13}{mode:13}{figures['requests_per_second']:9.0f}"
                           f"{figures['p50_ms']:9.2f}{figures['p99_ms']:9.2f}"
                           f"{figures['errors']:8}{figures['server_cpu_us_per_request']:19.1f}")
        for mode in ("queued", "durable"):
            h = mon["monitoring"].get(mode) or {}
            out.append(f"{mode}: {h.get('stored_calls')} calls stored, refused "
                       f"{h.get('refused_calls')}, failed batches {h.get('failed_batches')}")
    for key, label in (("swap", ""), ("swap_threads", ", threads front")):
        if key not in report:
            continue
        w = report[key]
        lat = w["swap_latency_ms"]
        out.append("")
        out.append(f"swaps under load{label}: {w['swaps']} swaps in {w['duration_seconds']} s, "
                   f"latency p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms; "
                   f"{w['requests_per_second']:.0f} req/s; failed requests {w['failed_requests']} "
                   f"(non-2xx {w['non_2xx']}, socket {sum(w['socket_errors'].values())}, "
                   f"probe {w['probe_failures']})")
    if "startup" in report:
        out.append("")
        out.append("start-up (to every version ready): " + ", ".join(
            f"{n} versions {f['ready_s']:.3f} s (listening {f['listening_s']:.3f} s)"
            for n, f in report["startup"].items()))
        mem = report["memory"]
        out.append("memory (RSS): " + ", ".join(
            f"{n} versions {v['rss_kib'] / 1024:.1f} MiB" for n, v in mem.items()
            if isinstance(v, dict)))
        if "per_version_kib" in mem:
            out.append(f"per loaded version: {mem['per_version_kib']:.0f} KiB, of which the "
                       f"library's mappings {mem['per_version_library_rss_kib']:.0f} KiB, beyond "
                       f"them {mem['per_version_beyond_library_kib']:.0f} KiB (library file "
                       f"{mem['library_file_bytes'] / 1024:.0f} KiB)")
    for key, label in (("crash", ""), ("crash_threads", ", threads front")):
        if key not in report:
            continue
        k = report[key]
        sup = k["supervisor"]
        out.append("")
        out.append(f"crashes under load{label} ({k['connections']} connections, hello): "
                   f"{k['crashes']} "
                   f"crashes in {k['seconds']:.1f} s, {k['requests_per_second']:.0f} req/s")
        out.append(f"  outage (crash call sent -> hello answered on a new connection): "
                   f"p50 {k['outage_ms']['p50']:.1f} ms, p99 {k['outage_ms']['p99']:.1f} ms, "
                   f"max {k['outage_ms']['max']:.1f} ms")
        out.append(f"  failed requests {k['failed_requests']} ({k['failed_per_crash']:.1f} per "
                   "crash; wrk: " + ", ".join(f"{kind} {n}" for kind, n in k["wrk_errors"].items())
                   + ")")
        out.append(f"  connections refused: probes {k['probes_refused']} of {k['probes_sent']}, "
                   f"wrk connect errors {k['wrk_errors']['connect']}")
        out.append(f"  faulty ready again {k['ready_after_unquarantine_ms']:.1f} ms after "
                   "unquarantine (median)")
        out.append(f"  supervisor (/metrics): restarts "
                   f"{sup.get('mvi_supervisor_restarts_total', 0):.0f}, last outage "
                   f"{sup.get('mvi_supervisor_last_outage_seconds', 0):.3f} s, outage total "
                   f"{sup.get('mvi_supervisor_outage_seconds_total', 0):.3f} s")
    if "dashboard" in report:
        d = report["dashboard"]
        out.append("")
        if "skipped" in d:
            out.append(f"dashboard: skipped ({d['skipped']})")
        else:
            fcp = d["first_contentful_paint_ms"]
            out.append(f"dashboard, {d['versions']} versions, headless Chromium, {d['loads']} "
                       f"loads: services view shown after {d['services_shown_ms']['p50']:.0f} ms "
                       f"(median; max {d['services_shown_ms']['max']:.0f} ms), first contentful "
                       f"paint {'-' if fcp is None else f'{fcp:.0f} ms'}")
    if "fleet" in report:
        fleet = report["fleet"]
        s = report["settings"]
        m = report["machine"]
        out.append("")
        out.append(f"fleet: POST {HELLO_PATH} through nginx (config/nginx/mvi-fleet.conf), "
                   f"{s['connections']} connections, {s['rounds']} interleaved rounds of "
                   f"{s['duration']} s (medians)")
        out.append(f"  the hosts, nginx and wrk share this machine's {m['cores']} cores: more "
                   "hosts add no cores here")
        out.append(f"  {'path':22}{'req/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for name, figures in fleet["through_nginx"].items():
            out.append(f"  {name:22}{figures['requests_per_second']:11.0f}"
                       f"{figures['p50_ms']:9.2f}{figures['p99_ms']:9.2f}{figures['errors']:8}")
        deploy = fleet["deploy"]
        if "skipped" in deploy:
            out.append(f"  rolling fleet deploy: skipped ({deploy['skipped']})")
        for key, label in (("idle_no_observe", "idle"), ("idle", "idle"),
                           ("under_load", "under wrk load through nginx")):
            if key not in deploy:
                continue
            d = deploy[key]
            line = (f"  rolling fleet deploy of hello to {d['hosts']} hosts ({label}, observing "
                    f"each host {d['observe_s']:g} s): {d['seconds']:.2f} s")
            if "failed_requests" in d:
                line += f"; {d['requests']} requests, {d['failed_requests']} failed"
            out.append(line)
    out.append("")
    out.append("goals:")
    for label, value, met, shape in GOALS:
        try:
            figure = value(report)
        except (KeyError, TypeError):
            continue
        out.append(f"  [{'met ' if met(figure) else 'MISS'}] {label}: {shape.format(figure)}")
    print("\n".join(out))


def parse_options(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True, help="a configured and built build folder")
    parser.add_argument("--quick", action="store_true", help="short runs (a minute or two)")
    parser.add_argument("--json", help="report file (default: BUILD_DIR/bench-results.json)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (5; quick 2)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (5; quick 2)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--mirror-threads", type=int, default=2)
    parser.add_argument("--concurrency", type=lambda t: [int(x) for x in t.split(",")],
                        default=[1, 32, 256, 1024, 10000])
    parser.add_argument("--concurrency-duration", type=int, help="seconds per level (5; quick 2)")
    parser.add_argument("--swap-duration", type=int, help="seconds of swaps (20; quick 5)")
    parser.add_argument("--startup-versions", type=lambda t: [int(x) for x in t.split(",")],
                        default=[1, 100, 500])
    parser.add_argument("--startup-runs", type=int, help="runs per version count (3; quick 1)")
    parser.add_argument("--sections",
                        default="contenders,concurrency,slowloris,monitor,swap,swap_threads,"
                        "startup,crash,crash_threads,dashboard,fleet",
                        help="comma-separated subset of contenders,concurrency,slowloris,monitor,"
                        "swap,swap_threads,startup,crash,crash_threads,dashboard,fleet (or smoke: "
                        "each piece answers once)")
    parser.add_argument("--slow-clients", type=int, default=1000,
                        help="slowloris clients of the slowloris section")
    parser.add_argument("--monitor-connections", type=lambda t: [int(x) for x in t.split(",")],
                        default=[1, 32], help="connection counts of the monitor section")
    parser.add_argument("--contenders", type=lambda t: t.split(","),
                        help="comma-separated subset of the contenders (default: all)")
    parser.add_argument("--baseline-host", help="another mvi-host binary, measured as the "
                        "contender mvi-host-baseline (e.g. a build of an earlier commit)")
    parser.add_argument("--crashes", type=int, help="crashes in the crash section (20; quick 10)")
    parser.add_argument("--dashboard-versions", type=int, default=100,
                        help="versions deployed for the dashboard section")
    parser.add_argument("--dashboard-loads", type=int, help="page loads (10; quick 3)")
    parser.add_argument("--fleet-observe", type=float, default=2,
                        help="seconds the fleet deploy observes each host (the CLI's default, 2)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args(argv)
    quick = options.quick
    for name, full, short in (("duration", 5, 2), ("rounds", 5, 2),
                              ("concurrency_duration", 5, 2), ("swap_duration", 20, 5),
                              ("startup_runs", 3, 1), ("crashes", 20, 10),
                              ("dashboard_loads", 10, 3)):
        if getattr(options, name) is None:
            setattr(options, name, short if quick else full)
    options.sections = options.sections.split(",")
    options.probe_new_connection = False
    if options.json is None:
        options.json = os.path.join(options.build_dir, "bench-results.json")
    return options


def main(argv):
    options = parse_options(argv)
    # Thousands of connections: wrk, the servers and the slow clients inherit the hard limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if shutil.which("wrk") is None:
        print("bench: wrk was not found (apt-get install wrk)", file=sys.stderr)
        return 69
    bench = Bench(options)
    try:
        for section in options.sections:
            getattr(bench, f"{section}_section")()
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 70
    finally:
        bench.close()
    bench.report["load_average_at_end"] = os.getloadavg()
    with open(options.json, "w") as output:
        json.dump(bench.report, output, indent=2)
    print_report(bench.report)
    log(f"figures written to {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
