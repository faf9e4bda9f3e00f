"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven with Selenium, with axe-core
(from npm, .cache/npm) run on every page checked, and screenshots at 360 and 1280 px saved under
``.run/screenshots/`` (git-ignored). ``Browser(url, javascript=False)`` is the same browser with JavaScript turned
off as a person turns it off in the settings: pages run none of their scripts (WebDriver's own commands still
work, so the test can still read the page and set a date field as the browser's picker would)."""

from __future__ import annotations

import json
import tempfile

import requests
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from tools.devstack.paths import CACHE, REPO

AXE = CACHE / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / ".run" / "screenshots"
WIDTHS = (360, 1280)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=vi-VN")


# Chromium's "Don't allow sites to use JavaScript" content setting (what a person turns off in its settings), in
# its managed form so that no site is allowed back.
JAVASCRIPT_BLOCKED = {"profile.managed_default_content_settings.javascript": 2}
# A page that tells whether it could run a script: its title changes if it could.
SCRIPT_PROBE = "data:text/html,<title>off</title><script>document.title = 'on'</script>"


class Browser:
    def __init__(self, base_url: str, javascript: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.javascript = javascript
        self.profile = tempfile.TemporaryDirectory(prefix="motcua-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in (*FLAGS, f"--user-data-dir={self.profile.name}", "--window-size=1280,900"):
            options.add_argument(flag)
        if not javascript:
            options.add_experimental_option("prefs", JAVASCRIPT_BLOCKED)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.axe_source = AXE.read_text()
        self.pages: dict[str, list[dict]] = {}
        self.stale_retries = 0

    def quit(self) -> None:
        self.driver.quit()
        self.profile.cleanup()

    # -- driving ------------------------------------------------------------------------------------------------

    def visit(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def fill(self, name: str, value: str) -> None:
        field = self.find(f"[name='{name}']")
        field.clear()
        field.send_keys(value)

    def choose(self, name: str, value: str) -> None:
        self.find(f"input[name='{name}'][value='{value}']").click()

    def tick(self, name: str, value: str) -> None:
        """Ticks the checkbox ``name`` with ``value`` (unticks nothing)."""
        box = self.find(f"input[type='checkbox'][name='{name}'][value='{value}']")
        if not box.is_selected():
            box.click()

    def untick(self, name: str, value: str) -> None:
        box = self.find(f"input[type='checkbox'][name='{name}'][value='{value}']")
        if box.is_selected():
            box.click()

    def pick(self, name: str, value: str) -> None:
        """Chooses the option with ``value`` in the select ``name``."""
        Select(self.find(f"select[name='{name}']")).select_by_value(value)

    def set_value(self, css: str, value: str) -> None:
        """Sets a field's value as the browser's own picker would (date and time fields, whose typing is
        locale-dependent)."""
        self.driver.execute_script("arguments[0].value = arguments[1];", self.find(css), value)

    def sign_in(self, username: str, password: str, *, refused: bool = False) -> None:
        """Signs in as ``username`` in a fresh session (the previous person's cookie is dropped); unless
        ``refused`` is expected, a sign-in page still showing fails here with its error."""
        self.signed_out()
        self.visit("/dang-nhap")
        self.fill("username", username)
        self.fill("password", password)
        self.click("Đăng nhập")
        if "/dang-nhap" in self.driver.current_url and not refused:  # say why, rather than fail on the wrong page
            summary = self.all(".error-summary")
            raise AssertionError(f"{username} was not signed in: "
                                 f"{summary[0].text if summary else self.find('main').text[:300]}")

    def click(self, text: str) -> None:
        """Clicks the button (else the link in the main content, else any link) whose visible text starts with
        ``text``."""
        for element in [*self.all("main button"), *self.all("main a"), *self.all("button, a")]:
            if element.text.strip().startswith(text) and element.is_displayed():
                page = self.find("html")
                element.click()
                # the old page is gone and the next one fully parsed (under load a half-parsed page shows the
                # header's links before the main content's); while the old one is torn down Chromium may answer
                # "unhandled inspector error" instead of "stale": ask again
                wait = WebDriverWait(self.driver, 30, ignored_exceptions=(WebDriverException,))
                wait.until(staleness_of(page))
                wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
                return
        raise AssertionError(f"no button or link {text!r} on {self.driver.current_url}")

    STALE = "đã thay đổi kể từ khi anh/chị mở nó"

    def act(self, text: str) -> None:
        """Clicks an officer's action button. The console sends the dossier version the page showed, so a
        background change in between (the scheduler recording a due-soon alert) answers 409 and the page comes
        back with the fresh dossier, the form filled in and the API's message: the officer clicks again, once."""
        self.click(text)
        if self.STALE in self.text:
            self.stale_retries += 1
            self.click(text)

    def shows(self, text: str) -> None:
        """The page shows ``text``; otherwise fails with the page's error summary (or its beginning)."""
        body = self.text
        if text not in body:
            summary = [e.text for e in self.all(".error-summary")]
            raise AssertionError(f"{text!r} not on {self.path}: {summary or body[:600]}")

    @property
    def text(self) -> str:
        return self.find("body").text

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base_url)

    def h1(self) -> str:
        return self.find("h1").text

    def runs_page_scripts(self) -> bool:
        """Whether a page's own ``<script>`` runs in this browser (leaves the current page)."""
        self.driver.get(SCRIPT_PROBE)
        return self.driver.title == "on"

    def signed_out(self) -> None:
        self.driver.delete_all_cookies()

    def fetch(self, href: str) -> requests.Response:
        """GET with the browser's session cookie (for PDFs, which the browser would hand to its viewer)."""
        cookies = {c["name"]: c["value"] for c in self.driver.get_cookies()}
        url = href if href.startswith("http") else self.base_url + href
        return requests.get(url, cookies=cookies, timeout=60)

    # -- checking -----------------------------------------------------------------------------------------------

    def check(self, name: str) -> list[dict]:
        """At 360 and 1280 px: axe-core finds no serious or critical violation, nothing scrolls sideways at
        360 px, and a screenshot is saved. Returns every axe violation (for the report).

        With JavaScript off axe is skipped and the rest kept: axe cannot run there (``axe.run`` never answers, a
        script timeout), and a page's markup is the same with scripts on or off (portal.js only moves the focus to
        an error summary), so the JavaScript-on browser tests, which run axe on these pages, cover it."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        found = []
        for width in WIDTHS:
            self.driver.set_window_size(width, 900)
            if not self.javascript:
                self._layout(name, width)
                continue
            self.driver.execute_script(self.axe_source)
            result = self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)))"
                ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e)}])));")
            violations = json.loads(result)
            found.extend({**v, "width": width} for v in violations)
            bad = [f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v.get('nodes', [])][:3]}"
                   for v in violations if v.get("impact") in ("serious", "critical")]
            assert not bad, f"{name} at {width}px: {bad}"
            self._layout(name, width)
        self.driver.set_window_size(1280, 900)
        self.pages[name] = found
        return found

    def _layout(self, name: str, width: int) -> None:
        """Nothing scrolls sideways at 360 px; a screenshot of the whole page at ``width``."""
        if width == 360:
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} scrolls sideways at 360px by {overflow}px"
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, min(max(height, 600), 4000))
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
