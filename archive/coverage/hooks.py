"""What the coverage package plugs in (called by archive.register): the handler of the unit
of work (core.changes) that keeps coverage_facts current, and the coverage cards of the HR
home page."""
from __future__ import annotations

from archive.coverage import facts
from core import wiring


def coverage_cards(user) -> list[dict]:
    """HR home: overall coverage of my subtree and the number missing each metric."""
    from flask import url_for
    from flask_babel import gettext as _

    from archive.coverage import services
    if not user.has_role("hr") or user.department is None:
        return []
    report = services.coverage(user.department)
    t = report.totals
    rate = t.ratio("overall")
    points = services.trend(user.department, live=report)
    cards = [{"title": _("%(label)s（%(department)s）", label=services.LABELS["overall"],
                         department=user.department.name),
              "count": f"{rate * 100:.1f}%" if t.active else "—",
              "url": url_for("coverage.dashboard"),
              "level": "success" if t.active and t.missing("overall") == 0 else "warning",
              # the HR workbench draws the monthly trend of the overall rate under the cards
              "trend": [(label, c.ratio("overall")) for label, c in points]}]
    for metric in services.METRICS:
        missing = t.missing(metric)
        if missing:
            cards.append({"title": str(services.GAP_LABELS[metric]), "count": missing,
                          "url": url_for("coverage.gaps", metric=metric), "level": "danger"})
    return cards


def _gap_choices() -> list[tuple[str, str]]:
    from archive.coverage import services
    return [(m, str(services.GAP_LABELS[m])) for m in services.METRICS]


def _gap_clause(code: str, today):
    """People whose coverage facts miss ``code`` (档案未建立, 未签任职前承诺, …), active or not."""
    import sqlalchemy as sa

    from archive.coverage import services
    from archive.coverage.models import CoverageFacts
    from core.registry.models import Person
    if code not in services.METRICS:
        return None
    facts.apply_pending()
    f = CoverageFacts.__table__.c
    return Person.id.in_(sa.select(f.person_id).where(sa.not_(services.conditions(today)[code])))


def _gap_label() -> str:
    from flask_babel import gettext as _
    return _("缺少的覆盖项目")


def _register_people_filter() -> None:

    from core.registry.filters import PeopleFilter, register
    register(PeopleFilter("gap", _gap_label, _gap_choices, _gap_clause))


def register() -> None:
    from archive.coverage.facts import on_changed
    wiring.add_hook(wiring.CHANGE_HANDLER, on_changed)
    wiring.add_hook(wiring.WORKLIST, coverage_cards)
    _register_people_filter()
