"""The dashboard in a real headless Chromium against a real mvi-host with auth on.

A person's steps: log in through the login form, see the example services, make a version main,
kill a shadow, deploy a file through the upload control (and a broken one, whose reason shows),
set a parameter (a wrong type shows the host's 422 inline), follow a log while the service is
called, see a notification and clear it, plot a monitored variable. Screenshots of the views go
to MVI_ARTIFACTS_DIR.

Needs Debian's chromium, chromium-driver and python3-selenium (tools/setup/install-deps.sh
installs them); without them the test exits with 77, which CTest reports as skipped.
"""

import os
import pathlib
import shutil
import tempfile
import unittest

from browser_support import start_browser, start_host, stop, wait_for

import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

PASSWORD = "dashboard-secret-1"
ARTIFACTS = pathlib.Path(os.environ.get("MVI_ARTIFACTS_DIR", tempfile.gettempdir())) / "dashboard"


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        plugins = pathlib.Path(os.environ["MVI_PLUGINS_DIR"]).resolve()
        cls.plugins_dir = plugins
        cls.folder = pathlib.Path(tempfile.mkdtemp(prefix="mvi-dashboard-"))
        cls.host_plugins = cls.folder / "plugins"
        cls.host_plugins.mkdir()
        shutil.copy(plugins / "hello.so", cls.host_plugins / "hello_1.0.0.so")
        shutil.copy(plugins / "hello.so", cls.host_plugins / "hello_1.1.0.so")
        shutil.copy(plugins / "calculator.so", cls.host_plugins / "calculator_1.0.0.so")
        shutil.copy(plugins / "sentiment.so", cls.host_plugins / "sentiment_1.0.0.so")
        cls.host, cls.url = start_host(
            cls.host_plugins, cls.folder / "data", "--define", "auth.enabled=true",
            "--define", "auth.admin_password=" + PASSWORD)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        cls.browser = start_browser("1280,900")
        cls.browser.implicitly_wait(0)
        cls.log_in()

    @classmethod
    def tearDownClass(cls):
        stop(cls.browser, cls.host, cls.folder)

    @classmethod
    def log_in(cls):
        browser = cls.browser
        browser.get(cls.url + "/")
        wait_for(lambda: "/auth/login" in browser.current_url, "the login form")
        browser.find_element(By.NAME, "username").send_keys("admin")
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(lambda: browser.find_elements(By.ID, "services"), "the services view")

    def screenshot(self, name):
        self.browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))

    def go(self, hash_):
        self.browser.get(self.url + "/" + hash_)

    def token(self):
        return self.browser.get_cookie("mvi_token")["value"]

    def api(self, method, path, **kwargs):
        return requests.request(method, self.url + path,
                                headers={"Authorization": "Bearer " + self.token()}, **kwargs)

    def row(self, svc):
        rows = self.browser.find_elements(By.CSS_SELECTOR, f'tr[data-service="{svc}"]')
        return rows[0] if rows else None

    def in_row(self, svc, expression, *more):
        """`expression` (JavaScript, of `row`) for the row of `svc`, read in one step: the table
        is rebuilt at every poll, so an element found earlier may be gone by the next call."""
        return self.browser.execute_script(
            "const row = document.querySelector(`tr[data-service='${arguments[0]}']`);"
            f"return row ? ({expression}) : null;", svc, *more)

    def log_text(self):
        """The log view's text, read in one step: the view may replace its element while it
        loads, so an element found earlier can go stale."""
        return self.browser.execute_script(
            "const log = document.getElementById('log'); return log ? log.innerText : '';")

    def status_of(self, svc):
        return self.in_row(svc, "row.querySelector('[data-status]').innerText")

    def role_of(self, svc):
        return self.in_row(svc, "row.querySelectorAll(':scope > td')[2].innerText")

    def click_in_row(self, svc, label):
        # Found and clicked in two steps (a confirm() dialog blocks the page's script), again
        # when the table was rebuilt in between.
        for _ in range(5):
            button = wait_for(lambda: self.in_row(
                svc, "[...row.querySelectorAll('button')].find((b) => b.innerText === arguments[1])"
                " || null", label), f"the {label} button of {svc}")
            try:
                button.click()
                return
            except StaleElementReferenceException:
                continue
        raise AssertionError(f"the {label} button of {svc} kept changing")

    def test_01_services_are_listed_with_their_state(self):
        self.go("#/services")
        wait_for(lambda: self.status_of("calculator_1.0.0") == "ready", "calculator ready")
        self.assertEqual(self.status_of("hello_1.0.0"), "ready")
        self.assertEqual(self.role_of("hello_1.0.0"), "main")
        self.assertEqual(self.role_of("hello_1.1.0"), "shadow")
        self.screenshot("services")

    def test_02_assign_moves_the_main(self):
        self.go("#/services")
        wait_for(lambda: self.row("hello_1.1.0"), "hello 1.1.0 listed")
        self.click_in_row("hello_1.1.0", "Make main")
        self.browser.switch_to.alert.accept()
        wait_for(lambda: self.role_of("hello_1.1.0") == "main", "1.1.0 main")
        self.assertEqual(self.role_of("hello_1.0.0"), "shadow")

    def test_03_a_shadow_is_killed_and_a_refusal_is_shown(self):
        self.go("#/services")
        wait_for(lambda: self.role_of("hello_1.1.0") == "main", "1.1.0 main")
        # The main of a name with shadows cannot be killed: the host's refusal is shown.
        self.click_in_row("hello_1.1.0", "Kill")
        self.browser.switch_to.alert.accept()
        toast = wait_for(lambda: [t for t in self.browser.find_elements(By.CSS_SELECTOR, "#toast div")
                                  if "Kill refused" in t.text], "the refusal")
        self.assertIn("403", toast[0].text)
        self.click_in_row("hello_1.0.0", "Kill")
        self.browser.switch_to.alert.accept()
        wait_for(lambda: self.row("hello_1.0.0") is None, "hello 1.0.0 gone")
        self.assertEqual(self.status_of("hello_1.1.0"), "ready")

    def upload(self, path, name, version):
        self.go("#/services")
        form = wait_for(lambda: self.browser.find_elements(By.CSS_SELECTOR, "form.panel"), "the deploy form")[0]
        for field, value in (("name", name), ("version", version)):
            form.find_element(By.NAME, field).clear()
            form.find_element(By.NAME, field).send_keys(value)
        form.find_element(By.NAME, "file").send_keys(str(path))
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        return wait_for(lambda: [r for r in self.browser.find_elements(By.CSS_SELECTOR, ".deploy-result")
                                 if r.text and not r.text.startswith("Uploading")], "the deploy result")[0]

    def test_04_a_file_deployed_by_the_upload_control_serves(self):
        result = self.upload(self.plugins_dir / "hello.so", "uploaded", "2.0.0")
        self.assertIn("uploaded 2.0.0 deployed: ready", result.text)
        wait_for(lambda: self.status_of("uploaded_2.0.0") == "ready", "uploaded ready")
        answer = self.api("POST", "/services/uploaded/hello", json={"name": "Ann"})
        self.assertEqual(answer.json(), "Hello Ann")
        # The host's counters reach the table by themselves, per version and per entrypoint.
        wait_for(lambda: self.row("uploaded_2.0.0").find_elements(By.XPATH, "./td")[6].text == "1",
                 "the call counted")
        # The details stay open across the table's refreshes.
        self.in_row("uploaded_2.0.0", "row.querySelector('summary').click()")
        wait_for(lambda: "POST hello" in (self.in_row(
            "uploaded_2.0.0", "row.querySelector('table.entrypoints').innerText") or ""),
                 "the entrypoint's line")
        self.screenshot("deployed")

    def test_05_a_broken_file_shows_why(self):
        broken = self.folder / "broken.so"
        broken.write_bytes(b"this is not a shared library")
        result = self.upload(broken, "broken", "1.0.0")
        self.assertIn("Not deployed (422)", result.text)
        self.assertIn("neither a plugin (an ELF .so file) nor a .tar.gz", result.text)

    def test_06_a_parameter_is_set_and_a_wrong_type_shows_the_422(self):
        self.go("#/parameters/calculator_1.0.0")
        form = wait_for(lambda: self.browser.find_elements(By.CSS_SELECTOR, 'form[data-parameter="max_values"]'),
                        "the parameter form")[0]
        field = form.find_element(By.NAME, "max_values")
        field.clear()
        field.send_keys('"many"')
        form.find_element(By.TAG_NAME, "button").click()
        problem = wait_for(lambda: self.browser.find_element(By.ID, "parameter-max_values-error").text,
                           "the inline error")
        self.assertIn("integer", problem)
        self.screenshot("parameters")
        field.clear()
        field.send_keys("12")
        form.find_element(By.TAG_NAME, "button").click()
        wait_for(lambda: self.api("GET", "/services/calculator/~parameters/max_values").json() == 12,
                 "the new value")
        self.assertEqual(self.browser.find_element(By.ID, "parameter-max_values-error").text, "")

    def test_07_a_followed_log_shows_a_new_line(self):
        self.go("#/logs?name=hello&version=1.1.0&follow=true")
        wait_for(lambda: self.browser.find_elements(By.ID, "log"), "the log view")
        wait_for(lambda: "following" in self.browser.find_element(By.CSS_SELECTOR, "main p.muted").text,
                 "the follow to start")
        self.api("POST", "/services/hello/hello", json={"name": "Followed Person"})
        wait_for(lambda: "Followed Person" in self.log_text(), "the new line")
        self.screenshot("logs")
        # Searching narrows the loaded lines.
        search = self.browser.find_element(By.NAME, "search")
        search.send_keys("Followed Person")
        wait_for(lambda: all("Followed Person" in line for line in self.log_text().splitlines()),
                 "the search")

    def test_08_the_hosts_log_is_readable(self):
        self.go("#/logs")
        wait_for(lambda: self.browser.find_elements(By.ID, "log"), "the log view")
        wait_for(lambda: "loaded calculator 1.0.0" in self.log_text(), "a host line")

    def test_09_a_notification_appears_and_is_cleared(self):
        self.api("POST", "/services/hello/hello", json={"name": "World"})
        self.go("#/notifications")
        wait_for(lambda: [n for n in self.browser.find_elements(By.CSS_SELECTOR, ".notification")
                          if "greet the World" in n.text], "the notification")
        wait_for(lambda: self.browser.find_element(By.ID, "notification-count").text != "", "the count")
        self.screenshot("notifications")
        self.browser.find_element(By.XPATH, "//button[text()='Clear all']").click()
        self.browser.switch_to.alert.accept()
        wait_for(lambda: not self.browser.find_elements(By.CSS_SELECTOR, ".notification"), "cleared")
        self.assertEqual(self.api("GET", "/notifications/").json(), {})

    def test_10_a_monitored_variable_is_plotted(self):
        for text in ("a good day", "a bad day", "good good"):
            self.api("POST", "/services/sentiment/classify", json={"text": text})
        wait_for(lambda: self.api("GET", "/services/sentiment/~monitor").json(), "stored values")
        self.go("#/monitor?service=sentiment")
        wait_for(lambda: self.browser.find_elements(By.CSS_SELECTOR, "input[name=variable]"), "the variables")
        self.browser.find_element(By.CSS_SELECTOR, "form.panel button[type=submit]").click()
        # Counted in one step in the page: the view may redraw its charts between two lookups.
        wait_for(lambda: self.browser.execute_script(
            "return document.querySelectorAll('#charts .chart .uplot canvas').length"),
            "a variable drawn as a chart")
        self.screenshot("monitoring")

    def test_11_a_phone_width_still_shows_the_services(self):
        self.browser.set_window_size(390, 844)
        try:
            self.go("#/services")
            wait_for(lambda: self.status_of("calculator_1.0.0") == "ready", "services at phone width")
            self.screenshot("services-phone")
        finally:
            self.browser.set_window_size(1280, 900)

    def test_12_no_page_breaks_the_content_security_policy(self):
        self.go("#/services")
        wait_for(lambda: self.row("calculator_1.0.0"), "services")
        problems = [entry for entry in self.browser.get_log("browser")
                    if entry["level"] == "SEVERE" and "Content Security Policy" in entry["message"]]
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
