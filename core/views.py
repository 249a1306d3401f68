"""Home pages by role, health check, language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from core import wiring
from core.accounts.permissions import public
from core.extensions import db

bp = Blueprint("main", __name__)

# role -> endpoint of that role's home page (domain packages add theirs in their register step)
HOME_PAGES: dict[str, str] = {"servant": "file.my_file", "committee": "reviews.my_reviews"}
# fn(user) -> list of dict(title, count, url, level): HR home cards, registered in core.wiring
WORKLIST_PROVIDERS = wiring.hooks(wiring.WORKLIST)


@bp.route("/")
@login_required
def home():
    for role in ("hr", "committee", "servant", "auditor", "sysadmin", "secadmin"):
        if current_user.has_role(role):
            endpoint = HOME_PAGES.get(role)
            if endpoint and endpoint in current_app.view_functions and endpoint != "main.home":
                return redirect(url_for(endpoint))
            if role == "hr":
                cards = [card for provider in wiring.hooks(wiring.WORKLIST) for card in provider(current_user)]
                from core.workcal.service import missing_next_year
                return render_template("core/home_hr.html", cards=cards, calendar_missing=missing_next_year())
            if role == "auditor":
                return redirect(url_for("audit.events"))
            if role == "sysadmin":
                return redirect(url_for("accounts.users"))
            if role == "secadmin":
                return redirect(url_for("accounts.role_grants"))
    return render_template("core/home.html")


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(db.text("SELECT 1"))
        return jsonify(status="ok", database="ok")
    except Exception:  # noqa: BLE001 - any database failure is "unreachable"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503


@bp.route("/lang/<code>")
@public
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or url_for("main.home")
    same_site = target.startswith(request.host_url) or (target.startswith("/") and not target.startswith(("//", "/\\")))
    return redirect(target if same_site else "/")


@bp.route("/api/v1/openapi.json")
@public
def openapi():
    from core.api import openapi_document
    return jsonify(openapi_document(current_app))
