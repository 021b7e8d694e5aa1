"""The original platform's client (Daeploy's CLI and SDK) against a real mvi-host.

Every request here is sent the way that client sends it: the same routes, form fields versus
JSON bodies, query strings, headers and cookie names, redirects followed where python-requests
follows them; and every assertion is about what that client reads from the answer. The host is
started with authentication on, on a free loopback port, serving real plugins.

Run by CTest with the environment variables MVI_HOST_BINARY, MVI_PLUGINS_DIR (the built example
plugins) and MVI_FIXTURES_DIR (the built fixture plugins).
"""

import datetime
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import unittest

import requests

ADMIN_PASSWORD = "compat-secret-123"
DEADLINE_SECONDS = 60


class Host:
    """One mvi-host process with auth on, in a folder of its own."""

    def __init__(self, plugins):
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="mvi-compat-"))
        self.plugins = self.folder / "plugins"
        self.plugins.mkdir()
        for source, name in plugins:
            shutil.copy(source, self.plugins / name)
        self.process = subprocess.Popen(
            [
                os.environ["MVI_HOST_BINARY"],
                "--port", "0",
                "--plugins-dir", str(self.plugins),
                "--data-dir", str(self.folder / "data"),
                "--define", "auth.enabled=true",
                "--define", "auth.admin_password=" + ADMIN_PASSWORD,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for line in self.process.stdout:
            if line.startswith("mvi-host listening on "):
                self.url = line.strip()[len("mvi-host listening on "):]
                break
        else:
            raise RuntimeError("mvi-host did not start")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


HOST = None


def setUpModule():
    global HOST
    plugins_dir = pathlib.Path(os.environ["MVI_PLUGINS_DIR"])
    fixtures_dir = pathlib.Path(os.environ["MVI_FIXTURES_DIR"])
    HOST = Host(
        [
            (plugins_dir / "hello.so", "hello_1.0.0.so"),
            (plugins_dir / "sentiment.so", "sentiment_1.0.0.so"),
            # A name whose only version fails to load.
            (fixtures_dir / "fixture_register_fails.so", "broken_1.0.0.so"),
        ]
    )


def tearDownModule():
    HOST.stop()


def cli_login(username="admin", password=ADMIN_PASSWORD):
    """`daeploy login`: a form POST in a session that follows redirects; the token is the
    `daeploy` cookie. Returns the session's final answer and the token (None if absent)."""
    with requests.Session() as session:
        answer = session.post(
            HOST.url + "/auth/login", data={"username": username, "password": password}
        )
        return answer, session.cookies.get("daeploy")


def admin_token():
    answer, token = cli_login()
    answer.raise_for_status()
    return token


def bearer(token):
    """The header the CLI sends with every request (an empty token when none is stored)."""
    return {"Authorization": "Bearer " + token}


def cli_time(text):
    """How the CLI reads a time of the inspection (cliutils.get_list_values_from_inspection)."""
    return datetime.datetime.strptime(text.split(".")[0], "%Y-%m-%dT%H:%M:%S")


def cli_ls(token, name, version=None):
    """`daeploy ls NAME [VERSION]`: the list, then the inspection of each listed version."""
    services = requests.get(HOST.url + "/services/", headers=bearer(token))
    services.raise_for_status()
    rows = []
    for service in services.json():
        if service["name"] != name or (version and service["version"] != version):
            continue
        inspection = requests.get(
            HOST.url + "/services/~inspection",
            params={"name": service["name"], "version": service["version"]},
            headers=bearer(token),
        )
        inspection.raise_for_status()
        state = inspection.json()["State"]
        since = cli_time(state["StartedAt"] if state["Running"] else state["FinishedAt"])
        rows.append((service["main"], service["name"], service["version"], state["Status"], since))
    return rows


def wait_until(condition, what):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def make_tarball(folder):
    """The CLI's make_tarball: the folder added with an empty name, beside the folder."""
    source = pathlib.Path(folder).resolve()
    path = source.with_suffix(".tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        tar.add(source, arcname="")
    return path


def deploy_tar(token, name, version, tarball, run_args='{"environment": {}}'):
    """`daeploy deploy NAME VERSION ./folder`: the multipart upload of the newer CLI (the older
    one sends no run_args)."""
    fields = {"name": name, "version": version, "port": 8000}
    if run_args is not None:
        fields["run_args"] = run_args
    with open(tarball, "rb") as file:
        return requests.post(
            HOST.url + "/services/~tar",
            headers=bearer(token),
            files={"file": ("filename", file, "application/x-gzip")},
            data=fields,
        )


class Login(unittest.TestCase):
    def test_a_password_login_gives_the_daeploy_cookie(self):
        answer, token = cli_login()
        # What the CLI's session ends with (after any redirect): not an error status.
        self.assertLess(answer.status_code, 400, answer.text)
        self.assertTrue(token)
        # From then on the CLI sends it as a bearer token.
        verified = requests.get(HOST.url + "/auth/verify", headers=bearer(token))
        self.assertEqual(verified.status_code, 200)

    def test_the_login_sets_one_daeploy_cookie_for_every_path(self):
        answer = requests.post(
            HOST.url + "/auth/login",
            data={"username": "admin", "password": ADMIN_PASSWORD},
            allow_redirects=False,
        )
        cookies = [c for c in answer.cookies if c.name == "daeploy"]
        self.assertEqual(len(cookies), 1)
        self.assertEqual(cookies[0].path, "/")

    def test_a_browser_or_a_destination_is_sent_on_with_303(self):
        form = {"username": "admin", "password": ADMIN_PASSWORD}
        from_browser = requests.post(
            HOST.url + "/auth/login",
            data=form,
            headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
            allow_redirects=False,
        )
        self.assertEqual(from_browser.status_code, 303)
        self.assertEqual(from_browser.headers["Location"], "/")
        with requests.Session() as session:
            followed = session.post(
                HOST.url + "/auth/login", params={"destination": "/services/"}, data=form
            )
            self.assertEqual([step.status_code for step in followed.history], [303])
            # The cookie alone opens the destination.
            self.assertEqual(followed.status_code, 200)
            self.assertIsInstance(followed.json(), list)
        elsewhere = requests.post(
            HOST.url + "/auth/login",
            params={"destination": "//example.com/"},
            data=form,
            allow_redirects=False,
        )
        self.assertEqual(elsewhere.status_code, 422)

    def test_a_wrong_password_gives_no_cookie_and_an_error_status(self):
        answer, token = cli_login(password="not-the-password")
        self.assertIsNone(token)
        self.assertEqual(answer.status_code, 401)
        self.assertIn("detail", answer.json())

    def test_no_stored_token_is_refused_with_401(self):
        # The CLI's check before every command sends `Bearer ` with nothing after it.
        answer = requests.get(HOST.url + "/auth/verify", headers=bearer(""))
        self.assertEqual(answer.status_code, 401)

    def test_verify_accepts_the_cookie_alone(self):
        token = admin_token()
        answer = requests.get(HOST.url + "/auth/verify", cookies={"daeploy": token})
        self.assertEqual(answer.status_code, 200)

    def test_the_login_page_has_the_form_the_original_had(self):
        answer = requests.get(HOST.url + "/auth/login", params={"destination": "/services/"})
        self.assertEqual(answer.headers["Content-Type"].split(";")[0], "text/html")
        self.assertIn('method="post"', answer.text)
        self.assertIn('action="/auth/login?destination=%2Fservices%2F"', answer.text)
        self.assertIn('name="username"', answer.text)
        self.assertIn('name="password"', answer.text)

    def test_a_browser_logout_clears_the_cookie_and_ends_the_token(self):
        token = admin_token()
        answer = requests.get(
            HOST.url + "/auth/logout", cookies={"daeploy": token}, allow_redirects=False
        )
        self.assertEqual(answer.status_code, 303)
        self.assertEqual(answer.headers["Location"], "/")
        self.assertIn("daeploy=;", answer.headers["Set-Cookie"])
        verified = requests.get(HOST.url + "/auth/verify", headers=bearer(token))
        self.assertEqual(verified.status_code, 401)

    def test_version_answers_json(self):
        # `daeploy --version` prints response.json().
        answer = requests.get(HOST.url + "/~version", headers=bearer(admin_token()))
        self.assertEqual(answer.status_code, 200)
        self.assertIn("version", answer.json())


class Tokens(unittest.TestCase):
    def test_token_without_days_never_expires_and_is_listed_and_revocable(self):
        token = admin_token()
        # `daeploy token`: the days go in a JSON body, null when not given.
        made = requests.post(
            HOST.url + "/auth/token", json={"expire_in_days": None}, headers=bearer(token)
        )
        self.assertEqual(made.status_code, 200)
        api_token, api_id = made.json()["Token"], made.json()["Id"]
        self.assertIsNone(made.json()["expires_at"])
        self.assertEqual(
            requests.get(HOST.url + "/auth/verify", headers=bearer(api_token)).status_code, 200
        )

        ids = requests.get(HOST.url + "/auth/token", headers=bearer(token)).json()
        self.assertIn(api_id, ids)
        self.assertTrue(all(isinstance(i, str) for i in ids))

        revoked = requests.delete(
            HOST.url + "/auth/token", params={"uuid": api_id}, headers=bearer(token)
        )
        self.assertEqual(revoked.status_code, 200)
        self.assertEqual(revoked.json(), "OK")
        self.assertEqual(
            requests.get(HOST.url + "/auth/verify", headers=bearer(api_token)).status_code, 401
        )
        self.assertNotIn(api_id, requests.get(HOST.url + "/auth/token", headers=bearer(token)).json())
        again = requests.delete(
            HOST.url + "/auth/token", params={"uuid": api_id}, headers=bearer(token)
        )
        self.assertEqual(again.status_code, 410)
        self.assertIn("detail", again.json())

    def test_token_with_days_expires_after_them_from_the_body_or_the_query(self):
        token = admin_token()
        now = datetime.datetime.now(datetime.timezone.utc)
        from_body = requests.post(
            HOST.url + "/auth/token", json={"expire_in_days": 5}, headers=bearer(token)
        )
        from_query = requests.post(
            HOST.url + "/auth/token", params={"expire_in_days": 5}, headers=bearer(token)
        )
        for made in (from_body, from_query):
            self.assertEqual(made.status_code, 200, made.text)
            self.assertTrue(made.json()["Token"])
            expires = datetime.datetime.fromisoformat(made.json()["expires_at"].replace("Z", "+00:00"))
            self.assertAlmostEqual((expires - now).total_seconds(), 5 * 86400, delta=600)


class Deploy(unittest.TestCase):
    def setUp(self):
        self.token = admin_token()
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="mvi-compat-service-")) / "my_service"
        self.folder.mkdir()
        shutil.copy(pathlib.Path(os.environ["MVI_PLUGINS_DIR"]) / "hello.so", self.folder)
        (self.folder / "README.md").write_text("the hello service\n")
        (self.folder / "src").mkdir()
        (self.folder / "src" / "notes.txt").write_text("sources are not needed\n")

    def tearDown(self):
        shutil.rmtree(self.folder.parent, ignore_errors=True)

    def kill(self, name, version):
        requests.delete(
            HOST.url + "/services/",
            json={"name": name, "version": version},
            params={"remove_image": True},
            headers=bearer(self.token),
        )

    def test_a_folder_tarred_as_the_cli_does_deploys_and_lists(self):
        tarball = make_tarball(self.folder)
        with tarfile.open(tarball) as tar:
            # The archive's first member is the folder itself, named "/".
            self.assertEqual(tar.getmembers()[0].name.rstrip("/"), "")
            self.assertTrue(tar.getmembers()[0].isdir())
        deployed = deploy_tar(self.token, "greeter", "1.0.0", tarball)
        self.assertLess(deployed.status_code, 300, deployed.text)
        self.addCleanup(self.kill, "greeter", "1.0.0")

        rows = cli_ls(self.token, "greeter", "1.0.0")
        self.assertEqual(len(rows), 1)
        main, name, version, status, since = rows[0]
        self.assertIs(main, True)
        self.assertEqual((name, version, status), ("greeter", "1.0.0", "running"))
        self.assertLess(abs((datetime.datetime.utcnow() - since).total_seconds()), 600)

        # The SDK's call_service: a JSON body and a Host header of its own.
        answer = requests.post(
            HOST.url + "/services/greeter/hello",
            json={"name": "Ada"},
            headers={**bearer(self.token), "Host": "localhost"},
        )
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json(), "Hello Ada")

    def test_the_older_cli_without_run_args_deploys_too(self):
        deployed = deploy_tar(self.token, "greeter_old", "0.1.0", make_tarball(self.folder), None)
        self.assertLess(deployed.status_code, 300, deployed.text)
        self.addCleanup(self.kill, "greeter_old", "0.1.0")

    def test_an_existing_version_is_a_conflict(self):
        tarball = make_tarball(self.folder)
        self.assertLess(deploy_tar(self.token, "twice", "1.0.0", tarball).status_code, 300)
        self.addCleanup(self.kill, "twice", "1.0.0")
        again = deploy_tar(self.token, "twice", "1.0.0", tarball)
        self.assertEqual(again.status_code, 409)
        self.assertIn("detail", again.json())

    def test_container_ways_of_deploying_answer_501_naming_the_supported_ways(self):
        run_args = {"environment": {"A": "1"}}
        requests_the_cli_sends = [
            ("/services/~image", {"json": {"name": "x", "version": "1.0.0", "port": 8000,
                                           "image": "repo/image:tag", "run_args": run_args}}),
            ("/services/~git", {"json": {"name": "x", "version": "1.0.0", "port": 8000,
                                         "git_url": "https://example.invalid/x.git",
                                         "run_args": run_args}}),
            ("/services/~upload-image", {"files": {"image": ("tmpimage.tar", b"\0" * 2048,
                                                             "application/x-gzip")}}),
            ("/services/~pickle", {"data": {"name": "x", "version": "1.0.0", "port": 8000,
                                            "requirements": ["numpy"]},
                                   "files": {"file": ("service.pkl", b"pickle", "application/octet-stream")}}),
        ]
        for route, body in requests_the_cli_sends:
            with self.subTest(route=route):
                answer = requests.post(HOST.url + route, headers=bearer(self.token), **body)
                self.assertEqual(answer.status_code, 501)
                self.assertIn("/services/~tar", answer.json()["detail"])

    def test_assign_then_kill_all_versions(self):
        tarball = make_tarball(self.folder)
        for version in ("1.0.0", "1.1.0"):
            self.assertLess(deploy_tar(self.token, "pair", version, tarball).status_code, 300)
        assigned = requests.put(
            HOST.url + "/services/~assign",
            json={"name": "pair", "version": "1.1.0"},
            headers=bearer(self.token),
        )
        self.assertEqual(assigned.status_code, 200)
        mains = [row for row in cli_ls(self.token, "pair") if row[0]]
        self.assertEqual([row[2] for row in mains], ["1.1.0"])
        # `kill --all`: the shadows first, then the main.
        for version in ("1.0.0", "1.1.0"):
            killed = requests.delete(
                HOST.url + "/services/",
                json={"name": "pair", "version": version},
                params={"remove_image": True},
                headers=bearer(self.token),
            )
            self.assertEqual(killed.status_code, 200, killed.text)
        self.assertEqual(cli_ls(self.token, "pair"), [])


class Logs(unittest.TestCase):
    def test_logs_of_a_name_whose_only_version_failed(self):
        token = admin_token()
        services = requests.get(HOST.url + "/services/", headers=bearer(token)).json()
        broken = [s for s in services if s["name"] == "broken"]
        # `daeploy logs broken` takes the version of the entry marked main.
        version = [s for s in broken if s["main"] is True][0]["version"]
        self.assertEqual(version, "1.0.0")
        rows = cli_ls(token, "broken")
        self.assertEqual(rows[0][3], "failed")
        answer = requests.get(
            HOST.url + "/services/~logs/",
            params={"name": "broken", "version": version, "tail": 50, "follow": False},
            headers=bearer(token),
            stream=True,
        )
        self.assertEqual(answer.status_code, 200)
        text = "\n".join(line.decode() for line in answer.iter_lines())
        self.assertIn("failed to load", text)

    def test_every_listed_name_has_exactly_one_main(self):
        token = admin_token()
        services = requests.get(HOST.url + "/services/", headers=bearer(token)).json()
        for name in {s["name"] for s in services}:
            mains = [s for s in services if s["name"] == name and s["main"] is True]
            self.assertEqual(len(mains), 1, name)

    def test_a_service_log_since_a_time_with_a_space(self):
        token = admin_token()
        since = str(datetime.datetime.utcnow() - datetime.timedelta(hours=1))
        answer = requests.get(
            HOST.url + "/services/~logs/",
            params={"name": "hello", "tail": 50, "follow": False, "since": since},
            headers=bearer(token),
        )
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertIn("loaded from", answer.text)

    def test_the_hosts_own_log(self):
        token = admin_token()
        since = str(datetime.datetime.utcnow() - datetime.timedelta(days=1))
        recent = requests.get(HOST.url + "/logs/", params={"since": since}, headers=bearer(token))
        self.assertEqual(recent.status_code, 200)
        self.assertEqual(recent.headers["Content-Type"].split(";")[0], "text/plain")
        self.assertIn("loaded hello 1.0.0", recent.text)
        streamed = requests.get(
            HOST.url + "/logs/stream",
            params={"tail": 5, "follow": False, "since": since},
            headers=bearer(token),
        )
        self.assertEqual(streamed.status_code, 200)
        self.assertEqual(len(streamed.text.splitlines()), 5)
        self.assertEqual(streamed.headers["X-Content-Type-Options"], "nosniff")

    def test_following_the_hosts_log_shows_new_lines(self):
        token = admin_token()
        with requests.get(
            HOST.url + "/logs/stream",
            params={"tail": 0, "follow": True},
            headers=bearer(token),
            stream=True,
            timeout=DEADLINE_SECONDS,
        ) as answer:
            self.assertEqual(answer.status_code, 200)
            # Something the host logs: a version loaded from a file dropped in.
            shutil.copy(HOST.plugins / "hello_1.0.0.so", HOST.plugins / "followed_1.0.0.so")
            self.addCleanup(lambda: (HOST.plugins / "followed_1.0.0.so").unlink(missing_ok=True))
            for line in answer.iter_lines():
                if b"loaded followed 1.0.0" in line:
                    break
            else:
                self.fail("the stream ended without the line")

    def test_unauthenticated_log_reads_are_refused(self):
        self.assertEqual(requests.get(HOST.url + "/logs/").status_code, 401)


class Notifications(unittest.TestCase):
    def test_the_sdks_notify_is_listed_with_its_counter(self):
        token = admin_token()
        body = {
            "service_name": "hello",
            "service_version": "1.0.0",
            "msg": "from the original SDK",
            "severity": 1,
            "dashboard": True,
            "emails": None,
            "timer": 0,
            "timestamp": str(datetime.datetime.utcnow()),
        }
        headers = {**bearer(token), "Host": "localhost"}
        for _ in range(2):
            sent = requests.post(HOST.url + "/notifications/", json=body, headers=headers)
            self.assertLess(sent.status_code, 300, sent.text)
        listed = requests.get(HOST.url + "/notifications/", headers=bearer(token)).json()
        ours = [n for n in listed.values() if n["msg"] == "from the original SDK"]
        self.assertEqual(len(ours), 1)
        self.assertEqual(ours[0]["counter"], 2)
        self.assertEqual(ours[0]["severity"], 1)


class Monitor(unittest.TestCase):
    def test_repeated_variables_each_return_their_series(self):
        token = admin_token()
        called = requests.post(
            HOST.url + "/services/sentiment/classify",
            json={"text": "a good day"},
            headers=bearer(token),
        )
        self.assertEqual(called.status_code, 200)
        url = HOST.url + "/services/sentiment/~monitor"
        wait_until(lambda: len(requests.get(url, headers=bearer(token)).json()) >= 2,
                   "two monitored variables")
        names = sorted(requests.get(url, headers=bearer(token)).json())[:2]
        # FastAPI's list form, as the original's clients send it.
        answer = requests.get(
            url + "?" + "&".join("variables=" + n for n in names), headers=bearer(token)
        )
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(sorted(answer.json()), names)
        for series in answer.json().values():
            self.assertEqual(sorted(series), ["timestamp", "value"])
            self.assertEqual(len(series["timestamp"]), len(series["value"]))
        unknown = requests.get(url, params={"variables": "nothing"}, headers=bearer(token))
        self.assertEqual(unknown.status_code, 412)


class Environment(unittest.TestCase):
    def setUp(self):
        self.token = admin_token()
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="mvi-compat-env-")) / "env_service"
        self.folder.mkdir()
        shutil.copy(
            pathlib.Path(os.environ["MVI_FIXTURES_DIR"]) / "fixture_environment.so", self.folder
        )

    def tearDown(self):
        requests.delete(
            HOST.url + "/services/",
            json={"name": "envsvc", "version": "1.0.0"},
            headers=bearer(self.token),
        )
        shutil.rmtree(self.folder.parent, ignore_errors=True)

    def test_deploy_with_environment_variables_reaches_the_service(self):
        # `daeploy deploy -e GREETING="hi there" -e EMPTY= envsvc 1.0.0 ./folder`.
        run_args = json.dumps({"environment": {"GREETING": "hi there", "EMPTY": ""}})
        deployed = deploy_tar(self.token, "envsvc", "1.0.0", make_tarball(self.folder), run_args)
        self.assertLess(deployed.status_code, 300, deployed.text)

        def call(entrypoint, body):
            answer = requests.post(
                HOST.url + "/services/envsvc/" + entrypoint, json=body, headers=bearer(self.token)
            )
            self.assertEqual(answer.status_code, 200, answer.text)
            return answer.json()

        self.assertEqual(call("at_registration", {}), "hi there")
        self.assertEqual(call("env", {"name": "GREETING"}), "hi there")
        self.assertEqual(call("env", {"name": "EMPTY"}), "")
        self.assertIsNone(call("env", {"name": "PATH"}))

        inspection = requests.get(
            HOST.url + "/services/~inspection",
            params={"name": "envsvc", "version": "1.0.0"},
            headers=bearer(self.token),
        )
        self.assertEqual(inspection.status_code, 200)
        self.assertEqual(sorted(inspection.json()["Config"]["Env"]), ["EMPTY=", "GREETING=hi there"])

    def test_environment_that_is_not_strings_is_refused_and_deploys_nothing(self):
        run_args = json.dumps({"environment": {"COUNT": 3}})
        refused = deploy_tar(self.token, "envsvc", "1.0.0", make_tarball(self.folder), run_args)
        self.assertEqual(refused.status_code, 422)
        self.assertIn("detail", refused.json())
        names = [s["name"] for s in requests.get(HOST.url + "/services/", headers=bearer(self.token)).json()]
        self.assertNotIn("envsvc", names)


class Users(unittest.TestCase):
    """`daeploy user add/ls/update/rm`: JSON bodies `{"password"}` on /admin/user/NAME; the CLI
    fails on any error status."""

    def setUp(self):
        self.admin = admin_token()

    def tearDown(self):
        requests.delete(HOST.url + "/admin/user/alice", headers=bearer(self.admin))

    def users(self, token):
        return requests.get(HOST.url + "/admin/user/", headers=bearer(token))

    def test_the_administrator_adds_lists_updates_and_removes_a_user(self):
        added = requests.post(
            HOST.url + "/admin/user/alice", json={"password": "alice-pass-1"},
            headers=bearer(self.admin),
        )
        self.assertLess(added.status_code, 400, added.text)
        listed = self.users(self.admin)
        self.assertEqual(listed.status_code, 200)
        self.assertIn("alice", listed.json())
        self.assertIn("admin", listed.json())
        again = requests.post(
            HOST.url + "/admin/user/alice", json={"password": "alice-pass-1"},
            headers=bearer(self.admin),
        )
        self.assertEqual(again.status_code, 409)

        # Alice logs in with the CLI, calls and lists, but may not manage users.
        answer, alice = cli_login("alice", "alice-pass-1")
        self.assertEqual(answer.status_code, 200)
        self.assertTrue(alice)
        self.assertEqual(requests.get(HOST.url + "/services/", headers=bearer(alice)).status_code, 200)
        refused = self.users(alice)
        self.assertEqual(refused.status_code, 403)
        self.assertIn("detail", refused.json())

        # Her token list holds her tokens only; the administrator's is not hers to revoke.
        made = requests.post(HOST.url + "/auth/token", json={"expire_in_days": None},
                             headers=bearer(alice))
        self.assertEqual(made.status_code, 200)
        admin_made = requests.post(HOST.url + "/auth/token", json={"expire_in_days": None},
                                   headers=bearer(self.admin)).json()["Id"]
        hers = requests.get(HOST.url + "/auth/token", headers=bearer(alice)).json()
        self.assertIn(made.json()["Id"], hers)
        self.assertNotIn(admin_made, hers)
        self.assertIn(made.json()["Id"], requests.get(HOST.url + "/auth/token",
                                                      headers=bearer(self.admin)).json())
        self.assertNotEqual(
            requests.delete(HOST.url + "/auth/token", params={"uuid": admin_made},
                            headers=bearer(alice)).status_code, 200)
        self.assertEqual(requests.get(HOST.url + "/auth/token",
                                      headers=bearer(self.admin)).status_code, 200)
        self.assertIn(admin_made, requests.get(HOST.url + "/auth/token",
                                               headers=bearer(self.admin)).json())

        # A new password ends her tokens; the new one logs in.
        updated = requests.put(
            HOST.url + "/admin/user/alice", json={"password": "alice-pass-2"},
            headers=bearer(self.admin),
        )
        self.assertLess(updated.status_code, 400, updated.text)
        self.assertEqual(requests.get(HOST.url + "/auth/verify", headers=bearer(alice)).status_code, 401)
        self.assertEqual(cli_login("alice", "alice-pass-1")[1], None)
        answer, alice = cli_login("alice", "alice-pass-2")
        self.assertTrue(alice)

        removed = requests.delete(HOST.url + "/admin/user/alice", headers=bearer(self.admin))
        self.assertLess(removed.status_code, 400, removed.text)
        self.assertEqual(requests.get(HOST.url + "/auth/verify", headers=bearer(alice)).status_code, 401)
        self.assertNotIn("alice", self.users(self.admin).json())
        self.assertEqual(
            requests.delete(HOST.url + "/admin/user/alice", headers=bearer(self.admin)).status_code, 404)

    def test_the_administrator_cannot_be_removed_and_bad_passwords_are_refused(self):
        removed = requests.delete(HOST.url + "/admin/user/admin", headers=bearer(self.admin))
        self.assertEqual(removed.status_code, 403)
        self.assertIn("detail", removed.json())
        short = requests.post(HOST.url + "/admin/user/alice", json={"password": "short"},
                              headers=bearer(self.admin))
        self.assertEqual(short.status_code, 422)
        self.assertIn("detail", short.json())
        self.assertNotIn("alice", self.users(self.admin).json())


if __name__ == "__main__":
    unittest.main(verbosity=2)
