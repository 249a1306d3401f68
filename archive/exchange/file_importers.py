"""Importers of the integrity file: appraisals, awards, misconduct records.

Each reproduces the checks of its service in archive/file/services.py (add_appraisal,
add_award, record_misconduct) for a whole table at once, then inserts with Core and does
what the services do on the side: the archive_files summary (latest appraisal year),
notifications of appraisal results, one audit event per import (services.run_batch).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from archive import rules
from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    AwardKind,
    Category,
    Grade,
    JudgmentKind,
    RecordStatus,
    Sanction,
    Severity,
    sanction_from_zh,
)
from core import clock
from core.changes import FILE, changed
from core.excel import BOOL, CHOICE, DATE, INT, Column, Table
from core.extensions import db
from core.text import N_

from .importing import (
    GENERAL,
    ID_COLUMN,
    NAME_COLUMN,
    ImportContext,
    Importer,
    Plan,
    Problems,
    chunked,
    differences,
    duplicate_keys,
    in_list,
    insert_rows,
    resolve_people,
)


def _file_ready() -> bool:
    try:
        from archive.file import models, services  # noqa: F401
    except ImportError:
        return False
    return hasattr(models, "Record") and hasattr(services, "record_misconduct")


def link(endpoint: str) -> str | None:
    """A site-relative link (also in a background job, without a request)."""
    if endpoint not in current_app.view_functions:
        return None
    if has_request_context():
        return url_for(endpoint)
    return current_app.url_map.bind("").build(endpoint)


def _existing(model, person_ids: list[int], *columns, where=None):
    for part in chunked(sorted(set(person_ids))):
        sel = sa.select(*columns).where(in_list(model.person_id, part))
        yield from db.session.execute(sel.where(where) if where is not None else sel)


# ---- appraisals ---------------------------------------------------------------------------

class AppraisalImporter(Importer):
    kind = "appraisals"
    title = N_("年度考核结果")
    natural_key_text = "公民身份号码 + 年度"
    columns = (
        ID_COLUMN, NAME_COLUMN,
        Column("年度", "year", INT, example="2025", note="考核年度，例如 2025"),
        Column("考核等次", "grade", CHOICE, choices=tuple(g.zh for g in Grade), example="称职"),
        Column("文号", "document_no", required=False, max_length=100, example="东人社〔2026〕3号"),
        Column("录入理由", "override_reason", required=False, max_length=500,
               note="仅当结果与考核规则不符（如受处分当年评为优秀、单位优秀比例超过限额）而确需录入时填写"),
    )
    instructions = ("年度考核结果导入模板", *GENERAL,
                    "同一人同一年度只能有一个考核结果；已有结果不同时会报错，请在档案页面使用“更正”（保留原结果）。",
                    "考核等次须为：" + "、".join(g.zh for g in Grade) + "。")
    examples = (("370502198001011234", "张伟", 2025, "称职", "", ""),)

    def available(self) -> bool:
        return _file_ready()

    def plan(self, table: Table, ctx: ImportContext) -> Plan:
        from archive.file.models import Appraisal, ArchiveFile, Record
        from archive.file.services import rule_settings
        settings = rule_settings()
        problems = Problems()
        rows = self.parse_rows(table, problems, ctx)
        people = resolve_people(rows, problems, ctx)
        this_year = ctx.today.year
        by_zh = {g.zh: g for g in Grade}
        for number, v in rows:
            year = v.get("year")
            if year is not None and not 1950 <= year <= this_year:
                problems.add(number, "年度", f"年度须在 1950 到 {this_year} 之间")
            if v.get("grade") is not None:
                v["_grade"] = by_zh.get(v["grade"].strip())
        duplicate_keys(rows, lambda n, v: (people[n].id, v["year"]) if n in people and v.get("year") else None,
                       problems, "年度", "公民身份号码和年度")
        ok = [(n, v) for n, v in rows if not problems.has(n) and n in people]
        pids = [people[n].id for n, _ in ok]
        years = sorted({v["year"] for _, v in ok})
        existing = {(r.person_id, r.year): r._asdict() for r in _existing(
            Appraisal, pids, Appraisal.person_id, Appraisal.year, Appraisal.grade, Appraisal.document_no,
            where=Appraisal.year.in_(years))}
        new, unchanged = [], 0
        for number, v in ok:
            old = existing.get((people[number].id, v["year"]))
            if old is None:
                new.append((number, v))
                continue
            diff = differences(old, {"grade": v["_grade"], "document_no": v.get("document_no")},
                               {"grade": "考核等次", "document_no": "文号"})
            if diff:
                problems.add(number, diff[0], f"与已有记录不一致：{v['year']}年度已有考核结果"
                             f"「{Grade(old['grade']).zh}」{'（文号不同）' if diff == ['文号'] else ''}；"
                             "如需更正请在档案页面使用“更正”")
            else:
                unchanged += 1
        # entry checks (docs/rules.md §4.1): sanctions of the year, then the 优秀 quota per department-year
        # the same checks as the form (services.appraisal_checks): the year's sanctions, a case
        # pending at the appraisal, a recruit in probation
        from archive.file.models import CaseFlag
        records: dict[int, list] = defaultdict(list)
        cases: dict[int, list] = defaultdict(list)
        new_years = {v["year"] for _, v in new}
        if new_years:   # only sanctions decided in the appraisal year or the year before count (rules.appraisal_warnings)
            wanted = sorted({people[n].id for n, _ in new})
            for part in chunked(wanted):
                for r in db.session.execute(sa.select(Record).where(
                        Record.person_id.in_(part),
                        Record.decided_on >= date(min(new_years) - 1, 1, 1),
                        Record.decided_on <= date(max(new_years), 12, 31),
                        Record.status.not_in((RecordStatus.REVOKED, RecordStatus.EXEMPTED)))).scalars():
                    records[r.person_id].append(r.facts_for_rules())
                for k in db.session.execute(sa.select(CaseFlag).where(CaseFlag.person_id.in_(part))).scalars():
                    cases[k.person_id].append(k.facts_for_rules())
        warned: dict[int, list[str]] = {}
        today = clock.today()
        for number, v in new:
            person = people[number]
            found = rules.appraisal_warnings(v["year"], v["_grade"], records.get(person.id, ()), settings,
                                             cases=cases.get(person.id, ()), entry_date=person.entry_date,
                                             as_of=max(today, date(v["year"], 12, 31)))
            if found:
                warned[number] = [str(w.message) for w in found]
        self._quota(new, people, settings, warned)
        for number, v in new:
            if number in warned and not v.get("override_reason"):
                problems.add(number, "考核等次", "；".join(warned[number]) + "（如确需录入，请在「录入理由」列说明）")
        new = [(n, v) for n, v in new if not problems.has(n)]

        def apply() -> int:
            now = clock.utcnow()
            insert_rows(Appraisal.__table__, [
                {"person_id": people[n].id, "year": v["year"], "grade": v["_grade"], "document_no": v.get("document_no"),
                 "notes": None, "override_reason": v.get("override_reason") if n in warned else None,
                 "entered_by_id": ctx.actor_id, "version": 1, "created_at": now, "updated_at": now} for n, v in new])
            latest: dict[int, int] = {}
            for n, v in new:
                pid = people[n].id
                latest[pid] = max(latest.get(pid, 0), v["year"])
            _update_archive_files(ArchiveFile, latest, now)
            _notify_results(Appraisal, {(v["year"], v["_grade"]) for _, v in new}, now, ctx.actor_id)
            return len(new)

        return Plan(rows=len(rows), problems=problems, new=len(new), unchanged=unchanged, apply=apply)

    @staticmethod
    def _quota(new, people, settings, warned) -> None:
        """优秀 above EXCELLENT_QUOTA of a department-year once the file is in: a warning on its 优秀 rows."""
        from archive.file.models import Appraisal
        from core.registry.models import Person
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        for number, v in new:
            groups[(people[number].department_id, v["year"])].append(number)
        by_number = dict(new)
        asked = {key for key, numbers in groups.items()
                 if any(by_number[n]["_grade"] is Grade.EXCELLENT for n in numbers)}
        if not asked:
            return
        from core.enums import PersonStatus
        stored: dict[tuple[int, int], int] = {}
        depts = sorted({d for d, _ in asked})
        importing = {people[n].id for numbers in groups.values() for n in numbers}
        for part in chunked(depts):
            for dept_id, year, excellent in db.session.execute(
                    sa.select(Person.department_id, Appraisal.year, sa.func.count())
                    .select_from(Appraisal).join(Person, Person.id == Appraisal.person_id)
                    .where(Person.department_id.in_(part), Appraisal.year.in_({y for _, y in asked}),
                           Appraisal.grade == Grade.EXCELLENT, Appraisal.person_id.not_in(importing))
                    .group_by(Person.department_id, Appraisal.year)):
                stored[(dept_id, year)] = excellent
        for key in asked:
            numbers = groups[key]
            excellent_rows = [n for n in numbers if by_number[n]["_grade"] is Grade.EXCELLENT]
            excellent = stored.get(key, 0) + len(excellent_rows)
            # the base: the department's active people to be graded that year (docs/rules.md §4.1),
            # not the results entered so far, as the form counts it (services.appraisal_checks)
            graded = max(1, db.session.execute(
                sa.select(sa.func.count()).select_from(Person).where(
                    Person.department_id == key[0], Person.status == PersonStatus.ACTIVE,
                    Person.entry_date <= date(key[1], 12, 31))).scalar_one())
            if rules.excellent_quota_exceeded(excellent, graded, settings):
                pct = int(settings.excellent_quota * 100)
                for n in excellent_rows:
                    warned.setdefault(n, []).append(
                        f"本单位{key[1]}年度优秀比例将达到 {excellent}/{graded}，超过 {pct}% 的限额")


def _batch_rows(Appraisal, now, actor_id):
    """The appraisals this import inserted (same creation time and author)."""
    return sa.and_(Appraisal.created_at == now,
                   Appraisal.entered_by_id == actor_id if actor_id is not None else Appraisal.entered_by_id.is_(None))


def _update_archive_files(ArchiveFile, latest: dict[int, int], now) -> None:
    """archive_files.last_appraisal_year = the latest year, rows created where missing, as add_appraisal does."""
    from archive.file.models import Appraisal
    from core.guards import allow_bulk
    have: set[int] = set()
    for part in chunked(sorted(latest)):
        have.update(db.session.execute(sa.select(ArchiveFile.person_id).where(in_list(ArchiveFile.person_id, part)))
                    .scalars())
    insert_rows(ArchiveFile.__table__, [
        {"person_id": pid, "established": False, "last_appraisal_year": year, "version": 1, "created_at": now,
         "updated_at": now} for pid, year in latest.items() if pid not in have])
    if not have:
        return
    changed(have, FILE)      # their archive_files rows (below)
    t = ArchiveFile.__table__
    with allow_bulk("Excel import: latest appraisal year (versions incremented)"):
        for year in sorted(set(latest.values())):       # set-based, one UPDATE per year, oldest first
            imported = sa.select(Appraisal.person_id).where(Appraisal.created_at == now, Appraisal.year == year)
            db.session.execute(sa.update(t).where(t.c.person_id.in_(imported), sa.or_(
                t.c.last_appraisal_year.is_(None), t.c.last_appraisal_year < year)).values(
                last_appraisal_year=year, version=t.c.version + 1, updated_at=now))


def _notify_results(Appraisal, combos, now, actor_id) -> None:
    """Each person's inbox: 「2025年度考核结果：称职」, as add_appraisal does: one INSERT … SELECT over the
    rows of this import (the title built in SQL: one pass, however many years and grades the file has)."""
    from core.db import UTCDateTime
    from core.notify.models import Notification
    if not combos:
        return
    target = link("file.my_file")
    grades = sorted({g for _, g in combos}, key=lambda g: g.value)
    title = (sa.cast(Appraisal.year, sa.String()) + sa.literal("年度考核结果：", sa.String())
             + sa.case({g: sa.literal(g.zh, sa.String()) for g in grades}, value=Appraisal.grade))
    db.session.execute(sa.insert(Notification).from_select(
        ["kind", "title", "body", "link", "person_id", "created_at"],
        sa.select(sa.literal("appraisal"), title, sa.literal("您的年度考核结果已记入诚信档案。"),
                  sa.literal(target, sa.String()), Appraisal.person_id, sa.literal(now, UTCDateTime()))
        .where(_batch_rows(Appraisal, now, actor_id), Appraisal.year.in_(sorted({y for y, _ in combos})),
               Appraisal.grade.in_(grades))))


# ---- awards -------------------------------------------------------------------------------

class AwardImporter(Importer):
    kind = "awards"
    title = N_("奖励")
    natural_key_text = "公民身份号码 + 名称 + 日期"
    columns = (
        ID_COLUMN, NAME_COLUMN,
        Column("奖励类型", "kind", CHOICE, choices=tuple(k.zh for k in AwardKind), example="嘉奖"),
        Column("名称", "title", max_length=200, example="2025年度嘉奖", width=24),
        Column("日期", "awarded_on", DATE, example="2026-01-20"),
        Column("批准机关", "authority", max_length=200, example="东营市东营区人民政府", width=24),
        Column("文号", "document_no", required=False, max_length=100, example="东区政〔2026〕5号"),
    )
    instructions = ("奖励、荣誉称号导入模板", *GENERAL, "奖励类型须为：" + "、".join(k.zh for k in AwardKind) + "。")
    examples = (("370502198001011234", "张伟", "嘉奖", "2025年度嘉奖", "2026-01-20", "东营市东营区人民政府", ""),)

    def available(self) -> bool:
        return _file_ready()

    def plan(self, table: Table, ctx: ImportContext) -> Plan:
        from archive.file.models import Award
        problems = Problems()
        rows = self.parse_rows(table, problems, ctx)
        people = resolve_people(rows, problems, ctx)
        for number, v in rows:
            if v.get("kind") is not None:
                v["_kind"] = AwardKind.from_zh(v["kind"])
            _past(problems, number, "日期", v.get("awarded_on"), ctx.today)

        def key(n, v):
            return (people[n].id, v["title"], v["awarded_on"]) if n in people and v.get("title") and v.get(
                "awarded_on") else None
        duplicate_keys(rows, key, problems, "名称", "公民身份号码、名称和日期")
        _refuse_pending_cases(rows, people, problems, ctx.today)
        ok = [(n, v) for n, v in rows if not problems.has(n) and n in people]
        existing = {(r.person_id, r.title, r.awarded_on): r._asdict() for r in _existing(
            Award, [people[n].id for n, _ in ok], Award.person_id, Award.title, Award.awarded_on, Award.kind,
            Award.authority, Award.document_no)}
        new, unchanged = [], 0
        for number, v in ok:
            old = existing.get(key(number, v))
            if old is None:
                new.append((number, v))
                continue
            diff = differences(old, {"kind": v["_kind"], "authority": v["authority"], "document_no": v.get("document_no")},
                               {"kind": "奖励类型", "authority": "批准机关", "document_no": "文号"})
            if diff:
                problems.add(number, diff[0], "与已有记录不一致（同名同日期的奖励已存在，" + "、".join(diff) + "不同）")
            else:
                unchanged += 1

        def apply() -> int:
            now = clock.utcnow()
            insert_rows(Award.__table__, [
                {"person_id": people[n].id, "kind": v["_kind"], "title": v["title"], "awarded_on": v["awarded_on"],
                 "authority": v["authority"], "document_no": v.get("document_no"), "entered_by_id": ctx.actor_id,
                 "created_at": now, "updated_at": now} for n, v in new])
            return len(new)

        return Plan(rows=len(rows), problems=problems, new=len(new), unchanged=unchanged, apply=apply)


def _refuse_pending_cases(rows, people, problems: Problems, today: date) -> None:
    """No new award while a case is pending (立案审查中, 政务处分法 art. 52)."""
    import sqlalchemy as sa

    from archive.file.models import CaseFlag
    ids = {people[n].id for n, _ in rows if n in people}
    if not ids:
        return
    pending = {c.person_id: c for c in db.session.execute(
        db.select(CaseFlag).where(CaseFlag.person_id.in_(ids), CaseFlag.started_on <= today,
                                  sa.or_(CaseFlag.ended_on.is_(None), CaseFlag.ended_on > today))).scalars()}
    for number, _ in rows:
        case = pending.get(people[number].id) if number in people else None
        if case is not None:
            problems.add(number, "姓名", f"该人员正在立案审查中（{case.authority}，{case.started_on.isoformat()}起），"
                                       "案件办结前不得给予奖励（公职人员政务处分法第52条）")


def _past(problems: Problems, number: int, column: str, value: date | None, today: date) -> None:
    if value is None:
        return
    if value > today:
        problems.add(number, column, f"{column}不能晚于今天")
    elif value.year < 1950:
        problems.add(number, column, f"{column}有误")


# ---- misconduct records -------------------------------------------------------------------

class RecordImporter(Importer):
    kind = "records"
    title = N_("失信记录")
    natural_key_text = "公民身份号码 + 类别 + 处分或处理 + 决定日期（+ 文号）"
    columns = (
        ID_COLUMN, NAME_COLUMN,
        Column("类别", "category", CHOICE, choices=tuple(c.zh for c in Category), example="政务处分"),
        Column("处分或处理", "sanction", required=False, max_length=20, example="记过",
               note="须属于所填类别（如政务处分：警告、记过、记大过、降级、撤职、开除）；司法判决、行政处罚等类别填“无”或留空"),
        Column("情节", "severity", CHOICE, choices=tuple(s.zh for s in Severity), example="一般"),
        Column("决定日期", "decided_on", DATE, example="2026-01-15"),
        Column("决定机关", "authority", max_length=200, example="东营区监察委员会", width=22),
        Column("事实", "facts", max_length=10000, example="……", width=40),
        Column("文号", "document_no", required=False, max_length=100, example="东区监〔2026〕1号"),
        Column("影响期截止日期", "restricted_until", DATE, required=False,
               note="不填按规则自动计算；司法判决、其他失信、留党察看须填写"),
        Column("事项", "item", required=False, max_length=50, note="可选列表中的事项，可不填"),
        Column("是否公示", "disclosable", BOOL, required=False, note="是 / 否，不填视为否"),
        Column("事实不公开", "facts_private", BOOL, required=False, note="是 / 否，不填视为否"),
        Column("判决类型", "judgment_kind", required=False, max_length=10,
               note="司法判决须填：刑事处罚 / 失信被执行人 / 其他"),
        Column("察看期（月）", "probation_months", INT, required=False,
               note="留党察看须填 12 或 24；影响期为察看期加24个月"),
    )
    instructions = ("政务失信记录导入模板", *GENERAL,
                    "导入的记录为草稿状态，须在档案页面逐条告知本人后生效。",
                    "类别须为：" + "、".join(c.zh for c in Category) + "。")
    examples = (("370502198001011234", "张伟", "政务处分", "记过", "一般", "2026-01-15", "东营区监察委员会",
                 "违规兼职取酬", "东区监〔2026〕1号", "", "", "否", "否", "", ""),)

    def available(self) -> bool:
        return _file_ready()

    def plan(self, table: Table, ctx: ImportContext) -> Plan:
        from archive.file.models import Record
        from archive.file.services import record_items, rule_settings
        settings = rule_settings()
        items = record_items()
        problems = Problems()
        rows = self.parse_rows(table, problems, ctx)
        people = resolve_people(rows, problems, ctx)
        for number, v in rows:
            category = Category.from_zh(v["category"]) if v.get("category") else None
            v["_category"] = category
            v["_severity"] = Severity.from_zh(v["severity"]) if v.get("severity") else None
            sanction = None
            if category is not None:
                sanction = sanction_from_zh(category, v.get("sanction") or "")
                if sanction is None:
                    allowed = "、".join(s.zh for s in SANCTIONS_BY_CATEGORY[category])
                    problems.add(number, "处分或处理", f"「{(v.get('sanction') or '（空）')[:20]}」不属于{category.zh}，"
                                 f"可选：{allowed}")
            v["_sanction"] = sanction
            if v["_severity"] is Severity.MINOR and category is not Category.ADMIN_PENALTY:
                problems.add(number, "情节", "“轻微”情节只适用于行政处罚")
            v["_judgment"] = None
            if category is Category.JUDICIAL:
                v["_judgment"] = JudgmentKind.from_zh(v.get("judgment_kind") or "")
                if v["_judgment"] is None:
                    problems.add(number, "判决类型", "司法判决须填写判决类型：刑事处罚 / 失信被执行人 / 其他")
            probation = v.get("probation_months")
            v["_probation"] = probation if sanction is Sanction.PARTY_PROBATION else None
            if sanction is Sanction.PARTY_PROBATION and probation not in settings.party_probation_months:
                problems.add(number, "察看期（月）", "留党察看须填写察看期：12 或 24")
            _past(problems, number, "决定日期", v.get("decided_on"), ctx.today)
            if v.get("item") and v["item"] not in items:
                problems.add(number, "事项", "事项不在可选列表中：" + "、".join(items))
            if problems.has(number) or category is None or sanction is None or v["_severity"] is None \
                    or v.get("decided_on") is None:
                continue
            default_until, permanent = rules.default_restricted_until(category, sanction, v["_severity"],
                                                                      v["decided_on"], settings, v["_probation"])
            until = v.get("restricted_until")
            if until is None and not permanent:
                until = default_until
            problem = rules.check_restricted_until(category, sanction, v["_severity"], v["decided_on"], until,
                                                   permanent, settings, v["_probation"])
            if problem:
                problems.add(number, "影响期截止日期", problem)
            v["_until"], v["_permanent"] = until, permanent

        def key(n, v):
            if n not in people or None in (v.get("_category"), v.get("_sanction"), v.get("decided_on")):
                return None
            return (people[n].id, v["_category"], v["_sanction"], v["decided_on"], v.get("document_no") or "")
        duplicate_keys(rows, key, problems, "决定日期", "公民身份号码、类别、处分或处理、决定日期和文号")
        ok = [(n, v) for n, v in rows if not problems.has(n) and n in people]
        existing = {}
        for r in _existing(Record, [people[n].id for n, _ in ok], Record.person_id, Record.category, Record.sanction,
                           Record.decided_on, Record.document_no, Record.severity, Record.authority, Record.facts):
            existing[(r.person_id, Category(r.category), Sanction(r.sanction), r.decided_on, r.document_no or "")] = \
                r._asdict()
        new, unchanged = [], 0
        for number, v in ok:
            old = existing.get(key(number, v))
            if old is None:
                new.append((number, v))
                continue
            diff = differences(old, {"severity": v["_severity"], "authority": v["authority"], "facts": v["facts"]},
                               {"severity": "情节", "authority": "决定机关", "facts": "事实"})
            if diff:
                problems.add(number, diff[0], "与已有记录不一致（同一决定的记录已存在，" + "、".join(diff)
                             + "不同；请在档案页面修改）")
            else:
                unchanged += 1

        def apply() -> int:
            now = clock.utcnow()
            source = f"import:{ctx.batch_id}" if ctx.batch_id else "import"
            insert_rows(Record.__table__, [
                {"person_id": people[n].id, "category": v["_category"], "sanction": v["_sanction"],
                 "item": v.get("item"), "severity": v["_severity"], "decided_on": v["decided_on"],
                 "restricted_until": v["_until"], "permanent": v["_permanent"], "restricted_until_reason": None,
                 "restricts_until": None if v["_permanent"] else v["_until"], "judgment_kind": v["_judgment"],
                 "probation_months": v["_probation"],
                 "authority": v["authority"], "document_no": v.get("document_no"), "facts": v["facts"],
                 "facts_private": bool(v.get("facts_private")), "disclosable": bool(v.get("disclosable")),
                 "status": RecordStatus.DRAFT, "source": source, "entered_by_id": ctx.actor_id, "version": 1,
                 "created_at": now, "updated_at": now} for n, v in new])
            return len(new)

        return Plan(rows=len(rows), problems=problems, new=len(new), unchanged=unchanged, apply=apply)
