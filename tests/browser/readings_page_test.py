"""The readings example's page in a real headless Chromium against a real mvi-host.

The example is deployed as tools/setup/start.sh deploys it (tools/setup/deploy-examples.sh: its
.so and its assets/ folder). A person's steps: open the page, see that there are no readings yet,
upload a CSV file through the form and see the chart drawn from it, upload a malformed one and
see the service's reason. A screenshot goes to MVI_ARTIFACTS_DIR.

Needs Debian's chromium, chromium-driver and python3-selenium (tools/setup/install-deps.sh
installs them); without them the test exits with 77, which CTest reports as skipped.
"""

import os
import pathlib
import subprocess
import tempfile
import unittest

from browser_support import start_browser, start_host, stop, wait_for

import requests
from selenium.webdriver.common.by import By

SOURCE = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = pathlib.Path(os.environ.get("MVI_ARTIFACTS_DIR", tempfile.gettempdir())) / "readings"


class ReadingsPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = pathlib.Path(tempfile.mkdtemp(prefix="mvi-readings-"))
        plugins = cls.folder / "plugins"
        manifest = pathlib.Path(os.environ["MVI_PLUGINS_DIR"]) / "examples.txt"
        subprocess.run([str(SOURCE / "tools/setup/deploy-examples.sh"), str(manifest),
                        str(plugins), "readings"], check=True)
        cls.host, cls.url = start_host(plugins, cls.folder / "data")
        wait_for(lambda: requests.get(cls.url + "/services/readings/data.json",
                                      timeout=5).status_code == 200, "the readings service")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        cls.browser = start_browser("1000,700", browser_log=True)

    @classmethod
    def tearDownClass(cls):
        stop(cls.browser, cls.host, cls.folder)

    def text_of(self, element_id):
        return self.browser.find_element(By.ID, element_id).text

    def upload(self, name, content):
        path = self.folder / name
        path.write_text(content)
        self.browser.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys(str(path))
        self.browser.find_element(By.CSS_SELECTOR, "#upload button").click()

    def test_the_page_draws_what_is_uploaded_and_shows_what_is_refused(self):
        browser = self.browser
        browser.get(self.url + "/services/readings/page")
        wait_for(lambda: self.text_of("summary").startswith("0 readings"), "an empty summary")
        self.assertIn("No readings yet", self.text_of("chart"))

        self.upload("day.csv", "time,value\n2026-12-04T13:00:00Z,12.5\n"
                    "2026-12-04T13:05:00Z,13.1\n2026-12-04T13:10:00Z,11\n")
        wait_for(lambda: self.text_of("message") == "Added 3 readings.", "the upload's summary")
        wait_for(lambda: self.text_of("summary").startswith("3 readings"), "three readings")
        line = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#chart polyline"),
                        "the chart's line")
        self.assertEqual(len(line[0].get_attribute("points").split()), 3)
        self.assertEqual(len(browser.find_elements(By.CSS_SELECTOR, "#chart circle")), 3)
        browser.save_screenshot(str(ARTIFACTS / "readings-page.png"))

        self.upload("bad.csv", "time,value\n2026-12-04T13:15:00Z,warm\n")
        wait_for(lambda: self.text_of("message").startswith("Refused: line 2: value 'warm'"),
                 "the service's reason")
        self.assertTrue(self.text_of("summary").startswith("3 readings"))
        self.assertEqual(requests.get(self.url + "/services/readings/data.json",
                                      timeout=5).json()["count"], 3)

        # The page, its script and its style loaded without an error in the console.
        severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"
                  and "422" not in entry["message"]]
        self.assertEqual(severe, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
