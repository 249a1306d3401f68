"""Browser journeys: Debian chromium driven by Playwright against a live server.

The server runs the real application (CSRF on, rate limits off) in a thread on its own
SQLite file; the journeys build their data through the same services the app uses.
Screenshots of key pages go to artifacts/e2e/.

Accessibility (issue 19, GB/T 37668-2019 / WCAG 2.1 AA): every page a journey loads is checked
with axe-core (tests/e2e/axe, pinned, installed by `make test`), injected through the DevTools
protocol (not a <script>: the CSP stays as it is); a serious or critical violation fails the
journey, listed by page and rule in artifacts/e2e/axe-<test>.json.

A journey module may override the ``live_options`` fixture (module scope) to change the
live app: ``{"demo": True}`` gives the module its own demo region (400 people, seed 3:
accounts hr/servant/committee/admin/auditor... with the demo password; loaded once per
session, copied per module), any other key is a configuration value (e.g.
``TOTP_ENFORCE=True`` for the 2FA login).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core.app import create_app
from core.extensions import db as _db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
AXE_JS = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING = ("serious", "critical")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item: page_for screenshots the pages of a failed journey."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DEMO_PEOPLE, DEMO_SEED = 400, 3


@pytest.fixture(scope="module")
def live_options() -> dict:
    """Override in a journey module: {"demo": True, "TOTP_ENFORCE": True, ...}."""
    return {}


def _create_live_app(base: Path, **config):
    from tests.conftest import fast_sqlite_commits
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{base / 'live.db'}", INSTANCE_DIR=str(base),
                     UPLOAD_DIR=str(base / "uploads"), **config)
    with app.app_context():
        fast_sqlite_commits(_db.engine)        # speed: no fsync per commit on the throwaway live database
    return app


@pytest.fixture(scope="session")
def demo_snapshot(tmp_path_factory) -> Path:
    """The demo region loaded once per session into a template folder (SQLite file + uploads).

    Every module that asks for the demo gets its own fresh copy of it: the same rows as a
    ``load_demo`` of its own, without paying for the load again."""
    base = tmp_path_factory.mktemp("demo-snapshot")
    app = _create_live_app(base)
    with app.app_context():
        _db.create_all()
        from core.demo import load_demo
        load_demo(people=DEMO_PEOPLE, seed=DEMO_SEED, echo=lambda _msg: None)
        _db.session.remove()
        _db.engine.dispose()
    return base


@pytest.fixture(scope="module")
def live_app(request, tmp_path_factory, live_options):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make test` (installs Debian chromium)")
    options = dict(live_options)
    base = tmp_path_factory.mktemp("live")
    if options.pop("demo", False):
        snapshot = request.getfixturevalue("demo_snapshot")
        shutil.copyfile(snapshot / "live.db", base / "live.db")
        if (snapshot / "uploads").exists():
            shutil.copytree(snapshot / "uploads", base / "uploads")
    config = {"WTF_CSRF_ENABLED": True, "JOBS_SYNCHRONOUS": False, "TOTP_ENFORCE": False, **options}
    app = _create_live_app(base, **config)
    with app.app_context():
        _db.create_all()
        _db.session.remove()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{port}"
    yield app
    server.shutdown()
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(live_app):
    """Override the suite's per-test app context: journeys use the live app's database."""
    ctx = live_app.app_context()
    ctx.push()
    yield _db
    _db.session.remove()
    ctx.pop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_for(request, browser, live_app):
    """page_for(viewport='desktop'|'phone') -> a fresh browser context's page.

    When the journey fails, the pages it left open are saved as artifacts/e2e/FAILED-<test>-<n>.png."""
    contexts = []
    audit = AxeAudit(request.node.name)

    def _new(viewport: str = "desktop"):
        size = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}[viewport]
        ctx = browser.new_context(viewport=size, locale="zh-CN", base_url=live_app.config["LIVE_URL"],
                                  is_mobile=viewport == "phone", has_touch=viewport == "phone")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        audit.watch(page, viewport)
        return page
    yield _new
    failed = getattr(request.node, "rep_call", None)
    for n, c in enumerate(contexts):
        if failed is not None and failed.failed:
            for page in c.pages:
                with contextlib.suppress(Exception):   # a page that cannot be captured must not hide the failure
                    shot(page, f"FAILED-{request.node.name}-{n}")
        c.close()
    if failed is not None and failed.passed:
        audit.check()


class AxeAudit:
    """axe-core on every page a journey's browser pages load (the "load" event), violations kept
    by page; ``check()`` fails on any serious or critical one."""

    def __init__(self, name: str):
        self.name, self.pages, self.findings, self.disabled = name, 0, [], False

    def watch(self, page, viewport: str) -> None:
        if not AXE_JS.exists():
            # `make test` installs it when npm is there (Makefile target `axe`); AXE_REQUIRED=1 makes it a must
            if os.environ.get("AXE_REQUIRED"):
                pytest.fail(f"axe-core not installed at {AXE_JS}: run `make axe` (npm ci in tests/e2e/axe)")
            import warnings
            warnings.warn(f"axe-core not installed at {AXE_JS}: accessibility not checked (make axe)", stacklevel=2)
            self.disabled = True
            return
        page.on("load", lambda p: self.run(p, viewport))

    def run(self, page, viewport: str) -> None:
        try:
            if "html" not in (page.evaluate("document.contentType") or ""):
                return
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.evaluate(AXE_JS.read_text(encoding="utf-8"))
            result = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)})))""",
                                   AXE_TAGS)
        except Exception as exc:  # noqa: BLE001 - the page navigated on while axe ran: the next load is checked
            if "context was destroyed" in str(exc) or "navigat" in str(exc) or "Target" in str(exc):
                return
            raise
        self.pages += 1
        for v in result:
            self.findings.append({"url": page.url, "viewport": viewport, **v})

    def check(self) -> None:
        import json
        if self.disabled:
            return
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"axe-{self.name}.json").write_text(json.dumps(
            {"pages": self.pages, "violations": self.findings}, ensure_ascii=False, indent=1), encoding="utf-8")
        bad = [f for f in self.findings if f["impact"] in AXE_FAILING]
        assert self.pages, "axe checked no page"
        assert not bad, "axe: serious or critical violations\n" + "\n".join(
            f"{f['impact']} {f['id']} on {f['url']} ({f['viewport']}): {f['help']}\n    " + "\n    ".join(f["nodes"])
            for f in bad)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, username: str, password: str, *, totp: bool = False) -> None:
    """Log in through the login page; ``totp=True`` answers the second step (/login/2fa) with
    the current code of the user's TOTP secret (read from the live database)."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    if totp:
        assert "/login/2fa" in page.url, f"expected the two-factor step, got {page.url}"
        page.get_by_label("验证码").fill(totp_code(username))
        page.get_by_role("button", name="验证并登录").click()
        page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"login of {username} failed: {page.url}"


def totp_code(username: str) -> str:
    """The current TOTP code of ``username`` (a fresh 30-second step: the app refuses a replayed one)."""
    import time

    import pyotp
    import sqlalchemy as sa

    from core.accounts.models import User
    _db.session.expire_all()
    user = _db.session.execute(sa.select(User).filter_by(username=username)).scalar_one()
    assert user.totp_enabled and user.totp_secret, f"{username} has no TOTP enrolment"
    totp = pyotp.TOTP(user.totp_secret)
    step = int(time.time() // 30)
    if user.totp_last_step is not None and step <= user.totp_last_step:
        time.sleep(31 - time.time() % 30)          # the current code was used already: wait for the next one
    return totp.now()


def demo_password(app) -> str:
    return app.config["DEMO_PASSWORD"]


def confirm_dialogs(page) -> list[str]:
    """Accept every confirm() (forms with data-confirm) and return the list of messages asked."""
    asked: list[str] = []

    def _accept(dialog):
        asked.append(dialog.message)
        dialog.accept()
    page.on("dialog", _accept)
    return asked


def click_confirmed(page, target, asked: list[str]) -> str:
    """Click a button of a data-confirm form and return the question the browser asked.

    Waits for the page's scripts first (app.js asks the question: a click racing the end of the
    page load would submit without asking), and fails when nothing was asked."""
    page.wait_for_load_state("load")
    before = len(asked)
    target.click()
    for _ in range(50):
        if len(asked) > before:
            return asked[-1]
        page.wait_for_timeout(100)
    raise AssertionError("no confirmation was asked before this irreversible act")
