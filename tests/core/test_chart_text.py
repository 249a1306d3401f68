"""Issue 19 item 17: a chart carries its data as text for screen readers (WCAG 1.1.1)."""
from __future__ import annotations

from flask import get_template_attribute


def test_the_trend_chart_has_its_points_as_text(app):
    with app.test_request_context():
        trend = get_template_attribute("_macros/charts.html", "trend")
        html = str(trend([("2026-10", 0.5), ("2026-11", 0.825)]))
    assert 'role="img"' in html
    text = html[html.index("data-chart-text"):]
    assert "2026-10 50.0%" in text and "2026-11 82.5%" in text and 'class="visually-hidden"' in html
