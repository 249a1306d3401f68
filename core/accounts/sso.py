"""Single sign-on with the government identity platform (统一身份认证, OpenID Connect), by Authlib.

On when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are set. ``GET /login/sso`` sends
the browser to the provider (authorization code flow, PKCE S256, state and nonce kept in the
session); ``GET /login/sso/callback`` checks the state (a replayed or foreign state is
refused), exchanges the code (client_secret_basic, or client_secret_post), verifies the ID
token (signature against the provider's JWKS, issuer, audience, expiry with
OIDC_CLOCK_SKEW_SECONDS of leeway, nonce), reads OIDC_PERSON_CLAIM from the ID token or the
userinfo endpoint, and binds the login to the Person with that id number (by its keyed
hash; the number is never stored). The first login creates a ``servant`` account; SSO never
grants any other role. Accounts that must use two-factor authentication still do, unless
the provider asserts multi-factor (``amr``/``acr``) and OIDC_TRUST_PROVIDER_MFA is on.
Logout ends the local session and, when the provider offers end_session, the provider's.

Re-authentication (``GET /login/sso/reauth?next=``, an SSO session only): a fresh authorization
with ``prompt=login`` and ``max_age=0``; the callback of a signed-in user checks that the ID
token names the same person (person claim and ``sub``) and that ``auth_time`` is after the
request and recent, then keeps ``session["reauth_at"]`` (epoch seconds, REAUTH_VALID_SECONDS).
"""
from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.accounts.models import User
from core.accounts.passwords import hash_password
from core.accounts.permissions import public
from core.accounts.rules import provider_asserted_mfa, sso_username
from core.audit.services import record_event
from core.enums import PersonStatus
from core.extensions import db
from core.registry.models import Person
from core.registry.services import id_lookup_hash

bp = Blueprint("sso", __name__)
_EXT = "integrity_oidc"
REAUTH_VALID_SECONDS = 600      # the marker of a re-authentication
REAUTH_AUTH_AGE_SECONDS = 300   # how old the provider's auth_time may be

PROBLEMS = {
    "unavailable": (_l("统一身份认证暂不可用"), _l("无法连接统一身份认证平台，请稍后重试，或使用用户名和密码登录。")),
    "failed": (_l("统一身份认证未完成"), _l("登录请求无效或已过期（例如重复提交、返回后再次打开），请重新从登录页发起统一身份认证登录。")),
    "no_claim": (_l("统一身份认证未提供身份证号码"), _l("统一身份认证平台没有提供您的公民身份号码，无法确认您的身份。请联系系统管理员。")),
    "no_match": (_l("未找到您的人员信息"), _l("统一身份认证平台确认了您的身份，但本系统的人员库中没有与您的公民身份号码对应的在册人员。"
                 "请联系所在单位人事部门核实登记信息。")),
    "left": (_l("您已不在册"), _l("人员库显示您已调出、退休或离职，不能登录本系统。如有疑问请联系原单位人事部门。")),
    "disabled": (_l("账户已停用"), _l("您的账户已被停用，不能登录。请联系所在单位人事部门或系统管理员。")),
    "reauth_other": (_l("身份确认未通过：不是同一人"), _l("统一身份认证平台确认的身份与当前登录本系统的用户不是同一人，身份确认未完成。"
                     "请以本人身份重新进行统一身份认证。")),
    "reauth_stale": (_l("身份确认未通过：认证时间无效"), _l("统一身份认证平台没有在本次请求中重新验证您的身份，身份确认未完成。"
                     "请返回签署页面，重新点击“通过统一身份认证确认身份”。")),
    "reauth_failed": (_l("身份确认未完成"), _l("身份确认请求无效或已过期（例如重复提交、返回后再次打开），"
                      "请返回签署页面重新点击“通过统一身份认证确认身份”。")),
}


def configured() -> bool:
    cfg = current_app.config
    return bool(cfg.get("OIDC_ISSUER") and cfg.get("OIDC_CLIENT_ID") and cfg.get("OIDC_CLIENT_SECRET"))


def redirect_uri() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/login/sso/callback"


def client():
    """The Authlib client of this application's configuration (rebuilt when it changes)."""
    from authlib.integrations.flask_client import OAuth
    cfg = current_app.config
    key = tuple(cfg.get(k) for k in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_DISCOVERY_URL",
                                      "OIDC_SCOPES", "OIDC_TOKEN_AUTH", "OIDC_TIMEOUT_SECONDS"))
    cached = current_app.extensions.get(_EXT)
    if cached and cached[0] == key:
        return cached[1]
    issuer = cfg["OIDC_ISSUER"].rstrip("/")
    oauth = OAuth()
    oauth.init_app(current_app)
    oidc = oauth.register(
        "oidc", client_id=cfg["OIDC_CLIENT_ID"], client_secret=cfg["OIDC_CLIENT_SECRET"],
        server_metadata_url=cfg.get("OIDC_DISCOVERY_URL") or f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": cfg.get("OIDC_SCOPES") or "openid profile", "code_challenge_method": "S256",
                       "token_endpoint_auth_method": cfg.get("OIDC_TOKEN_AUTH") or "client_secret_basic",
                       "timeout": cfg.get("OIDC_TIMEOUT_SECONDS") or 10})
    current_app.extensions[_EXT] = (key, oidc)
    return oidc


def problem_page(kind: str, *, person=None, user=None, summary: str = "", status: int = 403,
                 action: str = "sso_login_failed"):
    """A clear Chinese page and an audit event for every refused SSO login (or re-authentication)."""
    record_event(action, user or person, f"{kind}: {summary}"[:500], outcome="failure",
                 actor=user, person_id=getattr(person, "id", None))
    db.session.commit()
    title, text = PROBLEMS[kind]
    return render_template("core/sso_problem.html", title=str(title), text=str(text)), status


@bp.route("/login/sso")
@public
def login():
    if not configured():
        from core.errors import NotFound
        raise NotFound()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    try:
        return client().authorize_redirect(redirect_uri())
    except Exception as exc:  # noqa: BLE001 - discovery unreachable or malformed: a page, never a 500
        current_app.logger.warning("SSO discovery failed: %s", exc)
        return problem_page("unavailable", summary=str(exc), status=503)


@bp.route("/login/sso/callback")
@public
def callback():
    if not configured():
        from core.errors import NotFound
        raise NotFound()
    from authlib.common.errors import AuthlibBaseError
    from flask import request
    from joserfc.errors import JoseError
    reauth = current_user.is_authenticated
    if reauth:      # a signed-in user comes back: only a re-authentication they asked for
        pending = session.pop("sso_reauth", None)
        me = current_user._get_current_object()

        def fail(kind, *, summary="", status=403, **_kw):
            kind = "reauth_failed" if kind in ("failed", "no_claim") else kind
            return problem_page(kind, user=me, summary=summary, status=status, action="sso_reauth_failed")
        if not pending or pending.get("uid") != me.id or not session.get("sso"):
            return fail("failed", summary="no re-authentication pending", status=400)
    else:
        fail = problem_page
    oidc = client()
    try:
        metadata = oidc.load_server_metadata()
        iss = request.args.get("iss")
        if iss is not None and iss != metadata.get("issuer"):       # RFC 9207: mix-up defence
            return fail("failed", summary="iss parameter mismatch", status=400)
        client_id = current_app.config["OIDC_CLIENT_ID"]
        # the issuer and our client id as the audience, checked explicitly (Authlib alone lets a
        # token for another audience through when its azp names us)
        token = oidc.authorize_access_token(
            leeway=int(current_app.config["OIDC_CLOCK_SKEW_SECONDS"]),
            claims_options={"iss": {"essential": True, "values": [metadata.get("issuer")]},
                            "aud": {"essential": True, "values": [client_id]}})
        claims = token.get("userinfo")
        if not claims or "id_token" not in token:
            return fail("failed", summary="no id token", status=400)
        claims = dict(claims)
        audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        if client_id not in audiences or (claims.get("azp") and claims["azp"] != client_id):
            return fail("failed", summary=f"aud {audiences!r} is not {client_id}", status=400)
        claim_name = current_app.config["OIDC_PERSON_CLAIM"]
        id_number = claims.get(claim_name)
        if not id_number:
            info = dict(oidc.userinfo(token=token))
            if info.get("sub") != claims.get("sub"):
                return fail("failed", summary="userinfo sub differs from the id token", status=400)
            id_number = info.get(claim_name)
            claims.setdefault("preferred_username", info.get("preferred_username"))
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError) as exc:
        return fail("failed", summary=f"{type(exc).__name__}: {exc}", status=400)
    except OSError as exc:          # requests' connection errors are OSErrors
        return fail("unavailable", summary=str(exc), status=503)
    if reauth:
        return _finish_reauth(claims, id_number if isinstance(id_number, str) else None, pending, fail)
    return _bind_and_login(claims, id_number if isinstance(id_number, str) else None, token["id_token"])


def _bind_and_login(claims: dict, id_number: str | None, id_token: str):
    sub = str(claims.get("sub"))[:64]
    if not id_number:
        return problem_page("no_claim", summary=f"sub={sub}")
    digest = id_lookup_hash(id_number)
    person = db.session.execute(db.select(Person).filter_by(id_hash=digest)).scalar_one_or_none() if digest else None
    if person is None:
        return problem_page("no_match", summary=f"sub={sub}")
    if person.status != PersonStatus.ACTIVE:
        return problem_page("left", person=person, summary=f"status={person.status.value}")
    user = db.session.execute(db.select(User).where(User.person_id == person.id).order_by(User.id)).scalars().first()
    if user is not None and not user.is_enabled:
        return problem_page("disabled", person=person, user=user, summary="account disabled")
    created = user is None
    if user is None:
        user = _create_servant(person, claims.get("preferred_username"))
    mfa = provider_asserted_mfa(claims, trust=bool(current_app.config["OIDC_TRUST_PROVIDER_MFA"]),
                                amr_values=current_app.config["OIDC_MFA_AMR"],
                                acr_values=current_app.config["OIDC_MFA_ACR"])
    sso_state = {"id_token": id_token, "mfa": mfa}
    from core.accounts import auth
    from core.accounts.views import _finish_login
    if user.totp_enabled and not mfa:
        # our own second factor still applies: the TOTP step of the login, then the SSO session
        db.session.commit()
        auth.start_session(user)
        session["mfa_pending"] = {"uid": user.id, "token": user.session_token, "at": time.time(), "next": None,
                                  "sso": sso_state}
        return redirect(url_for("accounts.login_totp"))
    return _finish_login(user, mfa=mfa, target=url_for("activation.welcome") if created else None, sso=sso_state)


def _sub_of(id_token: str | None) -> str | None:
    """The ``sub`` of the ID token of the login (verified then; read here without verifying)."""
    import base64
    import json
    if not id_token:
        return None
    try:
        payload = id_token.split(".")[1]
        return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])
    except Exception:  # noqa: BLE001 - no usable token: the person claim alone decides
        return None


def _finish_reauth(claims: dict, id_number: str | None, pending: dict, fail):
    """The provider confirmed someone again: the same person, just now, or no marker."""
    me = current_user._get_current_object()
    digest = id_lookup_hash(id_number) if id_number else None
    login_sub = _sub_of((session.get("sso") or {}).get("id_token"))
    if (not digest or me.person is None or me.person.id_hash != digest
            or (login_sub is not None and login_sub != str(claims.get("sub")))):
        return fail("reauth_other", summary=f"sub={str(claims.get('sub'))[:64]} is not user {me.id}")
    auth_time, now = claims.get("auth_time"), time.time()
    skew = int(current_app.config["OIDC_CLOCK_SKEW_SECONDS"])
    if (not isinstance(auth_time, (int, float)) or isinstance(auth_time, bool)
            or auth_time < float(pending.get("at") or 0) - skew
            or now - auth_time > REAUTH_AUTH_AGE_SECONDS + skew or auth_time > now + skew):
        return fail("reauth_stale", summary=f"auth_time={auth_time!r} requested={pending.get('at')!r}")
    session["reauth_at"], session["reauth_uid"] = now, me.id
    record_event("sso_reauth", me, "统一身份认证重新验证身份成功", actor=me)
    db.session.commit()
    flash(_("已通过统一身份认证确认身份，请在 %(m)s 分钟内完成签署。", m=REAUTH_VALID_SECONDS // 60), "success")
    return redirect(pending.get("next") or url_for("main.home"))


def reauth_fresh() -> bool:
    """This SSO session re-authenticated at the provider within REAUTH_VALID_SECONDS."""
    at = session.get("reauth_at")
    if not session.get("sso") or not current_user.is_authenticated or session.get("reauth_uid") != current_user.id:
        return False
    return isinstance(at, (int, float)) and 0 <= time.time() - at <= REAUTH_VALID_SECONDS


def clear_reauth() -> None:
    session.pop("reauth_at", None)
    session.pop("reauth_uid", None)


@bp.route("/login/sso/reauth")
@login_required
def reauth():
    """Confirm the signed-in SSO user at the provider again (prompt=login, max_age=0)."""
    if not configured() or not session.get("sso"):
        from core.errors import NotFound
        raise NotFound()
    from core.accounts.views import _safe_next
    clear_reauth()
    session["sso_reauth"] = {"uid": current_user.id, "next": _safe_next() or url_for("main.home"), "at": time.time()}
    try:
        return client().authorize_redirect(redirect_uri(), prompt="login", max_age=0)
    except Exception as exc:  # noqa: BLE001 - discovery unreachable or malformed: a page, never a 500
        current_app.logger.warning("SSO discovery failed: %s", exc)
        return problem_page("unavailable", user=current_user._get_current_object(), summary=str(exc), status=503,
                            action="sso_reauth_failed")


def _create_servant(person: Person, preferred: str | None) -> User:
    """The first SSO login of a person: a servant account, no usable password, no other role."""
    username = sso_username(preferred if isinstance(preferred, str) else None, person.id)
    if db.session.execute(db.select(User.id).filter_by(username=username)).first():
        username = f"p{person.id}"
        if db.session.execute(db.select(User.id).filter_by(username=username)).first():
            username = f"p{person.id}_{secrets.token_hex(3)}"
    from core import clock
    user = User(username=username, display_name=person.name[:64], person_id=person.id,
                password_hash=hash_password(secrets.token_urlsafe(32)), password_changed_at=clock.utcnow(),
                email=getattr(person, "email", None))
    user.set_roles(("servant",))
    user.must_change_password = False           # no password of ours is in use
    db.session.add(user)
    db.session.flush()
    record_event("user_create", user, f"{username}: servant（统一身份认证首次登录）", actor=user)
    return user


def logout_url(sso_state: dict | None) -> str | None:
    """The provider's end_session URL for this session, when it offers one."""
    if not sso_state or not configured():
        return None
    try:
        metadata = client().load_server_metadata()
    except Exception:  # noqa: BLE001 - the provider is down: the local logout still happened
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {"client_id": current_app.config["OIDC_CLIENT_ID"],
              "post_logout_redirect_uri": current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/login"}
    if sso_state.get("id_token"):
        params["id_token_hint"] = sso_state["id_token"]
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)
