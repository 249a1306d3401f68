"""Importer of training completions (from the external training platform).

Validation uses the training package's own value checks (parse_hours, parse_score,
check_completed_on); the rows are applied with ``training.services.import_completions``,
which completes open enrolments, bulk-inserts the rest and refreshes the training summary.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.errors import ValidationFailed
from core.excel import DATE, Column, Table
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
    resolve_people,
)


class CompletionImporter(Importer):
    kind = "completions"
    title = N_("培训结业记录")
    natural_key_text = "公民身份号码 + 课程编号 + 完成日期"
    columns = (
        ID_COLUMN, NAME_COLUMN,
        Column("课程编号", "course_code", max_length=30, example="CX-2026-01"),
        Column("完成日期", "completed_on", DATE, example="2026-03-01"),
        Column("学时", "hours", required=False, max_length=10, note="不填按课程学时登记；最多一位小数", example="2"),
        Column("成绩", "score", required=False, max_length=5, note="0 到 100 的整数，可不填", example="90"),
    )
    instructions = ("培训结业记录导入模板", *GENERAL, "课程编号须为系统中已有课程的编号。")
    examples = (("370502198001011234", "张伟", "CX-2026-01", "2026-03-01", "2", "90"),)

    def available(self) -> bool:
        try:
            from training import services
        except ImportError:
            return False
        return hasattr(services, "import_completions")

    def plan(self, table: Table, ctx: ImportContext) -> Plan:
        from training import services as training
        from training.models import Course, Enrolment, EnrolmentStatus
        problems = Problems()
        rows = self.parse_rows(table, problems, ctx)
        people = resolve_people(rows, problems, ctx)
        codes = sorted({v["course_code"] for _, v in rows if v.get("course_code")})
        courses: dict[str, Course] = {}
        course: Course | None
        for part in chunked(codes):
            for course in db.session.execute(sa.select(Course).where(Course.code.in_(part))).scalars():
                courses[course.code] = course
        for number, v in rows:
            if v.get("course_code") is not None:
                course = courses.get(v["course_code"]) or courses.get(v["course_code"].upper())
                v["_course"] = course
                if course is None:
                    problems.add(number, "课程编号", f"课程编号「{v['course_code'][:30]}」不存在")
            for key, column, check in (("hours", "学时", lambda x: training.parse_hours(x, required=False)),
                                       ("score", "成绩", training.parse_score)):
                try:
                    v["_" + key] = check(v.get(key))
                except ValidationFailed as exc:
                    problems.add(number, column, next(iter(exc.fields.values()), exc.message))
            if v.get("completed_on") is not None:
                try:
                    training.check_completed_on(v["completed_on"], ctx.today)
                except ValidationFailed as exc:
                    problems.add(number, "完成日期", next(iter(exc.fields.values()), exc.message))
            course = v.get("_course")
            if course is not None and v.get("_score") is not None and course.has_quiz \
                    and v["_score"] < course.pass_mark:
                problems.add(number, "成绩", f"成绩低于及格分 {course.pass_mark}，不能登记为结业")

        def natural_key(n: int, v: dict) -> tuple | None:
            return (people[n].id, v["_course"].id, v["completed_on"]) if n in people and v.get("_course") and v.get(
                "completed_on") else None
        duplicate_keys(rows, natural_key, problems, "完成日期", "公民身份号码、课程编号和完成日期")
        ok = [(n, v) for n, v in rows if not problems.has(n) and n in people]
        existing: dict[tuple, dict] = {}
        opened: dict[tuple[int, int], Enrolment] = {}      # (person, course) -> open enrolment
        course_ids = sorted({v["_course"].id for _, v in ok})
        for part in chunked(sorted({people[n].id for n, _ in ok})):
            if not course_ids:
                break
            for e in db.session.execute(sa.select(Enrolment).where(in_list(Enrolment.person_id, part),
                                                                  Enrolment.course_id.in_(course_ids))).scalars():
                if e.completed_on is not None:
                    existing[(e.person_id, e.course_id, e.completed_on)] = {"hours": e.hours_credited, "score": e.score}
                if e.status is EnrolmentStatus.ENROLLED:
                    opened[(e.person_id, e.course_id)] = e
        new, unchanged = [], 0
        for number, v in ok:
            found = natural_key(number, v)      # never None here: every row of ``ok`` is complete
            old = existing.get(found) if found is not None else None
            if old is not None:
                diff = differences(old, {"hours": v["_hours"], "score": v["_score"]}, {"hours": "学时", "score": "成绩"})
                if diff:
                    problems.add(number, diff[0], "与已有记录不一致（该日期的结业记录已存在，" + "、".join(diff) + "不同）")
                else:
                    unchanged += 1
                continue
            enrolment = opened.get((people[number].id, v["_course"].id))
            if enrolment is not None and enrolment.session is not None and v["completed_on"] < enrolment.session.starts_on:
                problems.add(number, "完成日期", "完成日期不能早于该人员所报班次的开班日期")
                continue
            new.append((number, v))

        def apply() -> int:
            imported, _ = training.import_completions([
                training.CompletionRow(person_id=people[n].id, course_id=v["_course"].id, completed_on=v["completed_on"],
                                       hours=v["_hours"], score=v["_score"]) for n, v in new], today=ctx.today)
            return imported

        return Plan(rows=len(rows), problems=problems, new=len(new), unchanged=unchanged, apply=apply)
