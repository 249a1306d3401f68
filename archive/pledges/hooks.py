"""What the pledges package plugs in (called by archive.register):

- automatic pre-appointment assignment (docs/rules.md §5): when a person is registered or appointed
  to a new post, the registry calls ``auto_assign_pre_appointment`` (core never imports archive);
- the pledges section of the integrity file;
- HR's workbench card of overdue pledges;
- the pledges to sign in the to-do block of "my file" and on a new servant's welcome page.
"""
from __future__ import annotations

from core import wiring


def register() -> None:
    from archive.pledges.assignment import auto_assign_pre_appointment
    from archive.pledges.models import install_immutability_guards
    from archive.pledges.summary import file_section, todo_items
    from archive.pledges.views import overdue_card
    install_immutability_guards()
    wiring.add_hook(wiring.PERSON_REGISTERED, auto_assign_pre_appointment)
    wiring.add_hook(wiring.PERSON_APPOINTED, auto_assign_pre_appointment)
    wiring.register(wiring.FILE_SECTION, "pledges", file_section)
    wiring.add_hook(wiring.WORKLIST, overdue_card)
    wiring.register(wiring.TODO, "pledges", todo_items)
    wiring.add_hook(wiring.WELCOME, welcome_items)


def welcome_items(user) -> list[dict]:
    """The welcome page of a newly activated servant: pledges waiting for their signature."""
    import sqlalchemy as sa
    from flask import url_for
    from flask_babel import gettext as _

    from archive.pledges.models import Pledge, PledgeStatus
    from core.extensions import db
    if not user.person_id:
        return []
    n = db.session.execute(sa.select(sa.func.count()).select_from(Pledge).where(
        Pledge.person_id == user.person_id, Pledge.status == PledgeStatus.ASSIGNED)).scalar_one()
    return [{"title": _("待签署的承诺书 %(n)s 份", n=n), "detail": _("请阅读后在线签署"),
             "url": url_for("pledges.my_pledges")}] if n else []
