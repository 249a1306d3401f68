"""``flask --app wsgi coverage show|snapshot|refresh`` (API.md "Command line")."""
from __future__ import annotations

import json
import time
import unicodedata

import click
from flask.cli import AppGroup

from core import clock
from core.extensions import db

coverage = AppGroup("coverage", help="Coverage toward 100% (docs/rules.md §7).")

HEADERS = ["单位", "在职人数", "档案建立率", "承诺签署率", "考核录入率", "培训达标率", "综合覆盖率", "综合缺口"]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * max(0, width - _width(text))
    return space + text if right else text + space


def render_table(report) -> str:
    from archive.coverage.services import ALL_METRICS

    def line(name, c):
        return [name, str(c.active)] + [f"{c.ratio(m) * 100:.1f}%" if c.active else "—" for m in ALL_METRICS] + [
            str(c.missing("overall"))]
    rows = [line(f"{report.department.name}（合计）", report.totals)]
    rows += [line("  " + d.name, c) for d, c in report.children]
    if report.direct.active:
        rows.append(line("  本级直属人员", report.direct))
    widths = [max(_width(r[i]) for r in [HEADERS, *rows]) for i in range(len(HEADERS))]
    out = ["  ".join(_pad(h, widths[i], i > 0) for i, h in enumerate(HEADERS))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(_pad(v, widths[i], i > 0) for i, v in enumerate(r)) for r in rows]
    return "\n".join(out)


def _default_department():
    import sqlalchemy as sa

    from core.registry.models import Department
    roots = db.session.execute(sa.select(Department).where(Department.parent_id.is_(None))
                               .order_by(Department.sort_order, Department.id)).scalars().all()
    if not roots:
        raise click.ClickException("没有单位数据")
    root = roots[0]
    # a province with a single city: start at the city (the region of this deployment)
    kids = db.session.execute(sa.select(Department).where(Department.parent_id == root.id)).scalars().all()
    return kids[0] if len(roots) == 1 and len(kids) == 1 else root


@coverage.command("show")
@click.option("--department", "department_id", type=int, help="单位 id（默认：全域）")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="统计日期 YYYY-MM-DD")
@click.option("--json", "as_json", is_flag=True, help="输出与 GET /api/v1/coverage 相同的 JSON")
def show(department_id, as_of, as_json):
    """The coverage table of docs/rules.md §7 for a department and its children."""
    from archive.coverage import facts, services
    from core.errors import DomainError
    from core.registry.models import Department
    department = db.session.get(Department, department_id) if department_id else _default_department()
    if department is None:
        raise click.ClickException(f"单位不存在: {department_id}")
    if facts.ensure_current():
        db.session.commit()
    try:
        report = services.coverage(department, as_of.date() if as_of else None)
    except DomainError as exc:
        raise click.ClickException("；".join(exc.fields.values()) or exc.message) from None
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{department.name} 覆盖率（统计日期 {report.as_of.isoformat()}"
               + ("，月度快照" if report.source == services.SOURCE_SNAPSHOT else
                  "，无该月快照，按当前数据" if report.source == services.SOURCE_CURRENT else "") + "）")
    click.echo(render_table(report))


@coverage.command("snapshot")
def snapshot():
    """Refresh the facts and store this month's snapshot of every department (monthly cron;
    running it again in the same month replaces that month's snapshot)."""
    from archive.coverage import facts, services
    day = clock.today()
    t0 = time.perf_counter()
    people = facts.refresh_all_facts(day)
    rows = services.take_snapshot(day)
    db.session.commit()
    click.echo(f"coverage snapshot {day:%Y-%m}: {rows} departments, {people} people, "
               f"{time.perf_counter() - t0:.1f} s")


@coverage.command("refresh")
def refresh():
    """Rebuild every person's coverage facts and recount the summary cube (after bulk SQL that
    bypassed the session, or a TRUNCATE, which fires no trigger)."""
    from archive.coverage import cube, facts
    t0 = time.perf_counter()
    people = facts.refresh_all_facts()
    cube.rebuild()
    db.session.commit()
    click.echo(f"coverage facts refreshed: {people} people, {time.perf_counter() - t0:.1f} s")


def init_app(app) -> None:
    app.cli.add_command(coverage)
