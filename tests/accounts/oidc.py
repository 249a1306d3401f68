"""The real OpenID provider of the SSO tests (tests/oidc/provider.mjs, oidc-provider from npm)
and a browser-like walk through its login and consent pages with ``requests``."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
PUBLIC = "http://127.0.0.1:5000"
CALLBACK = f"{PUBLIC}/login/sso/callback"
SECRET = "integrity-test-secret-0123456789"   # noqa: S105 - the test provider's client secret


def ensure_installed() -> None:
    """`make test` installs the provider (npm ci); a bare pytest run does it here when needed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("Node.js (node, npm) is needed for the SSO tests: apt-get install nodejs npm")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=OIDC_DIR, check=True,
                       timeout=300)


class Provider:
    def __init__(self, port: int, users: dict, workdir: Path):
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        clients = [
            {"client_id": "integrity", "client_secret": SECRET, "redirect_uris": [CALLBACK],
             "post_logout_redirect_uris": [f"{PUBLIC}/login"], "token_endpoint_auth_method": "client_secret_basic"},
            {"client_id": "integrity-post", "client_secret": SECRET, "redirect_uris": [CALLBACK],
             "post_logout_redirect_uris": [f"{PUBLIC}/login"], "token_endpoint_auth_method": "client_secret_post"},
            # another application of the same platform: its tokens must not open ours
            {"client_id": "intruder", "client_secret": SECRET, "redirect_uris": [CALLBACK],
             "token_endpoint_auth_method": "client_secret_basic"},
        ]
        cfg = workdir / "provider.json"
        cfg.write_text(json.dumps({"clients": clients, "users": users}, ensure_ascii=False))
        self.proc = subprocess.Popen(["node", str(OIDC_DIR / "provider.mjs"), str(port), str(cfg)],  # noqa: S603,S607
                                     cwd=OIDC_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).ok:
                    return
            except requests.ConnectionError:
                if self.proc.poll() is not None:
                    raise RuntimeError("the OpenID provider did not start: " + self.proc.stderr.read()) from None
                time.sleep(0.2)
        raise RuntimeError("the OpenID provider did not answer within 30 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def walk_to_callback(browser: requests.Session, url: str, login: str, password: str = "pw", mfa: bool = False  # noqa: S107
                     ) -> str:
    """Follow the provider's redirects, sign in and consent; return the URL it sends back to us."""
    for _ in range(20):
        if url.startswith(PUBLIC):
            return url
        resp = browser.get(url, allow_redirects=False, timeout=10)
        while True:
            if resp.is_redirect:
                url = urljoin(url, resp.headers["Location"])
                break
            assert resp.status_code == 200, (resp.status_code, resp.text[:500])
            action = re.search(r'<form[^>]*action="([^"]+)"', resp.text).group(1)
            target = urljoin(url, action)
            data = {"login": login, "password": password, "mfa": "1" if mfa else ""} if "/login" in action else {}
            resp = browser.post(target, data=data, allow_redirects=False, timeout=10)
            url = target
    raise AssertionError("no way back to the application")


def local(url: str) -> str:
    """The path and query of a URL of the application (for the Flask test client)."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


class TamperingProxy:
    """Between the application and the provider's token endpoint (a network attacker or a
    broken intermediary): discovery says the token endpoint is here; token responses pass
    through ``tamper(dict) -> dict``."""

    def __init__(self, provider: Provider):
        self.provider = provider
        self.tamper = lambda body: body
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                meta = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5).json()
                meta["token_endpoint"] = f"{proxy.url}/token"
                self._send(200, meta)

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                resp = requests.post(f"{provider.issuer}/token", data=body, headers=headers, timeout=5)
                data = resp.json()
                if resp.ok:
                    data = proxy.tamper(data)
                self._send(resp.status_code, data)

            def _send(self, status, data):
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def id_token_for(provider: Provider, client_id: str, nonce: str, login: str) -> str:
    """A genuine ID token the provider issues to ``client_id`` (code flow with PKCE)."""
    import base64
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlencode
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    url = f"{provider.issuer}/auth?" + urlencode({
        "client_id": client_id, "response_type": "code", "scope": "openid profile", "redirect_uri": CALLBACK,
        "state": secrets.token_urlsafe(8), "nonce": nonce, "code_challenge": challenge,
        "code_challenge_method": "S256"})
    back = walk_to_callback(requests.Session(), url, login)
    code = parse_qs(urlsplit(back).query)["code"][0]
    resp = requests.post(f"{provider.issuer}/token", auth=(client_id, SECRET), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier})
    resp.raise_for_status()
    return resp.json()["id_token"]
