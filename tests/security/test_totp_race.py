"""TOTP single use under concurrency (issue 17, item 5): several logins submitting the same code
at the same moment give exactly one session; every success and every failure is audited."""
from __future__ import annotations

import threading

import pyotp
import pytest
import sqlalchemy as sa

from core.accounts import totp
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.audit.services import verify_chain
from core.extensions import db
from tests import factories as f
from tests.security.test_auth import enrol, is_in, login, refetch

N = 6


@pytest.mark.parametrize("attempt", range(2))
def test_the_same_code_submitted_at_once_opens_exactly_one_session(app, attempt):
    user = f.user("racer", roles=("servant",), person=f.person("赛跑"))
    db.session.commit()
    secret, uid = enrol(user), user.id
    clients = [app.test_client() for _ in range(N)]
    for c in clients:
        resp = login(c, "racer")
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/login/2fa")
    code = pyotp.TOTP(secret).now()
    barrier, results, errors = threading.Barrier(N), [None] * N, []

    def submit(i: int) -> None:
        try:
            barrier.wait(10)
            resp = clients[i].post("/login/2fa", data={"code": code})
            results[i] = (resp.status_code, resp.headers.get("Location", ""))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=submit, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r is not None and r[0] < 500 for r in results), results
    in_now = [is_in(c) for c in clients]
    assert sum(in_now) == 1, (results, in_now)
    db.session.expire_all()
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.actor_name == "racer")
                                .order_by(AuditEvent.id)).scalars().all()
    logins = [e for e in events if e.action == "login"]
    failed = [e for e in events if e.action == "login_failed" and e.outcome == "failure"]
    assert len(logins) == 1 and len(failed) == N - 1, [(e.action, e.summary) for e in events]
    assert verify_chain().ok
    assert db.session.get(User, uid).totp_last_step == totp.matching_step(secret, code)


def test_the_step_is_claimed_by_one_conditional_update(app):
    """Two copies of the same user (two requests) verify the same code: the second is refused
    although its own copy still shows the old step."""
    user = f.user("twice", roles=("servant",), person=f.person("两次"))
    db.session.commit()
    secret, uid = enrol(user), user.id
    code = pyotp.TOTP(secret).now()
    first = refetch(user)
    assert first.totp_last_step is None
    assert totp.verify_code(first, code)
    db.session.commit()
    db.session.expunge_all()
    stale = db.session.get(User, uid)
    from sqlalchemy.orm.attributes import set_committed_value
    set_committed_value(stale, "totp_last_step", None)      # what a request that loaded the row earlier sees
    assert not totp.verify_code(stale, code)
