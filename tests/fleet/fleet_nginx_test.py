"""A fleet of three mvi-hosts behind nginx, configured by config/nginx/mvi-fleet.conf itself.

The test writes a top-level nginx.conf of its own (pid, logs and temporary folders in a temporary
folder, `daemon off`) whose http block includes the example snippet, rewritten only where a
machine's addresses go: its upstream lists the test's three hosts (each on a free loopback port,
with a plugins and a data folder of its own, serving hello 1.0.0) and its server listens on a free
loopback port. Traffic goes through nginx with wrk (fleet_traffic.lua counts every answer's
status), while the `mvi` CLI deploys to the fleet:

- run 1: under traffic, a rolling fleet deploy of a new version of hello, then a fleet assign of
  the previous version (all hosts at once) and of the new one again (host by host): not one
  request fails (no socket error, no answer other than 2xx), and every host ends with the new
  version as main;
- run 2: a fleet deploy with a long observation window; once the first host has switched, another
  host is killed (kill -9 of its process group: supervisor and serving process). The CLI exits
  non-zero and names the killed host unreachable, the living hosts are both on the previous main
  (the switched one rolled back), and nginx keeps answering: most requests of the run succeed
  and every request after the kill does;
- then a version's log followed through nginx (`~logs?follow=true`) shows a line as soon as the
  service logs it: nginx does not buffer streamed answers;
- with auth on (three more hosts), a client that logs in through nginx is refused by the other
  hosts with the snippet as it is, and with its `hash $remote_addr consistent;` line uncommented
  (as the file says to with auth on) every call of that client is answered; with its TLS lines
  uncommented too (a throw-away certificate), the same client over HTTPS gets every call
  answered and its token cookie marked Secure.

Run by CTest with Debian's /usr/bin/python3 (standard library only) and the environment variables
MVI_HOST_BINARY, MVI_CLI_BINARY and MVI_PLUGINS_DIR (the built example plugins). Exits 77
(skipped) where nginx or wrk is not installed (tools/setup/install-deps.sh installs both).
"""

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
SNIPPET = HERE.parents[1] / "config" / "nginx" / "mvi-fleet.conf"
TRAFFIC_SCRIPT = HERE / "fleet_traffic.lua"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk")
if not os.access(NGINX, os.X_OK) or WRK is None:
    print("skipped: nginx (nginx-light) and wrk are needed")
    sys.exit(77)

DEADLINE = 60
FLEET = "test-fleet"
SERVICE = "hello"
CONNECTIONS = 4


def wait_for(condition, what, deadline=DEADLINE):
    """Waits until `condition()` is truthy and returns its value."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def http(method, url, body=None, timeout=10):
    """One request; returns (status, decoded JSON or text). Status 0: no answer."""
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    except OSError:
        return 0, None
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def stop_group(process, deadline=20):
    """SIGTERM to a process started in a session of its own, then SIGKILL to what is left of its
    process group (an mvi-host's serving process, nginx's workers)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Host:
    """One mvi-host on a free loopback port, in a folder of its own, serving hello 1.0.0
    (started by the constructor, serving once `wait_until_ready` returns)."""

    def __init__(self, folder, plugin, arguments=()):
        self.folder = folder
        plugins = folder / "plugins"
        plugins.mkdir(parents=True)
        shutil.copyfile(plugin, plugins / f"{SERVICE}_1.0.0.so")
        self.log = folder / "host.log"
        with open(self.log, "wb") as output:
            self.process = subprocess.Popen(
                [os.environ["MVI_HOST_BINARY"], "--host", "127.0.0.1", "--port", "0",
                 "--plugins-dir", str(plugins), "--data-dir", str(folder / "data"), *arguments],
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_ready(self):
        """Waits until the host listens and answers /~ready 200; sets `url`."""
        found = wait_for(self._listening, f"mvi-host in {self.folder} to listen")
        self.url = found.group(1)
        wait_for(lambda: http("GET", self.url + "/~ready")[0] == 200, f"{self.url}/~ready")

    def _listening(self):
        if self.process.poll() is not None:
            raise AssertionError(f"mvi-host exited with {self.process.returncode}:\n"
                                 + self.log.read_text(errors="replace"))
        return re.search(r"mvi-host listening on (http://\S+)",
                         self.log.read_text(errors="replace"))

    def services(self):
        status, listing = http("GET", self.url + "/services/")
        return listing if status == 200 else None

    def main_version(self):
        """The version of hello marked main in GET /services/ (None: no answer)."""
        listing = self.services()
        if listing is None:
            return None
        return next((v["version"] for v in listing if v["name"] == SERVICE and v["main"]), None)

    def hello_requests(self):
        """Calls served by every version of hello on this host."""
        return sum(v["stats"]["requests"] for v in self.services() if v["name"] == SERVICE)

    def kill(self):
        """kill -9 of the whole process group: the supervisor and its serving process."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class Nginx:
    """nginx from Debian serving config/nginx/mvi-fleet.conf with the test's hosts and port."""

    def __init__(self, folder, hosts, sticky=False, tls=None):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir()
        snippet = folder / "mvi-fleet.conf"
        if tls is not None:
            self.tls_port = free_port()
            self.tls_url = f"https://127.0.0.1:{self.tls_port}"
            tls = (*tls, self.tls_port)
        snippet.write_text(
            fleet_snippet(SNIPPET.read_text(), [h.url for h in hosts], self.port, sticky, tls))
        config = folder / "nginx.conf"
        config.write_text(f"""\
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;

events {{
    worker_connections 1024;
}}

http {{
    log_format fleet '$request $status upstream $upstream_addr $upstream_status';
    access_log {folder}/access.log fleet;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {snippet};
}}
""")
        checked = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(config),
                                  "-e", str(folder / "error.log")],
                                 capture_output=True, text=True)
        if checked.returncode != 0:
            raise AssertionError(f"nginx -t refused the configuration:\n{checked.stderr}")
        self.process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def wait_until_ready(self):
        wait_for(lambda: http("GET", self.url + "/~ready")[0] == 200, "nginx to answer /~ready")

    def errors(self):
        path = self.folder / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def fleet_snippet(text, urls, port, sticky=False, tls=None):
    """The snippet with its upstream's example servers (127.0.0.1:8081..8083) replaced by one line
    per URL, keeping their parameters, and `listen 80;` by the test's port; with `sticky`, its
    `hash $remote_addr consistent;` line uncommented; with `tls` (certificate, key, port), its
    TLS lines uncommented, listening on that port with that certificate. Fails when the snippet
    no longer has the lines this rewrites."""
    if tls is not None:
        certificate, key, tls_port = tls
        replaced = {
            "listen 443 ssl http2;": f"listen 127.0.0.1:{tls_port} ssl http2;",
            "ssl_certificate /etc/ssl/certs/mvi.example.com.pem;": f"ssl_certificate {certificate};",
            "ssl_certificate_key /etc/ssl/private/mvi.example.com.key;":
                f"ssl_certificate_key {key};",
            "ssl_protocols TLSv1.2 TLSv1.3;": "ssl_protocols TLSv1.2 TLSv1.3;",
            "ssl_session_cache shared:mvi_tls:10m;": "ssl_session_cache shared:mvi_tls:10m;",
            "proxy_cookie_flags mvi_token secure;": "proxy_cookie_flags mvi_token secure;",
            "proxy_cookie_flags daeploy secure;": "proxy_cookie_flags daeploy secure;",
        }
        for commented, line in replaced.items():
            text, count = re.subn(rf"^( *)# {re.escape(commented)}$", rf"\g<1>{line}", text,
                                  flags=re.M)
            if count != 1:
                raise AssertionError(f"{SNIPPET} no longer has `# {commented}`")
    if sticky:
        text, count = re.subn(r"^( *)# (hash \$remote_addr consistent;)$", r"\1\2", text,
                              flags=re.M)
        if count != 1:
            raise AssertionError(f"{SNIPPET} no longer has `# hash $remote_addr consistent;`")
    examples = re.findall(r"^( *)server 127\.0\.0\.1:808\d( [^;]*)?;\n", text, re.M)
    if len(examples) != 3 or len(re.findall(r"^ *listen 80;$", text, re.M)) != 1:
        raise AssertionError(f"{SNIPPET} no longer has three example servers and `listen 80;`")
    indent, parameters = examples[0]
    servers = "".join(f"{indent}server {url[len('http://'):]}{parameters};\n" for url in urls)
    first = iter([servers])  # the first example line becomes the servers, the others go
    text = re.sub(r"^ *server 127\.0\.0\.1:808\d( [^;]*)?;\n", lambda _: next(first, ""), text,
                  flags=re.M)
    return re.sub(r"^( *)listen 80;$", rf"\1listen 127.0.0.1:{port};", text, flags=re.M)


class Traffic:
    """wrk driving the hello call through nginx for at most `seconds`, stopped early by
    `finish()` (SIGINT: wrk stops and reports what it counted)."""

    def __init__(self, url, seconds):
        self.process = subprocess.Popen(
            [WRK, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "-s",
             str(TRAFFIC_SCRIPT), url + f"/services/{SERVICE}/hello"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def running(self):
        return self.process.poll() is None

    def finish(self, early=True):
        """The figures of the run; `early` stops it now, otherwise it runs its whole duration."""
        if early and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        stdout, stderr = self.process.communicate(timeout=DEADLINE)
        line = next((l for l in stdout.splitlines() if l.startswith("fleet-wrk ")), None)
        if line is None:
            raise AssertionError(f"wrk printed no figures ({self.process.returncode}):\n"
                                 f"{stdout}{stderr}")
        figures = json.loads(line[len("fleet-wrk "):])
        figures["socket_errors"] = sum(
            figures["errors"][kind] for kind in ("connect", "read", "write", "timeout"))
        figures["failed"] = figures["socket_errors"] + figures["non_2xx"]
        return figures

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Fleet(unittest.TestCase):
    """Three hosts, nginx in front, and the CLI with a configuration file of its own."""

    @classmethod
    def setUpClass(cls):
        cls.folder = pathlib.Path(tempfile.mkdtemp(prefix="mvi-fleet-"))
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)
        cls.plugin = pathlib.Path(os.environ["MVI_PLUGINS_DIR"]) / "hello.so"
        cls.hosts = []
        for name in ("a", "b", "c"):
            host = Host(cls.folder / name, cls.plugin)
            cls.addClassCleanup(stop_group, host.process)
            cls.hosts.append(host)
        for host in cls.hosts:
            host.wait_until_ready()
        cls.nginx = Nginx(cls.folder / "nginx", cls.hosts)
        cls.addClassCleanup(stop_group, cls.nginx.process)
        cls.nginx.wait_until_ready()
        cls.environment = dict(os.environ, MVI_CONFIG=str(cls.folder / "cli.json"))
        cls.environment.pop("MVI_HOST", None)
        fleet_add(cls, [h.url for h in cls.hosts])

    @classmethod
    def mvi(cls, *arguments, timeout=DEADLINE * 2):
        return subprocess.run([os.environ["MVI_CLI_BINARY"], *arguments], env=cls.environment,
                              capture_output=True, text=True, timeout=timeout)

    def traffic(self, seconds):
        traffic = Traffic(self.nginx.url, seconds)
        self.addCleanup(traffic.stop)
        return traffic

    def diagnostics(self, cli_output=""):
        return (f"\nCLI output:\n{cli_output}\nnginx error log:\n{self.nginx.errors()}\n"
                f"mains: {[h.main_version() for h in self.hosts if h.process.poll() is None]}")

    def test_1_a_rolling_deploy_under_traffic_fails_no_request(self):
        before = [h.hello_requests() for h in self.hosts]
        traffic = self.traffic(seconds=90)
        # Traffic flows before the deploy starts.
        wait_for(lambda: sum(h.hello_requests() for h in self.hosts) > sum(before) + 100,
                 "traffic through nginx")
        deploy = fleet_deploy(self, "2.0.0", self.plugin, observe=1)
        output = deploy.stdout + deploy.stderr
        self.assertEqual(deploy.returncode, 0, self.diagnostics(output))
        self.assertEqual([h.main_version() for h in self.hosts], ["2.0.0"] * 3, output)
        # Back to 1.0.0 on every host at once, then forward again host by host, by assigning.
        for version, all_at_once in (("1.0.0", True), ("2.0.0", False)):
            assign = fleet_assign(self, version, observe=1, all_at_once=all_at_once)
            output += assign.stdout + assign.stderr
            self.assertEqual(assign.returncode, 0, self.diagnostics(output))
            self.assertEqual([h.main_version() for h in self.hosts], [version] * 3, output)
        self.assertTrue(traffic.running(), "wrk stopped before the deploy and assigns were over")
        figures = traffic.finish()
        self.assertGreater(figures["requests"], 0, figures)
        self.assertEqual(figures["socket_errors"], 0, f"{figures}{self.diagnostics(output)}")
        self.assertEqual(figures["non_2xx"], 0, f"{figures}{self.diagnostics(output)}")
        for host in self.hosts:
            self.assertEqual(host.main_version(), "2.0.0", host.url)
        # nginx spread the calls over every host.
        for host, served in zip(self.hosts, before):
            self.assertGreater(host.hello_requests(), served, host.url)

    def test_2_a_host_killed_during_a_deploy_is_reported_and_nginx_keeps_answering(self):
        first, killed, other = self.hosts
        previous = first.main_version()
        self.assertEqual(previous, other.main_version())
        self.assertEqual(previous, killed.main_version())
        served = first.hello_requests()
        traffic = self.traffic(seconds=90)
        wait_for(lambda: first.hello_requests() > served + 100, "traffic through nginx")
        output_path = self.folder / "deploy-2.out"
        with open(output_path, "w") as output:
            deploy = fleet_deploy(self, "3.0.0", self.plugin, observe=20, output=output)
        self.addCleanup(lambda: deploy.poll() is None and deploy.kill())
        wait_for(lambda: first.main_version() == "3.0.0" or deploy.poll() is not None,
                 f"{first.url} to switch to 3.0.0")
        self.assertIsNone(deploy.poll(), output_path.read_text())
        killed.kill()
        deploy.wait(timeout=DEADLINE * 2)
        self.assertTrue(traffic.running(), "wrk stopped before the deploy was over")
        during = traffic.finish()
        output = output_path.read_text()
        print(f"\nmvi deploy --fleet while {killed.url} was killed:\n{output}", file=sys.stderr)
        # Requests in flight to the killed host may fail; most requests succeed.
        self.assertGreater(during["requests"], 0, during)
        print(f"through nginx during the deploy: {during}", file=sys.stderr)
        self.assertLess(during["failed"], during["requests"] * 0.05,
                        f"{during}{self.diagnostics(output)}")
        # After the kill, nginx answers every request (the killed host refuses connections, and a
        # request that never reached a host is tried on the next one).
        after = self.traffic(seconds=2).finish(early=False)
        print(f"through nginx after the kill: {after}", file=sys.stderr)
        self.assertGreater(after["requests"], 0, after)
        self.assertEqual(after["failed"], 0, f"{after}{self.diagnostics(output)}")
        self.assertEqual(http("GET", self.nginx.url + "/~ready")[0], 200)
        # The CLI reports the killed host, and the living hosts are consistent: the switched one
        # was rolled back, the other was never switched.
        self.assertNotEqual(deploy.returncode, 0, self.diagnostics(output))
        self.assertTrue(
            any(killed.url in line and "unreachable" in line for line in output.splitlines()),
            f"the CLI does not name {killed.url} unreachable{self.diagnostics(output)}")
        self.assertEqual(first.main_version(), previous, self.diagnostics(output))
        self.assertEqual(other.main_version(), previous, self.diagnostics(output))


    def test_3_a_followed_log_streams_through_nginx_as_it_is_written(self):
        living = [h for h in self.hosts if h.process.poll() is None]
        url = self.nginx.url + f"/services/~logs?name={SERVICE}&tail=0&follow=true"
        with urllib.request.urlopen(url, timeout=10) as stream:
            # One call on every host: whichever host nginx chose for the stream logs one of them,
            # and nginx passes the line on at once (proxy_buffering off), not when a buffer fills
            # or the stream ends.
            marker = f"streamed-{os.getpid()}"
            for host in living:
                status, _ = http("POST", host.url + f"/services/{SERVICE}/hello",
                                 json.dumps({"name": marker}).encode())
                self.assertEqual(status, 200, host.url)
            try:
                for line in stream:
                    if marker.encode() in line:
                        break
            except TimeoutError:
                self.fail("the log line did not come through nginx within 10 s: buffered")

class AuthFleet(unittest.TestCase):
    """Three hosts with auth on behind nginx: a client logs in through nginx and calls with its
    token, as the original platform's client does."""

    CALLS = 30

    @classmethod
    def setUpClass(cls):
        cls.folder = pathlib.Path(tempfile.mkdtemp(prefix="mvi-fleet-auth-"))
        cls.addClassCleanup(shutil.rmtree, cls.folder, ignore_errors=True)
        plugin = pathlib.Path(os.environ["MVI_PLUGINS_DIR"]) / "hello.so"
        # One administrator's password for the fleet (auth.admin_password_file), as an operator
        # would set it: a login through nginx works whichever host answers it.
        password_file = cls.folder / "admin_password"
        password_file.write_text("fleet-admin-password\n")
        password_file.chmod(0o600)
        cls.hosts = []
        for name in ("a", "b", "c"):
            host = Host(cls.folder / name, plugin,
                        ["-Dauth.enabled=true", f"-Dauth.admin_password_file={password_file}"])
            cls.addClassCleanup(stop_group, host.process)
            cls.hosts.append(host)
        for host in cls.hosts:
            host.wait_until_ready()

    def answers_through(self, sticky, tls=False):
        """Logs in through nginx (the snippet, sticky or not; with `tls`, over HTTPS with its TLS
        lines on), then calls hello CALLS times with the token; returns the statuses of the calls
        (and with `tls`, the login's Set-Cookie header too)."""
        name = f"nginx-{'sticky' if sticky else 'spread'}{'-tls' if tls else ''}"
        context = None
        certificate = None
        if tls:
            certificate = make_certificate(self.folder / f"{name}-certificate")
            context = ssl.create_default_context(cafile=str(certificate[0]))
        nginx = Nginx(self.folder / name, self.hosts, sticky, certificate)
        self.addCleanup(stop_group, nginx.process)
        nginx.wait_until_ready()
        base = nginx.tls_url if tls else nginx.url
        form = urllib.parse.urlencode({"username": "admin",
                                       "password": "fleet-admin-password"}).encode()
        request = urllib.request.Request(base + "/auth/login", data=form, method="POST")
        request.add_header("Accept", "application/json")
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            token = json.loads(answer.read())["token"]
            cookie = answer.headers.get("Set-Cookie", "")
        statuses = []
        for _ in range(self.CALLS):
            request = urllib.request.Request(base + f"/services/{SERVICE}/hello",
                                             data=b'{"name": "Bob"}', method="POST")
            request.add_header("Content-Type", "application/json")
            request.add_header("Authorization", f"Bearer {token}")
            try:
                with urllib.request.urlopen(request, timeout=10, context=context) as answer:
                    statuses.append(answer.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
        return (statuses, cookie) if tls else statuses

    def test_a_token_is_refused_by_the_hosts_that_did_not_issue_it(self):
        statuses = self.answers_through(sticky=False)
        self.assertIn(401, statuses, "nginx sent every call to the host that issued the token")
        self.assertIn(200, statuses, statuses)

    def test_with_the_hash_line_every_call_reaches_the_host_that_issued_the_token(self):
        statuses = self.answers_through(sticky=True)
        self.assertEqual(statuses, [200] * self.CALLS)

    def test_with_tls_at_nginx_every_call_is_answered_and_the_cookie_is_secure(self):
        statuses, cookie = self.answers_through(sticky=True, tls=True)
        self.assertEqual(statuses, [200] * self.CALLS)
        self.assertIn("mvi_token=", cookie)
        self.assertIn("Secure", cookie)


def make_certificate(folder):
    """A throw-away self-signed certificate for 127.0.0.1 made with openssl: (cert, key)."""
    folder.mkdir(parents=True)
    certificate, key = folder / "nginx.pem", folder / "nginx.key"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(certificate)], capture_output=True, text=True)
    if made.returncode != 0:
        raise AssertionError(f"openssl could not make a certificate:\n{made.stderr}")
    return certificate, key


# --- the fleet commands of the CLI --------------------------------------------------------------


def fleet_add(case, urls):
    """`mvi fleet add FLEET URL...`: the hosts in their rolling order."""
    added = case.mvi("fleet", "add", FLEET, *urls)
    if added.returncode != 0:
        raise AssertionError(f"mvi fleet add failed:\n{added.stdout}{added.stderr}")


def fleet_assign(case, version, observe, all_at_once=False):
    """`mvi assign --fleet FLEET hello VERSION --observe S --yes [--all-at-once]`."""
    return case.mvi("assign", "--fleet", FLEET, SERVICE, version, "--observe", str(observe),
                    "--yes", *(["--all-at-once"] if all_at_once else []))


def fleet_deploy(case, version, source, observe, output=None):
    """`mvi deploy --fleet FLEET hello VERSION SOURCE --observe S`: uploads to every host, then
    makes the version main host by host. Returns the finished run, or with `output` (a file for
    its output) the running process."""
    command = [os.environ["MVI_CLI_BINARY"], "deploy", "--fleet", FLEET, SERVICE, version,
               str(source), "--observe", str(observe)]
    if output is None:
        return subprocess.run(command, env=case.environment, capture_output=True, text=True,
                              timeout=DEADLINE * 2)
    return subprocess.Popen(command, env=case.environment, stdout=output,
                            stderr=subprocess.STDOUT, text=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
