"""Boundaries and texts of the rules that a mutation run (make mutation, issue 16 item 7) found
untested: each row states a behaviour docs/rules.md (or the statute it cites) defines, in the
words the file page, the repair form and the 规则与依据 page show.
"""
from __future__ import annotations

from datetime import date

import pytest

from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    Category,
    Grade,
    JudgmentKind,
    RecordStatus,
    RestrictionKind,
    ReviewPurpose,
    Sanction,
    Severity,
    Verdict,
)
from archive.rules import (
    MUST_BE_INCOMPETENT,
    MUST_BE_UNGRADED,
    AppraisalFacts,
    CasePending,
    Period,
    PersonFacts,
    RecordFacts,
    RuleSettings,
    appraisal_warnings,
    check_restricted_until,
    combined_ends,
    default_restricted_until,
    disclosure_visible,
    evaluate,
    excellent_quota_exceeded,
    period_row,
    repair_conditions,
    repair_version,
    status_at,
    verdict,
)
from archive.rules.law import tables

C, S, RS, K = Category, Sanction, RecordStatus, RestrictionKind
GEN, SER, MIN = Severity.GENERAL, Severity.SERIOUS, Severity.MINOR
DEFAULTS = RuleSettings()
D = date(2026, 1, 15)


def rec(sanction: Sanction, *, id: int = 1, decided_on: date = D, severity: Severity = GEN,
        status: RecordStatus = RS.EFFECTIVE, category: Category | None = None, until="default",
        **kw) -> RecordFacts:
    category = category or next(c for c, ss in SANCTIONS_BY_CATEGORY.items() if sanction in ss)
    permanent = False
    if until == "default":
        until, permanent = default_restricted_until(category, sanction, severity, decided_on, DEFAULTS)
    elif until == "permanent":
        until, permanent = None, True
    return RecordFacts(id=id, category=category, sanction=sanction, severity=severity, status=status,
                       decided_on=decided_on, restricted_until=until, permanent=permanent, **kw)


# ------------------------------------------------------------------ periods (docs/rules.md §4.4)

@pytest.mark.parametrize("args, message", [
    pytest.param(("weeks", 3), "unknown period kind: 'weeks'", id="a kind outside the period table"),
    pytest.param(("months", -1), "a months period needs a non-negative number of months",
                 id="negative months"),
    pytest.param(("months", None), "a months period needs a non-negative number of months",
                 id="months without a number"),
    pytest.param(("probation_plus", -24), "a months period needs a non-negative number of months",
                 id="留党察看 with negative months after the probation"),
])
def test_a_period_outside_the_table_is_refused(args, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        Period(*args)


@pytest.mark.parametrize("value, expected", [
    pytest.param(0, Period("months", 0), id="RESTRICTION_PERIODS: 0 months is a (non-negative) period"),
    pytest.param("0", Period("months", 0), id="... also as digits (environment variable)"),
])
def test_zero_months_is_a_period(value, expected):
    assert Period.parse(value) == expected
    assert Period("probation_plus", 0).months == 0


# the messages of the record form when HR enters an end of restriction (docs/rules.md §4.4)
@pytest.mark.parametrize("category, sanction, severity, until, permanent, probation, message", [
    pytest.param(C.DISCIPLINE_GOV, S.EXPULSION, SER, date(2027, 3, 1), True, None,
                 "永久影响的记录不应设定影响期截止日期", id="开除 is permanent: no end date"),
    pytest.param(C.DISCIPLINE_GOV, S.DEMERIT, GEN, date(2026, 1, 14), False, None,
                 "影响期截止日期不得早于决定日期", id="an end never precedes the decision"),
    pytest.param(C.DISCIPLINE_GOV, S.DEMERIT, GEN, D, False, None, None,
                 id="an end on the decision day itself does not precede it"),
    pytest.param(C.OTHER, S.NONE, GEN, None, False, None, "该类记录须由人事干部设定影响期截止日期",
                 id="其他失信: the end is set by HR"),
    pytest.param(C.OTHER, S.NONE, GEN, None, True, None, None, id="其他失信 entered as permanent needs no end"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_PROBATION, SER, date(2028, 1, 15), False, 12,
                 "留党察看的影响期为察看期12个月加24个月，至2029年1月15日（中国共产党纪律处分条例第12条）",
                 id="党纪处分条例 art.12: 留党察看 1 year + 24 months"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_PROBATION, SER, None, True, 24,
                 "留党察看的影响期为察看期24个月加24个月，至2030年1月15日（中国共产党纪律处分条例第12条）",
                 id="党纪处分条例 art.12: 留党察看 is not permanent"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_PROBATION, SER, date(2030, 1, 15), False, 24, None,
                 id="留党察看 2 years + 24 months entered right"),
    pytest.param(C.ADMIN_PENALTY, S.NONE, MIN, None, False, None, None,
                 id="轻微 行政处罚 decided before 令第36号: no period, no end needed"),
])
def test_restricted_until_messages_word_for_word(category, sanction, severity, until, permanent, probation,
                                                 message):
    got = check_restricted_until(category, sanction, severity, D, until, permanent, DEFAULTS, probation)
    assert (None if got is None else str(got)) == message


# ------------------------------------------------------------------ restrictions (docs/rules.md §4.7)

@pytest.mark.parametrize("record, blocked", [
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY), {K.AWARD}, id="行政处罚 一般 blocks awards only"),
    pytest.param(rec(S.ADMONITION), {K.PROMOTION, K.AWARD}, id="诫勉 blocks promotion and awards, not hiring"),
    pytest.param(rec(S.CIRCULATED), set(), id="通报 blocks nothing"),
])
def test_an_evaluation_blocks_exactly_its_kinds(record, blocked):
    ev = evaluate(PersonFacts(records=(record,)), date(2026, 3, 1), DEFAULTS)
    assert {kind for kind in K if ev.blocks(kind)} == blocked


# ------------------------------------------------------------------ pending case (政务处分法 art. 52)

@pytest.mark.parametrize("started, ended, pending", [
    pytest.param(date(2026, 3, 1), None, True, id="pending from the day it starts"),
    pytest.param(date(2026, 3, 2), None, False, id="not before it starts"),
    pytest.param(date(2026, 2, 1), date(2026, 3, 2), True, id="pending on the day before it ends"),
    pytest.param(date(2026, 2, 1), date(2026, 3, 1), False, id="ended_on is the first day it no longer applies"),
])
def test_a_case_is_pending_from_its_first_day(started, ended, pending):
    ev = evaluate(PersonFacts(cases=(CasePending(started, "市纪委监委", ended),)), date(2026, 3, 1), DEFAULTS)
    assert {x.kind for x in ev.restrictions} == ({K.PROMOTION, K.AWARD, K.HIRING} if pending else set())


# ------------------------------------------------------------------ appraisal effects (docs/rules.md §4.1)

@pytest.mark.parametrize("records, year, grade, codes", [
    pytest.param([rec(S.DEMERIT, id=1, status=RS.REVOKED, decided_on=date(2026, 2, 1)),
                  rec(S.WARNING, id=2, decided_on=date(2026, 3, 1))], 2026, Grade.EXCELLENT,
                 ["not_excellent"], id="a revoked record is skipped, the next one still counts"),
    pytest.param([rec(S.DEMERIT, id=1, status=RS.EXEMPTED, decided_on=date(2026, 2, 1)),
                  rec(S.WARNING, id=2, decided_on=date(2026, 3, 1))], 2026, Grade.EXCELLENT,
                 ["not_excellent"], id="an exempted record is skipped, the next one still counts"),
    pytest.param([rec(S.CIRCULATED, id=1, decided_on=date(2026, 2, 1)),
                  rec(S.WARNING, id=2, decided_on=date(2026, 3, 1))], 2026, Grade.EXCELLENT,
                 ["not_excellent"], id="a record without effect (通报) is skipped, the next one still counts"),
    pytest.param([rec(S.DEMERIT, id=1, status=RS.DRAFT, decided_on=date(2026, 2, 1)),
                  rec(S.PARTY_POST_REMOVAL, id=2, decided_on=date(2026, 3, 1))], 2026, Grade.COMPETENT,
                 [MUST_BE_INCOMPETENT], id="a draft is skipped, the next one still counts"),
    pytest.param([rec(S.PARTY_PROBATION, decided_on=date(2026, 3, 1), until=date(2029, 3, 1))], 2026,
                 Grade.COMPETENT, [MUST_BE_INCOMPETENT],
                 id="留党察看 without a recorded probation: the 1-year row, 不称职 that year"),
    pytest.param([rec(S.PARTY_PROBATION, decided_on=date(2025, 3, 1), until=date(2028, 3, 1))], 2026,
                 Grade.COMPETENT, [MUST_BE_UNGRADED], id="... 不定等次 the next year"),
    pytest.param([rec(S.PARTY_PROBATION, decided_on=date(2024, 3, 1), until=date(2027, 3, 1))], 2026,
                 Grade.COMPETENT, [], id="... nothing the year after next"),
])
def test_appraisal_effects_of_several_records(records, year, grade, codes):
    assert [w.code for w in appraisal_warnings(year, grade, records, DEFAULTS)] == codes


# ------------------------------------------------------------------ appraisal quota (docs/rules.md §4.1)

@pytest.mark.parametrize("excellent, to_be_graded, flagged", [
    pytest.param(1, 0, False, id="nobody to be graded: the quota is not applied"),
    pytest.param(1, 1, True, id="one of one is above 20%"),
    pytest.param(1, 5, False, id="one of five is exactly 20%"),
])
def test_quota_needs_people_to_be_graded(excellent, to_be_graded, flagged):
    assert excellent_quota_exceeded(excellent, to_be_graded, DEFAULTS) is flagged


# ------------------------------------------------------------------ disclosure (docs/rules.md §12)

@pytest.mark.parametrize("as_of, visible", [
    pytest.param(date(2026, 2, 1), True, id="政务处分法 arts.55-56: disclosed while notified (window open)"),
    pytest.param(date(2026, 6, 1), True, id="notified, window passed: effective, disclosed"),
    pytest.param(date(2026, 1, 14), False, id="not before the decision"),
])
def test_a_notified_record_is_disclosed(as_of, visible):
    record = rec(S.MAJOR_DEMERIT, status=RS.NOTIFIED, notified_on=D, disclosable=True)
    assert disclosure_visible(record, as_of, DEFAULTS) is visible


# ------------------------------------------------------------------ repair scope messages (docs/rules.md §4.6)

_STATUTORY = "公职人员政务处分法第19、26条；公务员法第65条；中国共产党纪律处分条例（2023）第12条"
_ACCOUNT = "中国共产党问责条例（2019）；党政领导干部选拔任用工作条例（2019）第63条"


@pytest.mark.parametrize("record, settings, message", [
    pytest.param(rec(S.DEMERIT), DEFAULTS,
                 "政务处分·记过（2026年1月15日决定）为法定处分或处理，影响期至2027年1月15日，期满自动解除，"
                 "不适用信用修复；如认为事实有误，可提出异议、申请复核或申诉（" + _STATUTORY + "）",
                 id="statutory: released at its end, points to 异议/复核/申诉"),
    pytest.param(rec(S.EXPULSION, severity=SER), DEFAULTS,
                 "政务处分·开除（2026年1月15日决定）为法定处分或处理，不适用信用修复；"
                 "如认为事实有误，可提出异议、申请复核或申诉（" + _STATUTORY + "）",
                 id="statutory and permanent: no release date"),
    pytest.param(rec(S.CIRCULATED), DEFAULTS,
                 "问责处理·通报（2026年1月15日决定）为法定处分或处理，不适用信用修复；"
                 "如认为事实有误，可提出异议、申请复核或申诉（" + _ACCOUNT + "）",
                 id="问责 通报 has no end: no release date, its own instrument"),
    pytest.param(rec(S.NONE, category=C.JUDICIAL, until=date(2027, 1, 15), judgment_kind=JudgmentKind.CRIMINAL),
                 DEFAULTS, "司法判决（2026年1月15日决定）为刑事处罚，不适用信用修复（公务员法第26条）",
                 id="公务员法 art.26: 刑事处罚 never repaired"),
    pytest.param(rec(S.NONE, category=C.JUDICIAL, until="permanent", judgment_kind=JudgmentKind.OTHER),
                 DEFAULTS, "司法判决（2026年1月15日决定）属开除或永久影响，不适用信用修复",
                 id="a permanent credit record is not repaired"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, until=date(2027, 1, 15)),
                 RuleSettings.from_mapping({"NON_REPAIRABLE_SANCTIONS": ["none"]}),
                 "行政处罚（2026年1月15日决定）属开除或永久影响，不适用信用修复",
                 id="NON_REPAIRABLE_SANCTIONS configured"),
])
def test_repair_scope_messages_word_for_word(record, settings, message):
    conditions = repair_conditions(record, date(2026, 6, 1), [D], [D], None, settings)
    (category,) = [c for c in conditions if c.code == "category"]
    assert (category.met, str(category.message)) == (False, message)


# ------------------------------------------------------------------ the 规则与依据 page (docs/rules.md §4.1, §4.6, §4.7)

def test_appraisal_effects_table_as_on_the_page():
    """docs/rules.md §4.1, row by row, as the 规则与依据 page shows it."""
    rows = [(r["cause"], r["effect"], r["effective_from"]) for r in tables()["appraisal_effects"]]
    d = "2020-12-28"
    assert rows == [
        ("警告", "当年不得评为优秀", d),
        ("警告", "当年不得评为优秀", d),
        ("诫勉", "当年不得评为优秀", d),
        ("调整职务", "当年不得评为优秀", d),
        ("记过", "当年不定等次", d),
        ("严重警告", "当年不定等次", d),
        ("责令辞职", "当年不定等次", d),
        ("免职", "当年不定等次", d),
        ("降职", "当年不定等次", d),
        ("记大过", "当年不定等次；其后第1年不定等次", d),
        ("降级", "当年不定等次；其后第1年不定等次", d),
        ("撤职", "当年不定等次；其后第1年不定等次", d),
        ("撤销党内职务", "当年定为不称职", d),
        ("留党察看（察看期12个月）", "当年定为不称职；其后第1年不定等次", d),
        ("留党察看（察看期24个月）", "当年定为不称职；其后第1年不定等次；其后第2年不定等次", d),
        ("开除党籍", "当年定为不称职；其后第1年不定等次；其后第2年不定等次", d),
        ("立案审查中（考核时案件未结）", "不定等次；结案后可补定等次", ""),
        ("新录用人员试用期内（默认自录用之日起12个月）", "不定等次", ""),
    ]


def test_hiring_bars_table_as_on_the_page():
    """docs/rules.md §4.7: for ever after 刑事处罚, 开除党籍, 开除; the others while they last."""
    rows = [(r["bar"], r["scope"]) for r in tables()["hiring_bars"]]
    assert rows == [
        ("曾因犯罪受过刑事处罚", "终身不得录用"),
        ("被开除中国共产党党籍", "终身不得录用"),
        ("被开除公职", "终身不得录用"),
        ("被依法列为失信联合惩戒对象", "期间内不得录用"),
        ("受政务处分或党纪处分期间（尚未解除）", "期间内不得录用"),
        ("有效的严重失信记录", "期间内不得录用"),
        ("正在接受纪律审查、监察调查（立案审查中）", "期间内不得录用"),
        ("被辞退未满五年", "期间内不得录用"),
    ]


def test_repair_versions_table_as_on_the_page():
    """docs/rules.md §4.6: 令第58号 until 2026-03-31 (3 months; 12 in 安全生产, 消防, 特种设备),
    令第36号 from 2026-04-01 (轻微 none, 一般 3, 严重 12 months)."""
    rows = [(r["citation"], r["effective_from"], r["effective_to"], r["min_months"])
            for r in tables()["repair_versions"]]
    assert rows == [
        ("国家发展改革委令第58号（2023）", "2023-05-01", "2026-03-31",
         "轻微3个月；一般3个月；严重3个月；安全生产、消防、特种设备12个月"),
        ("国家发展改革委令第36号", "2026-04-01", "", "轻微0个月；一般3个月；严重12个月"),
    ]


@pytest.mark.parametrize("kw, grade, codes", [
    pytest.param({"cases": [CasePending(date(2026, 12, 31), "区纪委")]}, Grade.COMPETENT, ["case_pending"],
                 id="a case started on 31 December is pending at the appraisal"),
    pytest.param({"cases": [CasePending(date(2026, 5, 1), "区纪委", date(2026, 12, 31))]}, Grade.COMPETENT, [],
                 id="a case ended on 31 December is no longer pending"),
    pytest.param({"cases": [CasePending(date(2026, 5, 1), "区纪委")]}, Grade.UNGRADED, [],
                 id="pending case with 不定等次 is right"),
    pytest.param({"entry_date": date(2026, 3, 1)}, Grade.UNGRADED, [], id="recruit in probation with 不定等次 is right"),
])
def test_appraisal_case_and_probation_boundaries(kw, grade, codes):
    assert [w.code for w in appraisal_warnings(2026, grade, [], DEFAULTS, **kw)] == codes


def test_appraisal_warning_of_a_later_year_word_for_word():
    """docs/rules.md §4.1: 记大过 gives 不定等次 that year and the next; the message names the year."""
    record = rec(S.MAJOR_DEMERIT, decided_on=date(2025, 3, 1))
    assert [str(w.message) for w in appraisal_warnings(2026, Grade.COMPETENT, [record], DEFAULTS)] == [
        "受政务处分·记大过（2025年3月1日决定），其后第1年（2026年）不定等次（组通字〔1998〕19号；公务员考核规定（2020））"]


# ------------------------------------------------------------------ the row in force (docs/rules.md §4.4, §4.6)

@pytest.mark.parametrize("severity, on, citation", [
    pytest.param(GEN, date(2026, 3, 31), "国家发展改革委令第58号（2023，试行）", id="一般 decided 2026-03-31: 令第58号"),
    pytest.param(GEN, date(2026, 4, 1), "国家发展改革委令第36号", id="一般 decided 2026-04-01: 令第36号"),
    pytest.param(SER, date(2023, 5, 1), "国家发展改革委令第58号（2023，试行）", id="严重 on the day 令第58号 takes effect"),
    pytest.param(SER, date(2022, 6, 1), "国家发展改革委令第58号（2023，试行）",
                 id="decided before any row: the first row of the table"),
    pytest.param(SER, None, "国家发展改革委令第36号", id="no date: the row in force today"),
    pytest.param(MIN, date(2025, 6, 1), "国家发展改革委令第36号（轻微：不公示、即可修复）",
                 id="轻微 has only the 令第36号 row"),
])
def test_the_period_row_in_force_on_the_decision_date(severity, on, citation):
    assert period_row(C.ADMIN_PENALTY, S.NONE, severity, on).citation == citation


@pytest.mark.parametrize("on, citation", [
    pytest.param(date(2023, 5, 1), "国家发展改革委令第58号（2023）", id="令第58号 from 2023-05-01"),
    pytest.param(date(2022, 6, 1), "国家发展改革委令第58号（2023）", id="before 令第58号: the first version"),
    pytest.param(date(2030, 1, 1), "国家发展改革委令第36号", id="令第36号 open-ended"),
])
def test_the_repair_version_in_force_on_the_application_date(on, citation):
    assert repair_version(on).citation == citation


def _unmet(record: RecordFacts, on: date, settings: RuleSettings = DEFAULTS, course: date | None = None) -> list[str]:
    day = course or record.decided_on
    return [c.code for c in repair_conditions(record, on, [day], [day], None, settings) if not c.met]


@pytest.mark.parametrize("config, on, unmet", [
    pytest.param({"REPAIR_MIN_MONTHS": {"serious": 6}}, date(2026, 7, 15), [],
                 id="REPAIR_MIN_MONTHS overrides every version: 严重 after 6 months"),
    pytest.param({"REPAIR_MIN_MONTHS": {"serious": 6}}, date(2026, 7, 14), ["waiting_period"],
                 id="... not the day before"),
    pytest.param({"REPAIR_MIN_MONTHS": {"serious": 0}}, date(2026, 1, 15), [],
                 id="REPAIR_MIN_MONTHS 0: no waiting at all"),
    pytest.param({}, date(2026, 7, 15), ["waiting_period"], id="default 令第36号: 严重 waits 12 months"),
])
def test_configured_repair_waiting(config, on, unmet):
    record = rec(S.NONE, category=C.ADMIN_PENALTY, severity=SER, until=date(2029, 1, 15))
    assert _unmet(record, on, RuleSettings.from_mapping(config)) == unmet


@pytest.mark.parametrize("course, unmet", [
    pytest.param(date(2026, 6, 1), [], id="course and pledge on the application day count"),
    pytest.param(date(2026, 6, 2), ["repair_training", "repair_pledge"], id="not after the application day"),
])
def test_repair_course_on_the_application_day(course, unmet):
    record = rec(S.NONE, category=C.ADMIN_PENALTY, until=date(2027, 1, 15))
    assert _unmet(record, date(2026, 6, 1), course=course) == unmet


# ------------------------------------------------------------------ hiring (公务员法 art. 26 item 4)

def test_joint_punishment_item_is_named_in_the_hiring_bar():
    record = rec(S.NONE, category=C.OTHER, until=date(2027, 1, 15), item="失信联合惩戒对象")
    ev = evaluate(PersonFacts(records=(record,)), date(2026, 3, 1), DEFAULTS)
    assert [str(x.reason) for x in ev.restrictions if x.kind is K.HIRING] == [
        "其他失信（失信联合惩戒对象，2026年1月15日决定）：被列为失信联合惩戒对象，不得录用（公务员法第26条）"]


# ------------------------------------------------------------------ chains never shorten a sanction (§4.4 rule 3)

@pytest.mark.parametrize("records, expected", [
    pytest.param([rec(S.DEMERIT, id=1, until=date(2031, 1, 15)), rec(S.WARNING, id=2, decided_on=date(2026, 7, 15))],
                 {1: date(2031, 1, 15), 2: date(2031, 1, 15)},
                 id="a running chain longer than the cap keeps its end (rest + new capped, never shorter)"),
    pytest.param([rec(S.WARNING, id=1), rec(S.DEMERIT, id=2, decided_on=date(2026, 3, 15), until=date(2031, 3, 15))],
                 {1: date(2031, 3, 15), 2: date(2031, 3, 15)},
                 id="a new sanction longer than the cap keeps its own end"),
    pytest.param([rec(S.MAJOR_DEMERIT, id=1, until=date(2030, 7, 15)), rec(S.MAJOR_DEMERIT, id=2)],
                 {1: date(2030, 7, 15), 2: date(2030, 7, 15)},
                 id="decided together: the cap never cuts a member's own (edited) period"),
])
def test_the_cap_never_shortens_a_sanction(records, expected):
    assert combined_ends(records, DEFAULTS) == expected


# ------------------------------------------------------------------ status at a date (docs/rules.md §4.4, §4.7)

@pytest.mark.parametrize("record, as_of, status", [
    pytest.param(rec(S.DEMERIT, status=RS.EXPIRED), D, RS.EFFECTIVE,
                 id="stored expired, on its decision day: effective"),
    pytest.param(rec(S.DEMERIT, status=RS.EXPIRED), date(2027, 1, 15), RS.EFFECTIVE,
                 id="stored expired, on its last day: effective"),
    pytest.param(rec(S.DEMERIT, status=RS.EXPIRED), date(2027, 1, 16), RS.EXPIRED,
                 id="stored expired, the day after: expired"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, status=RS.REPAIRED, repaired_on=date(2026, 6, 1)),
                 date(2026, 5, 31), RS.EFFECTIVE, id="a repaired record without a notification date: effective before"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, status=RS.REPAIRED, repaired_on=date(2026, 6, 1)),
                 date(2026, 6, 1), RS.REPAIRED, id="... repaired from the repair day"),
    pytest.param(rec(S.DEMERIT, notified_on=date(2026, 1, 16), objected_on=date(2026, 2, 1),
                     objection_closed_on=date(2026, 3, 1)), date(2026, 2, 1), RS.UNDER_OBJECTION,
                 id="under objection from the day it is filed"),
    pytest.param(rec(S.DEMERIT, notified_on=date(2026, 1, 16), objected_on=date(2026, 2, 1),
                     objection_closed_on=date(2026, 3, 1)), date(2026, 1, 31), RS.NOTIFIED,
                 id="notified the day before the objection"),
    pytest.param(rec(S.DEMERIT, notified_on=date(2026, 1, 16), objected_on=date(2026, 2, 1),
                     objection_closed_on=date(2026, 3, 1)), date(2026, 2, 28), RS.UNDER_OBJECTION,
                 id="under objection the day before it is decided"),
    pytest.param(rec(S.DEMERIT, notified_on=date(2026, 1, 16), objected_on=date(2026, 2, 1),
                     objection_closed_on=date(2026, 3, 1)), date(2026, 3, 1), RS.EFFECTIVE,
                 id="effective on the day the objection is rejected"),
])
def test_status_at_boundaries(record, as_of, status):
    assert status_at(record, as_of, DEFAULTS) is status


# ------------------------------------------------------------------ evaluation and verdicts (docs/rules.md §4.7, §8)

def test_the_appraisal_of_the_year_evaluated_counts():
    person = PersonFacts(appraisals=(AppraisalFacts(2026, Grade.INCOMPETENT),))
    ev = evaluate(person, date(2026, 12, 31), DEFAULTS)
    assert [(x.kind, str(x.reason)) for x in ev.restrictions] == [
        (K.PROMOTION, "2026年度考核为不称职，不得晋升职务职级（公务员法第50条）")]


def test_a_permanent_record_is_not_missing_an_end():
    ev = evaluate(PersonFacts(records=(rec(S.EXPULSION, severity=SER),)), date(2026, 3, 1), DEFAULTS)
    assert ev.notes == []


@pytest.mark.parametrize("purpose, expected", [
    pytest.param(ReviewPurpose.PROMOTION, (Verdict.ATTENTION, ["行政处罚（2026年3月1日决定）为有效失信记录（不直接限制晋升，需综合考虑）"]),
                 id="a 行政处罚 decided on the review day is weighed for promotion"),
    pytest.param(ReviewPurpose.AWARD, (Verdict.INELIGIBLE, ["行政处罚（2026年3月1日决定）为有效失信记录（至2027年3月1日），不得评优评先"]),
                 id="... and bars awards from that day"),
])
def test_a_record_decided_on_the_review_day(purpose, expected):
    record = rec(S.NONE, category=C.ADMIN_PENALTY, decided_on=date(2026, 3, 1))
    person = PersonFacts(records=(record,))
    as_of = date(2026, 3, 1)
    got, reasons = verdict(purpose, evaluate(person, as_of, DEFAULTS), person, as_of, DEFAULTS)
    assert (got, [str(r) for r in reasons]) == expected


def test_appraisal_warning_of_a_pending_case_word_for_word():
    """docs/rules.md §4.1: a case pending at the appraisal → 不定等次 until it ends; the message names it."""
    case = CasePending(date(2026, 11, 2), "区纪委监委")
    assert [str(w.message) for w in appraisal_warnings(2026, Grade.COMPETENT, [], DEFAULTS, cases=[case])] == [
        "立案审查中（区纪委监委，2026年11月2日起），案件未结前应不定等次，结案后可补定等次"]


def test_repair_scope_table_as_on_the_page():
    """docs/rules.md §4.6: statutory records (政务处分, 党纪处分, 问责处理) are never repaired; credit records can be."""
    rows = [(r["category"], r["repairable"]) for r in tables()["repair_scope"]]
    assert rows == [
        ("政务处分", "不适用信用修复"), ("党纪处分", "不适用信用修复"), ("问责处理", "不适用信用修复"),
        ("司法判决", "可以修复"), ("行政处罚", "可以修复"), ("承诺未履行", "可以修复"),
        ("个人事项漏报瞒报", "可以修复"), ("其他失信", "可以修复"),
    ]


# ------------------------------------------------------------------ restriction reasons, word for word (§4.7)

_RECRUIT = "（公务员录用规定（2019）第18条；历年公务员招录公告）"


@pytest.mark.parametrize("record, expected", [
    pytest.param(rec(S.DEMERIT), [
        (K.PROMOTION, "政务处分·记过（2026年1月15日决定）处于影响期内（至2027年1月15日），不得晋升职务职级（公职人员政务处分法第19条）"),
        (K.AWARD, "政务处分·记过（2026年1月15日决定）为有效失信记录（至2027年1月15日），不得评优评先"),
        (K.HIRING, "政务处分·记过（2026年1月15日决定）尚未解除（至2027年1月15日），不得录用" + _RECRUIT),
    ], id="政务处分: 政务处分法 art.19 for promotion"),
    pytest.param(rec(S.PARTY_WARNING), [
        (K.PROMOTION, "党纪处分·警告（2026年1月15日决定）处于影响期内（至2027年1月15日），不得晋升职务职级"
                      "（中国共产党纪律处分条例（2023）第10条）"),
        (K.AWARD, "党纪处分·警告（2026年1月15日决定）为有效失信记录（至2027年1月15日），不得评优评先"),
        (K.HIRING, "党纪处分·警告（2026年1月15日决定）尚未解除（至2027年1月15日），不得录用" + _RECRUIT),
    ], id="党纪处分: its own article for promotion"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, severity=SER, until=date(2029, 1, 15)), [
        (K.AWARD, "行政处罚（2026年1月15日决定）为有效失信记录（至2029年1月15日），不得评优评先"),
        (K.HIRING, "行政处罚（2026年1月15日决定）为有效的严重失信记录，不得录用"),
    ], id="严重 credit record"),
])
def test_restrictions_of_a_record_word_for_word(record, expected):
    ev = evaluate(PersonFacts(records=(record,)), date(2026, 3, 1), DEFAULTS)
    assert [(x.kind, str(x.reason)) for x in ev.restrictions] == expected
    assert {(x.until, x.record_id, x.permanent) for x in ev.restrictions} == {(record.restricted_until, 1, False)}


def test_every_restriction_of_a_joint_punishment_record_carries_its_end():
    record = rec(S.NONE, category=C.JUDICIAL, until=date(2027, 1, 15), judgment_kind=JudgmentKind.JUDGMENT_DEBTOR)
    ev = evaluate(PersonFacts(records=(record,)), date(2026, 3, 1), DEFAULTS)
    assert [(x.kind, x.until, x.record_id, x.permanent) for x in ev.restrictions] == [
        (K.AWARD, date(2027, 1, 15), 1, False), (K.HIRING, date(2027, 1, 15), 1, False)]


# ------------------------------------------------------------------ configuration (archive/rules/settings.py)

@pytest.mark.parametrize("value, blocked", [(1, True), ("yes", True), (0, False), (False, False)])
def test_two_basic_setting_is_read(value, blocked):
    assert RuleSettings.from_mapping({"PROMOTION_BLOCKED_BY_TWO_BASIC": value}).promotion_blocked_by_two_basic is blocked


def test_a_chained_record_is_weighed_until_the_chain_ends():
    """docs/rules.md §4.4 rule 3 with accountability configured to combine: for hiring (not barred by 问责)
    both records of the chain are weighed while the chain runs, the first past its own end."""
    settings = RuleSettings.from_mapping({"COMBINABLE_CATEGORIES": ["discipline_gov", "accountability"]})
    person = PersonFacts(records=(rec(S.ADMONITION, id=1), rec(S.SUSPENSION, id=2, decided_on=date(2026, 4, 15))))
    as_of = date(2026, 8, 1)
    got, reasons = verdict(ReviewPurpose.HIRING, evaluate(person, as_of, settings), person, as_of, settings)
    assert (got, [str(r) for r in reasons]) == (Verdict.ATTENTION, [
        "问责处理·诫勉（2026年1月15日决定）为有效失信记录（不直接限制录用，需综合考虑）",
        "问责处理·停职检查（2026年4月15日决定）为有效失信记录（不直接限制录用，需综合考虑）"])


@pytest.mark.parametrize("notified_on, as_of", [
    pytest.param(date(2026, 2, 20), date(2026, 3, 1), id="objection window still open"),
    pytest.param(date(2026, 1, 20), date(2026, 3, 1), id="objection window passed"),
])
def test_a_notified_record_is_weighed_for_promotion(notified_on, as_of):
    """政务处分法 arts. 55-56: a notified record already counts; a 行政处罚 is weighed for promotion."""
    record = rec(S.NONE, category=C.ADMIN_PENALTY, status=RS.NOTIFIED, notified_on=notified_on)
    person = PersonFacts(records=(record,))
    got, reasons = verdict(ReviewPurpose.PROMOTION, evaluate(person, as_of, DEFAULTS), person, as_of, DEFAULTS)
    assert (got, [str(r) for r in reasons]) == (
        Verdict.ATTENTION, ["行政处罚（2026年1月15日决定）为有效失信记录（不直接限制晋升，需综合考虑）"])


# ------------------------------------------------------------------ exact as-of through the evaluation (§4.4, §4.7)

def test_a_released_chain_is_noted_with_the_chain_end():
    """§4.4 rule 3: both records of a chain are released on the chain's end, and the note says so."""
    person = PersonFacts(records=(rec(S.DEMERIT, id=1), rec(S.WARNING, id=2, decided_on=date(2026, 7, 15))))
    ev = evaluate(person, date(2027, 9, 1), DEFAULTS)
    assert [str(n) for n in ev.notes] == [
        "政务处分·记过（2026年1月15日决定）影响期已于2027年7月15日届满解除（近12个月内）",
        "政务处分·警告（2026年7月15日决定）影响期已于2027年7月15日届满解除（近12个月内）"]


@pytest.mark.parametrize("as_of, ends", [
    pytest.param(date(2027, 1, 20), {1: date(2027, 7, 15), 2: date(2027, 7, 15)},
                 id="before the revocation the chain stood"),
    pytest.param(date(2027, 2, 1), {2: date(2027, 6, 15)}, id="from the revocation the new record runs alone"),
])
def test_the_evaluation_takes_the_chain_as_it_stood(as_of, ends):
    first = rec(S.DEMERIT, id=1, status=RS.REVOKED, notified_on=D, revoked_on=date(2027, 2, 1))
    second = rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))
    assert evaluate(PersonFacts(records=(first, second)), as_of, DEFAULTS).record_ends == ends


@pytest.mark.parametrize("as_of, barred", [
    pytest.param(date(2026, 6, 1), True, id="a conviction revoked later still barred that day"),
    pytest.param(date(2027, 2, 1), False, id="not from its revocation"),
])
def test_a_forever_bar_as_it_stood(as_of, barred):
    record = rec(S.NONE, category=C.JUDICIAL, until=date(2027, 1, 15), judgment_kind=JudgmentKind.CRIMINAL,
                 status=RS.REVOKED, notified_on=D, revoked_on=date(2027, 2, 1))
    ev = evaluate(PersonFacts(records=(record,)), as_of, DEFAULTS)
    assert any(x.kind is K.HIRING and x.permanent for x in ev.restrictions) is barred


# ------------------------------------------------------------------ more repair texts (docs/rules.md §4.6)

@pytest.mark.parametrize("record, as_of, message", [
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, status=RS.NOTIFIED, notified_on=date(2026, 5, 20),
                     until=date(2027, 1, 15)), date(2026, 6, 1), "记录尚在告知期，生效后方可申请修复",
                 id="notified: wait until effective"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, status=RS.UNDER_OBJECTION, until=date(2027, 1, 15)),
                 date(2026, 6, 1), "记录异议处理中，异议处理完毕后方可申请修复", id="under objection"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, until=date(2027, 1, 15)), date(2027, 1, 16),
                 "记录影响期已届满解除，无需修复", id="expired: nothing to repair"),
])
def test_repair_status_problems_word_for_word(record, as_of, message):
    (status,) = [c for c in repair_conditions(record, as_of, [D], [D], None, DEFAULTS) if c.code == "status"]
    assert (status.met, str(status.message)) == (False, message)


def test_statutory_repair_message_names_the_chain_end():
    """§4.4 rule 3 and §4.6: the form shows when the chain (not the record alone) is released."""
    conditions = repair_conditions(rec(S.DEMERIT), date(2026, 9, 1), [D], [D], None, DEFAULTS, date(2027, 7, 15))
    (category,) = [c for c in conditions if c.code == "category"]
    assert "影响期至2027年7月15日，期满自动解除" in str(category.message)


def test_waiting_period_met_on_the_day_word_for_word():
    record = rec(S.NONE, category=C.ADMIN_PENALTY, until=date(2027, 1, 15))
    (wait,) = [c for c in repair_conditions(record, date(2026, 4, 15), [D], [D], None, DEFAULTS)
               if c.code == "waiting_period"]
    assert (wait.met, str(wait.message)) == (
        True, "自决定之日起须满3个月（一般，国家发展改革委令第36号），2026年4月15日起可申请，已满足")


@pytest.mark.parametrize("item, on, unmet", [
    pytest.param("环境保护违法", date(2026, 3, 31), [], id="令第58号: another field waits 3 months"),
    pytest.param("消防通道占用", date(2026, 3, 31), ["waiting_period"], id="令第58号: 消防 waits 12 months"),
    pytest.param("特种设备未检", date(2026, 3, 31), ["waiting_period"], id="令第58号: 特种设备 waits 12 months"),
])
def test_the_sector_rule_of_order_58(item, on, unmet):
    record = rec(S.NONE, category=C.ADMIN_PENALTY, decided_on=date(2025, 12, 1), until=date(2026, 12, 1), item=item)
    assert _unmet(record, on) == unmet


def test_chain_rest_of_days_across_a_month_end():
    """The unserved rest from 2026-03-20 to 2026-04-10 is 21 days (not 1 month less 10 days)."""
    first = rec(S.DEMERIT, id=1, decided_on=date(2025, 4, 10), until=date(2026, 4, 10))
    second = rec(S.WARNING, id=2, decided_on=date(2026, 3, 20))
    assert combined_ends([first, second], DEFAULTS) == {1: date(2026, 10, 11), 2: date(2026, 10, 11)}


def test_a_permanent_joint_punishment_record_bars_for_ever():
    record = rec(S.NONE, category=C.JUDICIAL, until="permanent", judgment_kind=JudgmentKind.JUDGMENT_DEBTOR)
    ev = evaluate(PersonFacts(records=(record,)), date(2030, 1, 1), DEFAULTS)
    assert [(x.kind, x.until, x.permanent) for x in ev.restrictions] == [(K.AWARD, None, True), (K.HIRING, None, True)]


def test_without_a_date_the_stored_status_decides_the_chain():
    """combined_ends without ``as_of`` (the stored ``restricts_until`` of today): a revoked record never chains."""
    first = rec(S.DEMERIT, id=1, status=RS.REVOKED, notified_on=D, revoked_on=date(2027, 2, 1))
    second = rec(S.WARNING, id=2, decided_on=date(2026, 12, 15), notified_on=date(2026, 12, 16))
    assert combined_ends([first, second], DEFAULTS) == {2: date(2027, 6, 15)}
