"""The web view in a real headless browser: Debian's chromium and chromedriver, driven by selenium.

Without chromium/chromedriver (or selenium) these tests skip with one reason; under CI (the CI
variable set) a missing browser is a failure, as .ci/run installs it. With OSCNET_WRITE_DOCS=1
the record → train → run test writes docs/web.png, the screenshot docs/web.md shows.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from osc_helpers import live_config, serve, wait_until

from oscnet.project.outputs import OutputSpec
from oscnet.web.server import WebView

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1500,1000")
BUTTONS = ["Record", "Stop", "Train", "Cancel", "Run", "Delete last", "Delete all", "Evaluate"]


def _browser_parts() -> tuple[str, str]:
    """chromium and chromedriver's paths; skips (fails under CI) when either, or selenium, is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        chromium = None
    if not chromium or not driver:
        why = ("needs a headless browser: Debian's chromium and chromium-driver (apt-get install chromium "
               "chromium-driver) and selenium (pip install '.[test]'); .ci/run installs them")
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {why}")
        pytest.skip(why)
    return chromium, driver


@pytest.fixture
def browser() -> Iterator:
    chromium, driver_path = _browser_parts()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="oscnet-web-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    # the driver given by path: selenium-manager downloads nothing
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, done, what: str, timeout: float = 20.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: done(d), message=f"waited for {what}")


def pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def by_id(driver, ident: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, ident)


def test_the_page_shows_a_python_osc_senders_inputs_live(browser):
    from pythonosc.udp_client import SimpleUDPClient
    from selenium.webdriver.common.by import By

    with serve(live_config(3, 2)) as server, WebView(server.session) as web:
        browser.get(web.url)
        wait_for(browser, lambda d: by_id(d, "connection").text == "connected", "the WebSocket")
        names = [b.accessible_name for b in browser.find_elements(By.TAG_NAME, "button")]
        assert names == BUTTONS
        wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#inputs .name")) == 3, "the inputs")
        assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#inputs .name")] == ["inputs-1", "inputs-2", "inputs-3"]
        sender = SimpleUDPClient("127.0.0.1", server.endpoint.port)
        start, sent = time.monotonic(), 0
        while time.monotonic() - start < 2.5:  # a sine on each input, 100 messages/s
            t = sent / 100
            sender.send_message("/wek/inputs", [float(np.sin(t * 6)), float(np.cos(t * 4)), 0.25])
            sent += 1
            time.sleep(0.01)
        sender.send_message("/wek/inputs", [0.5, -0.75, 0.25])
        wait_until(lambda: server.session.received == sent + 1, what="the inputs to arrive")
        wait_for(browser, lambda d: [by_id(d, f"input-{i}").text for i in range(3)] == ["0.5", "-0.75", "0.25"],
                 "the last inputs on the page")
        fps = browser.execute_script("return window.oscnetView.fps")
        assert fps >= 20, f"the page got {fps:.1f} frames/s"
        trace = pixels(by_id(browser, "traces").screenshot_as_png)
        assert len(np.unique(trace.reshape(-1, 3), axis=0)) > 5, "the trace of a moving input is drawn"
        assert "messages/s" in by_id(browser, "rate").text and "bad input: none" in by_id(browser, "rate").text
        sender.send_message("/wek/nonsense", [1.0])
        wait_for(browser, lambda d: "unknown address 1" in by_id(d, "rate").text, "the bad-input count")


def set_slider(driver, k: int, right: int) -> None:
    """Move output k's slider as a person does with the keyboard: to its start, then `right` steps."""
    from selenium.webdriver.common.keys import Keys

    by_id(driver, f"slider-{k}").send_keys(Keys.HOME + Keys.ARROW_RIGHT * right)


def click(driver, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, f"//button[normalize-space()='{name}']").click()


def test_record_train_run_and_the_model_map_from_the_page(browser, tmp_path, caplog):
    from pythonosc.udp_client import SimpleUDPClient
    from selenium.webdriver.support.ui import Select

    caplog.set_level("INFO", logger="oscnet")  # as `oscnet serve` logs: the page's messages show them

    config = live_config(2, 2)
    config.outputs[1] = OutputSpec("gesture", type="classifier", classes=2)
    with serve(config) as server, WebView(server.session) as web:
        session, listener = server.session, server.listener
        browser.get(web.url)
        wait_for(browser, lambda d: by_id(d, "connection").text == "connected", "the WebSocket")
        sender = SimpleUDPClient("127.0.0.1", server.endpoint.port)
        rng = np.random.default_rng(3)
        for value, klass, centre in ((20, 0, 0.2), (90, 1, 0.8)):  # two poses, two answers
            set_slider(browser, 0, value)
            set_slider(browser, 1, klass)
            wait_until(lambda v=value, c=klass: list(session.values) == [v / 100, c + 1], what="the sliders' values")
            click(browser, "Record")
            wait_until(lambda: session.recording, what="recording")
            before = session.received
            for x in rng.normal(centre, 0.05, (40, 2)):
                sender.send_message("/wek/inputs", [float(v) for v in x])
                time.sleep(0.002)
            wait_until(lambda b=before: session.received >= b + 40, what="the inputs")
            click(browser, "Stop")
            wait_until(lambda: not session.recording, what="recording to stop")
        block = session.examples.block()
        assert len(block) == 80
        assert sorted(set(block.outputs[:, 0].tolist())) == [0.2, 0.9]
        assert sorted(set(block.outputs[:, 1].tolist())) == [1.0, 2.0]
        assert (block.outputs[block.inputs[:, 0] > 0.5, 0] == 0.9).all()  # recorded with that pose's value
        wait_for(browser, lambda d: by_id(d, "count-0").text == "80 examples", "the example count")

        click(browser, "Train")
        wait_until(lambda: session.training_job is not None or session.models[0] is not None, what="training to start")
        session.wait_training()
        wait_for(browser, lambda d: by_id(d, "model-0").text == "trained (v1)", "the trained state")
        wait_for(browser, lambda d: "Training completed." in by_id(d, "log").text, "the log line")
        click(browser, "Run")
        wait_until(lambda: session.running, what="running")
        for x in ([0.8, 0.8], [0.2, 0.2], [0.75, 0.85]):
            listener.drain()
            sender.send_message("/wek/inputs", x)
            sent = listener.get("/wek/outputs")
            assert sent[1] == (2.0 if x[0] > 0.5 else 1.0)
            wait_for(browser, lambda d, s=sent: abs(float(by_id(d, "slider-0").get_attribute("value")) - s[0]) <= 0.0051
                     and float(by_id(d, "slider-1").get_attribute("value")) == s[1]
                     and abs(float(by_id(d, "value-0").text) - s[0]) <= 6e-5,
                     f"the sliders to follow the model to {sent}")

        Select(by_id(browser, "map-output")).select_by_visible_text("outputs-1")
        wait_for(browser, lambda d: d.execute_script("const m = window.oscnetView.map; return m && m.trained && m.output === 0"),
                 "the model map")
        time.sleep(0.3)  # the map redraws every 250 ms: let the last one land before the picture
        picture = pixels(by_id(browser, "map").screenshot_as_png)
        assert len(np.unique(picture.reshape(-1, 3), axis=0)) > 50, "the map shows the model's values and the dots"
        assert picture.std() > 20

        for t in np.linspace(0, 1, 120):  # a performer moves from one pose to the other and back
            x = 0.2 + 0.6 * (0.5 - 0.5 * np.cos(2 * np.pi * t))
            sender.send_message("/wek/inputs", [float(x), float(x + 0.05 * np.sin(9 * t))])
            time.sleep(0.012)
        click(browser, "Evaluate")
        wait_for(browser, lambda d: "gesture" in by_id(d, "evaluation").text and "correct %" in by_id(d, "evaluation").text,
                 "the evaluation figures", timeout=60)
        wait_for(browser, lambda d: by_id(d, "status").text == "Evaluated outputs-1, gesture.", "the status line")
        shot = REPO / "docs" / "web.png" if os.environ.get("OSCNET_WRITE_DOCS") else tmp_path / "web.png"
        browser.save_screenshot(str(shot))
        assert pixels(shot.read_bytes()).std() > 10
        click(browser, "Stop")
        wait_until(lambda: not session.running, what="running to stop")
        wait_for(browser, lambda d: by_id(d, "state").text == "idle", "the state line")

        click(browser, "Delete last")
        wait_until(lambda: len(session.examples) == 40, what="the last round deleted")
        click(browser, "Delete all")
        browser.switch_to.alert.accept()
        wait_until(lambda: len(session.examples) == 0, what="every example deleted")
        wait_for(browser, lambda d: by_id(d, "count-0").text == "0 examples", "the count after deleting")


def test_a_wrong_or_missing_token_is_refused(browser):
    from selenium.webdriver.common.by import By

    with serve(live_config(2, 1)) as server, WebView(server.session, token="a-secret-token-of-the-test") as web:
        page = web.url.split("?")[0]
        browser.get(page)
        assert "needs its token" in browser.find_element(By.TAG_NAME, "body").text
        browser.get(page + "?token=not-the-right-token-at-all")
        assert "wrong token" in browser.find_element(By.TAG_NAME, "body").text
        assert web.refused >= 2
        browser.get(web.url)
        wait_for(browser, lambda d: by_id(d, "connection").text == "connected", "the WebSocket with the token")
        assert by_id(browser, "record").text == "Record"
