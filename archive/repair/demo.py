"""Demo data of credit repair: applications in every state (pending, some overdue;
approved with the record repaired; rejected; withdrawn), with the facts that made them
eligible (a repair course completion, a signed repair pledge) and a small evidence file.

The demo servant keeps their ~4-month-old general 行政处罚 (a credit record: statutory
sanctions are never repaired, docs/rules.md §4.6; created by the file's demo step)
and is NOT yet eligible (no repair course, no signed repair pledge), so the repair journey
can be walked through by hand.
"""
from __future__ import annotations

import io
import logging
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from archive import rules
from archive.enums import Category, CorrectionKind, PledgeKind, RecordStatus, Severity
from archive.repair.models import EVIDENCE_OWNER, RepairApplication, RepairStatus
from core import changes, clock, wiring
from core.demo import DemoContext, DemoStep
from core.extensions import db

log = logging.getLogger("integrity.demo")

STATEMENTS = {
    CorrectionKind.RECOVER_LOSS: "已全额退缴违规所得并补缴相关款项，附缴款凭证。",
    CorrectionKind.REMOVE_IMPACT: "已在单位作出书面检查并公开致歉，不良影响已消除，附整改报告。",
    CorrectionKind.STOP_HARM: "发现问题后立即采取补救措施，阻止了危害结果扩大，附情况说明。",
    CorrectionKind.FULFIL_DUTY: "已按决定要求履行全部义务，附履行证明。",
}
REJECT_REASONS = ("提交的证明材料不足以证明已挽回全部损失，请补充材料后再申请。",
                  "整改报告未经单位确认，纠正情况无法核实。")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _setval(table: str) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}','id'), "
                                   f"(SELECT MAX(id) FROM {table}))"))


def _candidates(ctx: DemoContext, settings: rules.RuleSettings):
    """Effective general/serious records past their waiting period, still restricting,
    repairable, of active people other than the demo accounts."""
    from archive.file.models import Record
    from core.registry.models import Person
    today = ctx.today
    special = set(ctx.account_people.values())
    rows = db.session.execute(
        sa.select(Record, Person.department_path).join(Person, Person.id == Record.person_id)
        .where(Record.status.in_((RecordStatus.EFFECTIVE, RecordStatus.NOTIFIED)),
               Record.permanent.is_(False), Record.restricted_until >= today,
               Record.sanction.not_in(settings.non_repairable_sanctions),
               Record.category.not_in(rules.STATUTORY_CATEGORIES),
               Record.notified_on <= today - timedelta(days=settings.objection_window_days + 40),
               Person.status == "active")
        .order_by(Record.id)).all()
    out = []
    for record, path in rows:
        if record.person_id in special:
            continue
        earliest = rules.add_months(record.decided_on, rules.repair_wait_months(record.facts_for_rules(), today, settings))
        if earliest <= today - timedelta(days=45):
            out.append((record, path, earliest))
    return out


def _plan(ctx: DemoContext, candidates) -> list[tuple]:
    """Pick the records to apply for (half of them in 东营区, the demo HR's county) and a state each."""
    rng = ctx.rng_for("repair")
    dongying = ctx.department_paths.get(ctx.county_ids.get("东营区", 0), "/none/")
    local = [c for c in candidates if c[1].startswith(dongying)]
    other = [c for c in candidates if not c[1].startswith(dongying)]
    total = min(len(candidates), max(8, min(60, len(candidates) // 6)))
    picked = rng.sample(local, min(len(local), (total + 1) // 2))
    picked += rng.sample(other, min(len(other), total - len(picked)))
    states = (RepairStatus.PENDING, RepairStatus.APPROVED, RepairStatus.REJECTED, RepairStatus.PENDING,
              RepairStatus.APPROVED, RepairStatus.WITHDRAWN, RepairStatus.PENDING, RepairStatus.REJECTED,
              RepairStatus.APPROVED)
    return [(c, states[i % len(states)], rng) for i, c in enumerate(sorted(picked, key=lambda c: c[0].id))]


def demo_repairs(ctx: DemoContext) -> None:
    from archive.file import services as file_services
    from archive.repair import services
    from core.accounts.models import User
    from core.files import save_upload
    from core.notify.services import notify_many
    settings = file_services.rule_settings()
    for what in (changes.RECORD, changes.PLEDGE, changes.TRAINING, changes.FILE):
        changes.changed(None, what)     # applications, repair pledges, courses, evidence (core.changes)
    from core.workcal.service import calendar
    cal = calendar()             # the working-day calendar, read once for every application
    _demo_servant(ctx, settings)
    plan = _plan(ctx, _candidates(ctx, settings))
    if not plan:
        return
    today = ctx.today
    hr_city = db.session.get(User, ctx.accounts.get("hr_city") or 0)
    hr_local = db.session.get(User, ctx.accounts.get("hr") or 0)
    dongying = ctx.department_paths.get(ctx.county_ids.get("东营区", 0), "/none/")
    course = _repair_course()
    pledge_rows, app_rows, notes, approvals = [], [], [], []
    next_id = (db.session.execute(sa.select(sa.func.max(RepairApplication.id))).scalar() or 0) + 1
    kinds = list(CorrectionKind)
    for (record, path, earliest), state, rng in plan:
        filed = max(earliest, today - timedelta(days=rng.randint(2 if state is RepairStatus.PENDING else 20, 45)))
        trained, pledged = filed - timedelta(days=rng.randint(3, 12)), filed - timedelta(days=rng.randint(1, 3))
        trained, pledged = max(trained, record.decided_on), max(pledged, record.decided_on)
        conditions = rules.repair_conditions(record.facts_for_rules(), filed, [trained], [pledged], None, settings)
        decided = None if state is RepairStatus.PENDING else min(today, filed + timedelta(days=rng.randint(3, 18)))
        decider = hr_local if (path.startswith(dongying) and hr_local) else hr_city
        kind = kinds[record.id % len(kinds)]
        reason = {RepairStatus.APPROVED: "材料真实完整，已纠正失信行为，同意信用修复。",
                  RepairStatus.REJECTED: REJECT_REASONS[record.id % 2]}.get(state)
        app_rows.append({
            "id": next_id, "record_id": record.id, "person_id": record.person_id, "correction": kind.value,
            "statement": STATEMENTS[kind], "filed_by_id": None, "filed_on": filed,
            "due_on": rules.repair_due(filed, settings, cal.holidays, cal.workdays), "status": state.value,
            "decided_by_id": decider.id if decider and state in (RepairStatus.APPROVED, RepairStatus.REJECTED)
            else None, "decided_on": decided, "decision_reason": reason,
            "conditions_at_filing": services.conditions_json(conditions), "version": 1})
        if state in (RepairStatus.APPROVED, RepairStatus.REJECTED):
            notes.append({"kind": "repair_decided", "person_id": record.person_id,
                          "title": f"您的信用修复申请已{'批准' if state is RepairStatus.APPROVED else '驳回'}",
                          "body": reason})
        if state is RepairStatus.APPROVED:
            approvals.append((record, decider, decided, next_id))
        if course is not None:
            _complete(course, record.person_id, trained)
        pledge_rows.append((record.person_id, pledged))
        next_id += 1
    db.session.execute(sa.insert(RepairApplication), app_rows)
    _setval("repair_applications")
    _sign_repair_pledges(ctx, pledge_rows)
    for record, decider, decided, app_id in approvals:
        file_services.mark_repaired(record, reason=f"信用修复申请 #{app_id} 批准", by=decider, on=decided)
    for row in app_rows:
        save_upload(FileStorage(io.BytesIO(PDF), filename="整改情况及证明材料.pdf"), owner_type=EVIDENCE_OWNER,
                    owner_id=row["id"], person_id=row["person_id"])
    notify_many(notes)
    db.session.flush()


def _repair_course():
    from training.enums import CourseCategory
    from training.models import Course
    return db.session.execute(sa.select(Course).where(Course.category == CourseCategory.REPAIR,
                                                      Course.active.is_(True)).order_by(Course.id)
                              .limit(1)).scalar_one_or_none()


def _complete(course, person_id: int, on) -> None:
    from core.registry.models import Person
    from training import services as training
    try:
        training.record_completion(db.session.get_one(Person, person_id), course, completed_on=on)
    except Exception:  # noqa: BLE001 - demo only: a completion the training rules refuse is skipped
        log.warning("demo: repair course completion skipped for person %s", person_id)


def _sign_repair_pledges(ctx: DemoContext, rows: list[tuple[int, date]]) -> None:
    """Signed 信用修复承诺 for the applicants (rows like the pledges demo's bulk inserts)."""
    from archive.pledges import services as pledges
    from archive.pledges.models import Pledge, PledgeStatus, PledgeText
    from core.registry.models import Person
    tpl = pledges.latest_published(PledgeKind.REPAIR)
    if tpl is None or not rows:
        return
    digest = pledges.text_sha256(tpl.text)
    if db.session.get(PledgeText, digest) is None:
        db.session.add(PledgeText(sha256=digest, text=tpl.text))
    people = {p.id: p for p in db.session.execute(sa.select(Person).where(
        Person.id.in_([pid for pid, _ in rows]))).scalars()}
    now = clock.utcnow()
    inserts = []
    for pid, on in rows:
        person = people[pid]
        signed_at = datetime(on.year, on.month, on.day, 2, 30, tzinfo=UTC)
        inserts.append({
            "person_id": pid, "template_id": tpl.id, "kind": PledgeKind.REPAIR.value, "batch": "demo-repair",
            "assigned_at": signed_at - timedelta(days=1), "assigned_on": on - timedelta(days=1),
            "assigned_by_id": None, "due_on": on + timedelta(days=14), "post_at_assignment": person.post,
            "post_since": person.appointed_on or person.entry_date, "status": PledgeStatus.SIGNED.value,
            "reminders_sent": 0, "published": False, "version": 1, "opened_at": signed_at - timedelta(minutes=6),
            "signed_at": signed_at, "signed_on": on, "sha256": digest, "typed_name": person.name,
            "ip": "10.37.8.21", "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0",
            "created_at": now, "updated_at": now})
    db.session.flush()
    db.session.execute(sa.insert(Pledge), inserts)


def _demo_servant(ctx: DemoContext, settings: rules.RuleSettings) -> None:
    """Make sure the servant's ~4-month-old general 行政处罚 exists (the file's demo step
    creates it) and that they are not yet eligible, so the journey can be walked."""
    from archive.file import services as file_services
    from archive.file.models import Record
    from archive.repair import services
    from core.accounts.models import User
    from core.registry.models import Person
    pid = ctx.account_people.get("servant")
    person = db.session.get(Person, pid) if pid else None
    if person is None:
        return
    target = rules.add_months(ctx.today, -4)
    record = db.session.execute(sa.select(Record).where(
        Record.person_id == pid, Record.category == Category.ADMIN_PENALTY, Record.severity == Severity.GENERAL,
        Record.decided_on.between(target - timedelta(days=20), target + timedelta(days=20)))
        .order_by(Record.id)).scalars().first()
    if record is None:
        hr = db.session.get(User, ctx.accounts.get("hr") or 0)
        record = file_services.record_misconduct(
            person, category="admin_penalty", sanction="none", severity="general", decided_on=target,
            authority="东营市交通运输局", facts="驾驶公务车辆违反交通运输管理规定，受到罚款的行政处罚。", by=hr)
        file_services.notify_record(record, person, by=hr, on=target + timedelta(days=3))
    unmet = {c.code for c in services.eligibility(record, ctx.today) if not c.met}
    if not {"repair_training", "repair_pledge"} <= unmet:
        log.warning("demo: the servant already meets a repair condition (%s unmet)", ", ".join(sorted(unmet)))


def register() -> None:
    """This package's demo step(s), in core.wiring (called from the package's register_cli)."""
    wiring.register(wiring.DEMO_STEP, "demo_repairs", DemoStep(50, demo_repairs))
