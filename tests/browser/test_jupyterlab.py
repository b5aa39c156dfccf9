"""The course as a student lives in it: JupyterLab in a real Chromium, Run All, save, reopen.

Opt-in (it needs a browser and takes a few minutes): set D2LMINI_BROWSER_TESTS=1, install
Debian's `chromium` (or point D2LMINI_CHROMIUM at a Chromium binary) and the `browser` extra
(`pip install -e ".[browser]"`, which brings Playwright's Python driver; it drives the
installed Chromium and never downloads a browser). Then:

    D2LMINI_BROWSER_TESTS=1 python -m pytest tests/browser -v

It copies the course into a temporary folder, starts JupyterLab there on 127.0.0.1 with a
token and D2LMINI_QUICK=1, and for chapters 2 and 7: opens the chapter from index.ipynb's
folder, checks it is not marked modified on open, runs all cells, saves, reloads the page and
checks that progress displays and figures are still there, that no cell failed and that no
progress bar became "Error displaying widget" (chapter 7's review box is the one widget a
student types into; only it may). Then it follows the chapter's link to its exercise notebook
and runs that. With D2LMINI_SCREENSHOTS=DIR it writes a screenshot of each reopened chapter.
"""
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("D2LMINI_CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")


def _skip_reason():
    if os.environ.get("D2LMINI_BROWSER_TESTS", "").lower() not in ("1", "true", "yes", "on"):
        return "browser test is opt-in: set D2LMINI_BROWSER_TESTS=1"
    if not CHROMIUM:
        return "no Chromium found (apt-get install chromium, or set D2LMINI_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python driver is missing (pip install -e '.[browser]')"
    return None


pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")]

CHAPTERS = {"02_rnn_from_scratch.ipynb": 0,        # widgets allowed after reopening
            "07_sentiment_bigru.ipynb": 1}          # chapter 7's review box
RUN_TIMEOUT_S = 420


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the course; yields (base url, token, folder)."""
    work = tmp_path_factory.mktemp("course")
    for name in ("course", "exercises"):
        shutil.copytree(ROOT / name, work / name)
    for name in ("index.ipynb", "DATA.md"):
        shutil.copy(ROOT / name, work / name)
    # render every cell (no windowing: the checks see the whole notebook); no news pop-up
    settings = work / ".settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}')
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false"}')
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, D2LMINI_QUICK="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               JUPYTER_CONFIG_DIR=str(work / ".jupyter"),
               JUPYTERLAB_SETTINGS_DIR=str(work / ".settings"))   # no user settings leak in
    env.pop("MPLBACKEND", None)          # the kernel's own inline backend, as for a student
    log = open(work / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--ServerApp.open_browser=False", "--allow-root", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (work / "jupyterlab.log").read_text())
            time.sleep(0.5)
    yield base, token, work
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _open(page, base, token, path):
    page.goto(f"{base}/lab/tree/{path}?token={token}")
    _wait_ready(page)


def _wait_ready(page):
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell", timeout=60_000)
    # the kernel has started when the toolbar's status says Idle
    page.wait_for_function(
        """() => { const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) '
                     + '.jp-Notebook-ExecutionIndicator');
                   return s && s.getAttribute('data-status') === 'idle'; }""", timeout=90_000)


def _current(page):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def _dirty(page):
    return page.locator(".jp-mod-current.jp-mod-dirty, .lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count() > 0


def _menu(page, menu, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def _run_all(page):
    _menu(page, "Run", "Run All Cells")
    nb = _current(page)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    time.sleep(2)
    while time.monotonic() < deadline:
        prompts = nb.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        busy = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) "
                            ".jp-Notebook-ExecutionIndicator[data-status='busy']").count()
        if prompts and not any("*" in p for p in prompts) and not busy:
            return prompts
        time.sleep(1)
    pytest.fail(f"Run All did not finish within {RUN_TIMEOUT_S} s")


def _save(page):
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
        timeout=30_000)


def _errors(page):
    return _current(page).locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").all_inner_texts()


@pytest.mark.parametrize("chapter", list(CHAPTERS))
def test_chapter_survives_save_and_reopen(lab, browser, chapter):
    base, token, work = lab
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _open(page, base, token, f"course/{chapter}")
    time.sleep(3)                                     # let late metadata updates land
    assert not _dirty(page), "the notebook is marked modified as soon as it opens"

    _run_all(page)
    errors = _errors(page)
    assert not errors, f"cells failed: {errors[0][:500]}"
    _save(page)

    page.reload()
    _wait_ready(page)
    nb = _current(page)
    text = nb.inner_text()
    widget_errors = text.count("Error displaying widget")
    assert widget_errors <= CHAPTERS[chapter], \
        f"{widget_errors} outputs reopen as 'Error displaying widget'"
    assert nb.locator(".d2lmini-progress progress").count() >= 1, "no progress display after reopening"
    assert nb.locator(".jp-RenderedImage img").count() >= 1, "no figure after reopening"
    assert not _errors(page)

    shots = os.environ.get("D2LMINI_SCREENSHOTS")
    if shots:
        news = page.locator(".jp-Notification-Toast-Close, .Toastify__close-button")
        if news.count():
            news.first.click()
        nb.locator(".d2lmini-progress").first.scroll_into_view_if_needed()
        page.mouse.move(800, 500)
        page.mouse.wheel(0, 250)                  # the bar at the top, the figure below it
        time.sleep(1)
        pathlib.Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(pathlib.Path(shots) / f"{chapter[:2]}_saved_and_reopened.png"))

    # the exercise link at the end of the chapter opens the exercise notebook in the lab
    link = nb.locator(f"a[href*='exercises/{chapter}']")
    for _ in range(20):                            # JupyterLab renders only visible cells
        page.evaluate("""() => document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer')
            .forEach(e => { e.scrollTop = e.scrollHeight; })""")
        time.sleep(0.5)
        if link.count():
            break
    link = link.last
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url(f"**/lab/tree/exercises/{chapter}**", timeout=30_000)
    _wait_ready(page)
    assert "# YOUR CODE HERE" in _current(page).inner_text()
    page.close()


def test_exercise_notebook_runs_and_reports(lab, browser):
    """Run All on an unsolved exercise notebook: the only failures are the unsolved parts."""
    base, token, work = lab
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _open(page, base, token, "exercises/02_rnn_from_scratch.ipynb")
    assert not _dirty(page)
    _run_all(page)
    for error in _errors(page):
        assert "NotImplementedError" in error or "YOUR CODE HERE" in error or "not implemented" in error.lower(), \
            f"a failure that is not an unsolved exercise: {error[:500]}"
    _save(page)
    page.reload()
    _wait_ready(page)
    assert "Error displaying widget" not in _current(page).inner_text()
    page.close()
