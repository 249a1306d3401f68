"""What the coverage package plugs in (called by archive.register): the session listener
that keeps coverage_facts current, and the coverage cards of the HR home page."""
from __future__ import annotations

from core import wiring


def coverage_cards(user) -> list[dict]:
    """HR home: overall coverage of my subtree and the number missing each metric."""
    from flask import url_for

    from archive.coverage import services
    if not user.has_role("hr") or user.department is None:
        return []
    report = services.coverage(user.department)
    t = report.totals
    rate = t.ratio("overall")
    cards = [{"title": f"{services.LABELS['overall']}（{user.department.name}）",
              "count": f"{rate * 100:.1f}%" if t.active else "—",
              "url": url_for("coverage.dashboard"),
              "level": "success" if t.active and t.missing("overall") == 0 else "warning"}]
    for metric in services.METRICS:
        missing = t.missing(metric)
        if missing:
            cards.append({"title": str(services.GAP_LABELS[metric]), "count": missing,
                          "url": url_for("coverage.gaps", metric=metric), "level": "danger"})
    return cards



def register() -> None:
    from archive.coverage.facts import install_listeners, on_changed
    install_listeners()
    wiring.add_hook(wiring.CHANGE_HANDLER, on_changed)
    wiring.add_hook(wiring.WORKLIST, coverage_cards)
