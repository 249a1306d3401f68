"""Messages to a person outside the application: e-mail (MAIL_SERVER) and SMS (SMS_GATEWAY_URL).

The SMS gateway is a plain HTTP POST of SMS_GATEWAY_TEMPLATE (JSON; ``{phone}`` and
``{message}`` are filled in every string), no vendor SDK. Both return False instead of
raising when the transport fails: the caller falls back (a printed slip) and logs it.
"""
from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from email.message import EmailMessage

from flask import current_app

from core.accounts.rules import fill_template

log = logging.getLogger("integrity.delivery")


def email_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def sms_configured() -> bool:
    return bool(current_app.config.get("SMS_GATEWAY_URL"))


def send_email(to: str, subject: str, body: str) -> bool:
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER") or not to:
        return False
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=10) as smtp:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("e-mail to %s failed: %s", to, exc)
        return False
    return True


def send_sms(phone: str, message: str) -> bool:
    cfg = current_app.config
    url = cfg.get("SMS_GATEWAY_URL")
    if not url or not phone:
        return False
    if not url.startswith(("http://", "https://")):
        log.warning("SMS_GATEWAY_URL must be an http(s) URL")
        return False
    try:
        template = json.loads(cfg["SMS_GATEWAY_TEMPLATE"])
    except ValueError:
        log.warning("SMS_GATEWAY_TEMPLATE is not JSON")
        return False
    body = json.dumps(fill_template(template, {"phone": phone, "message": message}), ensure_ascii=False)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if cfg.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = f"Bearer {cfg['SMS_GATEWAY_TOKEN']}"
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 - http(s) checked
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310  # nosec B310 - http(s) checked above
            ok = 200 <= resp.status < 300
    except OSError as exc:
        log.warning("SMS to %s failed: %s", phone[-4:], exc)
        return False
    return ok
