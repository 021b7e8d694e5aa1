"""What the browser tests share: the skip when Chromium or Selenium is missing, waiting on a
condition, a real mvi-host started on a free port, a headless Chromium, and stopping both.

Needs Debian's chromium, chromium-driver and python3-selenium (tools/setup/install-deps.sh
installs them); without them importing this module exits with 77, which CTest reports as skipped.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import requests

try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.chrome.service import Service
except ImportError as missing:
    print(f"skipped: python3-selenium is missing ({missing})")
    sys.exit(77)

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
if not CHROMIUM or not DRIVER:
    print("skipped: chromium and chromium-driver are not installed")
    sys.exit(77)

DEADLINE = 60


def wait_for(condition, what, deadline=DEADLINE):
    """Waits until `condition()` is truthy (ignoring a page that changed under it, or a request
    that failed on the way)."""
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        try:
            value = condition()
            if value:
                return value
        except (StaleElementReferenceException, WebDriverException,
                requests.RequestException) as error:
            last = error
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f" ({last})" if last else ""))


def start_host(plugins, data, *arguments):
    """Starts the built mvi-host (MVI_HOST_BINARY) on a free port with `plugins` and `data`
    folders and more `arguments`; returns the process and the URL it serves."""
    host = subprocess.Popen(
        [os.environ["MVI_HOST_BINARY"], "--port", "0", "--plugins-dir", str(plugins),
         "--data-dir", str(data), *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in host.stdout:
        if line.startswith("mvi-host listening on "):
            return host, line.strip()[len("mvi-host listening on "):]
    raise RuntimeError("mvi-host did not start")


def start_browser(window_size, browser_log=False):
    """A headless Chromium of `window_size` ("1280,900"), keeping the page's console log when
    `browser_log` is set."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", f"--window-size={window_size}"):
        options.add_argument(argument)
    if browser_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def stop(browser, host, folder):
    """Quits the browser, stops the host (SIGTERM, then SIGKILL past the deadline) and removes
    the test's `folder`."""
    browser.quit()
    host.send_signal(signal.SIGTERM)
    try:
        host.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        host.kill()
    shutil.rmtree(folder, ignore_errors=True)
