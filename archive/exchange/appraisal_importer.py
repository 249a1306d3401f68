"""Importer of annual appraisal results (the file's import kind ``appraisals``): the checks of
the form (docs/rules.md §4.1: the year's sanctions, a pending case, probation, the 优秀 quota of
a department-year), then set-based inserts, the archive_files summary (latest appraisal year)
and one inbox notification per person."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from archive import rules
from archive.enums import Grade, RecordStatus
from core import clock
from core.changes import FILE, changed
from core.excel import CHOICE, INT, Column, Table
from core.extensions import db
from core.text import N_

from .file_importers import _existing, _file_ready, link
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
