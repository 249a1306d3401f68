"""The law, exact (issue 15): table-driven tests, one row per statute sentence, citing it.

Sources (docs/rules.md; LAW-NOTES §7.6-7.10):
* 行政机关公务员处分条例 art. 10: "在受处分期间受到新的处分的，其处分期为尚未执行的期限与新处分期限之和"，
  最长不超过48个月; 同时决定: 种类不同执行最重的, 种类相同（撤职以下）在一个处分期以上、多个处分期之和以下.
* 公职人员政务处分法 art. 15 (decided together), 26 (release at the end), 52 (pending case).
* 中国共产党纪律处分条例 (2023) art. 12: 留党察看 1 or 2 years; 恢复党员权利后二年内不得担任同等及以上职务.
* 公务员法 art. 26: 因犯罪受过刑事处罚的; 被开除中国共产党党籍的; 被开除公职的; 被依法列为失信联合惩戒对象的.
* 组通字〔1998〕19号 (appraisal effects; the heaviest wins).
* 国家发展改革委令第58号 (until 2026-03-31) and 令第36号 (from 2026-04-01): repair waiting periods.
"""
from __future__ import annotations

from datetime import date

import pytest

from archive import rules
from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    Category,
    Grade,
    IntegrityStatus,
    JudgmentKind,
    RecordStatus,
    RestrictionKind,
    ReviewPurpose,
    Sanction,
    Severity,
    Verdict,
)
from archive.rules import (
    CasePending,
    PersonFacts,
    RecordFacts,
    RuleSettings,
    appraisal_warnings,
    check_restricted_until,
    combined_ends,
    default_restricted_until,
    evaluate,
    repair_conditions,
    status_at,
    verdict,
)

C, S, V, RS, K = Category, Sanction, Severity, RecordStatus, RestrictionKind
GEN, SER, MIN = V.GENERAL, V.SERIOUS, V.MINOR
DEFAULTS = RuleSettings()


def rec(sanction: Sanction = S.DEMERIT, *, id: int = 1, decided_on: date = date(2026, 1, 15),
        category: Category | None = None, severity: Severity = GEN, status: RecordStatus = RS.EFFECTIVE,
        until: date | None | str = "default", **kw) -> RecordFacts:
    if category is None:
        category = next(c for c, ss in SANCTIONS_BY_CATEGORY.items() if sanction in ss)
    permanent = False
    if until == "default":
        until, permanent = default_restricted_until(category, sanction, severity, decided_on, DEFAULTS,
                                                    kw.get("probation_months"))
    return RecordFacts(id, category, sanction, severity, status, decided_on, until, permanent, **kw)


def ends(*records: RecordFacts) -> dict[int, date]:
    return combined_ends(records, DEFAULTS)


# ------------------------------------------------------------------ sanction chains (§4.4 rules 1-3)

CHAINS = [
    pytest.param([rec(S.DEMERIT, id=1), rec(S.WARNING, id=2, decided_on=date(2026, 7, 15))],
                 # 记过 to 2027-01-15; 警告 on 2026-07-15: rest 6 months + 6 months = 2027-07-15
                 {1: date(2027, 7, 15), 2: date(2027, 7, 15)},
                 id="条例 art.10: 警告 inside a running 记过 = rest + new (mixed kinds)"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.DEMERIT, id=2, decided_on=date(2026, 7, 15))],
                 {1: date(2028, 1, 15), 2: date(2028, 1, 15)},
                 id="条例 art.10: same kind, rest 6 + new 12"),
    pytest.param([rec(S.REMOVAL, id=1), rec(S.REMOVAL, id=2, decided_on=date(2026, 7, 15)),
                  rec(S.REMOVAL, id=3, decided_on=date(2027, 1, 15))],
                 # 2026-07-15: rest 18 + 24 = 42 → 2030-01-15; 2027-01-15: rest 36 + 24 = 60 → cap 48 → 2031-01-15
                 {1: date(2031, 1, 15), 2: date(2031, 1, 15), 3: date(2031, 1, 15)},
                 id="条例 art.10: three 撤职 in a row, capped at 48 months from the newest"),
    pytest.param([rec(S.DEMOTION, id=1), rec(S.WARNING, id=2)],
                 {1: date(2028, 1, 15), 2: date(2028, 1, 15)},
                 id="政务处分法 art.15: decided together, different kinds → heaviest executed"),
    pytest.param([rec(S.MAJOR_DEMERIT, id=1), rec(S.MAJOR_DEMERIT, id=2), rec(S.MAJOR_DEMERIT, id=3)],
                 {1: date(2030, 1, 15), 2: date(2030, 1, 15), 3: date(2030, 1, 15)},
                 id="政务处分法 art.15: three 记大过 together = 54 → capped at 48 months"),
    pytest.param([rec(S.WARNING, id=1), rec(S.DEMERIT, id=2, decided_on=date(2026, 7, 16))],
                 {1: date(2026, 7, 15), 2: date(2027, 7, 16)},
                 id="a sanction decided the day after the end is not in the chain"),
    pytest.param([rec(S.WARNING, id=1), rec(S.DEMERIT, id=2, decided_on=date(2026, 7, 15))],
                 {1: date(2027, 7, 15), 2: date(2027, 7, 15)},
                 id="decided on the last day of the period: still running (rest 0 + 12)"),
    pytest.param([rec(S.PARTY_WARNING, id=1), rec(S.PARTY_WARNING, id=2, decided_on=date(2026, 7, 15))],
                 {1: date(2027, 1, 15), 2: date(2027, 7, 15)},
                 id="党纪处分: each runs its own period (not a 政务处分 chain)"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.ADMONITION, id=2, decided_on=date(2026, 7, 15))],
                 {1: date(2027, 1, 15), 2: date(2027, 1, 15)},
                 id="问责 does not extend a 政务处分 (separate periods, union restricts)"),
]


@pytest.mark.parametrize(("records", "expected"), CHAINS)
def test_chains(records, expected):
    assert ends(*records) == expected


def test_chain_rule_3_no_early_release():
    """条例 art.9 / 公务员法 art.65: the earlier sanction is not released on its own end date."""
    chain = (rec(S.DEMERIT, id=1), rec(S.WARNING, id=2, decided_on=date(2026, 7, 15)))
    day = date(2027, 3, 1)  # after the 记过's own end (2027-01-15), inside the chain (2027-07-15)
    evaluation = evaluate(PersonFacts(records=chain), day, DEFAULTS)
    assert evaluation.record_status == {1: RS.EFFECTIVE, 2: RS.EFFECTIVE}
    assert {r.record_id for r in evaluation.of_kind(K.PROMOTION)} == {1, 2}
    assert all(r.until == date(2027, 7, 15) for r in evaluation.of_kind(K.PROMOTION))
    assert evaluate(PersonFacts(records=chain), date(2027, 7, 16), DEFAULTS).status is IntegrityStatus.GOOD


def test_chain_as_of_before_the_second_decision():
    """Exact as-of: before the 警告 was decided, the 记过 ended on its own date."""
    chain = (rec(S.DEMERIT, id=1), rec(S.WARNING, id=2, decided_on=date(2026, 7, 15)))
    evaluation = evaluate(PersonFacts(records=chain), date(2026, 7, 1), DEFAULTS)
    assert evaluation.record_ends == {1: date(2027, 1, 15)}


# ------------------------------------------------------------------ Party discipline (§4.4; 条例 art. 10-12)

@pytest.mark.parametrize(("sanction", "probation", "end"), [
    pytest.param(S.PARTY_WARNING, None, date(2027, 1, 15), id="条例 art.10: 警告 1 year"),
    pytest.param(S.PARTY_SERIOUS_WARNING, None, date(2027, 7, 15), id="条例 art.10: 严重警告 1.5 years"),
    pytest.param(S.PARTY_POST_REMOVAL, None, date(2028, 1, 15), id="条例 art.11: 撤销党内职务 2 years"),
    pytest.param(S.PARTY_PROBATION, 12, date(2029, 1, 15), id="条例 art.12: 留党察看 1 year + 2 = 36 months"),
    pytest.param(S.PARTY_PROBATION, 24, date(2030, 1, 15), id="条例 art.12: 留党察看 2 years + 2 = 48 months"),
])
def test_party_periods(sanction, probation, end):
    got = default_restricted_until(C.DISCIPLINE_PARTY, sanction, SER, date(2026, 1, 15), DEFAULTS, probation)
    assert got == (end, False)


@pytest.mark.parametrize(("probation", "until", "problem"), [
    pytest.param(12, None, None, id="probation 12, computed end"),
    pytest.param(24, date(2030, 1, 15), None, id="probation 24 with its end"),
    pytest.param(None, None, "察看期", id="probation missing"),
    pytest.param(18, None, "察看期", id="probation 18 refused (条例 art.12: 1 or 2 years)"),
    pytest.param(12, date(2027, 1, 15), "第12条", id="end = probation only is refused"),
])
def test_party_probation_checks(probation, until, problem):
    message = check_restricted_until(C.DISCIPLINE_PARTY, S.PARTY_PROBATION, SER, date(2026, 1, 15), until,
                                     False, DEFAULTS, probation)
    assert (message is None) if problem is None else (problem in message)


@pytest.mark.parametrize(("record", "basis"), [
    pytest.param(rec(S.PARTY_WARNING), "中国共产党纪律处分条例", id="Party sanction cites the 党纪处分条例"),
    pytest.param(rec(S.PARTY_PROBATION, probation_months=12), "第12条", id="留党察看 cites art.12"),
    pytest.param(rec(S.ADMONITION), "诫勉", id="诫勉 cites its own rules"),
    pytest.param(rec(S.DEMERIT), "政务处分法第19条", id="政务处分 cites the 政务处分法"),
])
def test_promotion_reason_cites_the_right_instrument(record, basis):
    (promotion,) = evaluate(PersonFacts(records=(record,)), date(2026, 6, 1), DEFAULTS).of_kind(K.PROMOTION)
    assert basis in promotion.reason
    if record.category is not C.DISCIPLINE_GOV:
        assert "政务处分法" not in promotion.reason


def test_party_probation_restricts_promotion_through_probation_plus_24_months():
    record = rec(S.PARTY_PROBATION, probation_months=12)
    assert evaluate(PersonFacts(records=(record,)), date(2028, 6, 1), DEFAULTS).blocks(K.PROMOTION)
    assert not evaluate(PersonFacts(records=(record,)), date(2029, 1, 16), DEFAULTS).blocks(K.PROMOTION)


# ------------------------------------------------------------------ hiring bars (§4.7; 公务员法 art. 26)

def judicial(kind: JudgmentKind, **kw) -> RecordFacts:
    return rec(S.NONE, category=C.JUDICIAL, judgment_kind=kind, until=date(2027, 1, 15), **kw)


AT = date(2026, 6, 1)
HIRING = [
    pytest.param(PersonFacts(records=(judicial(JudgmentKind.CRIMINAL),)), date(2035, 1, 1), True,
                 id="art.26(1): 刑事处罚 bars for ever, even after its end, entered as 一般"),
    pytest.param(PersonFacts(records=(rec(S.PARTY_EXPULSION, severity=GEN),)), AT, True,
                 id="art.26(2): 开除党籍 entered as 一般 still bars"),
    pytest.param(PersonFacts(records=(rec(S.EXPULSION, severity=GEN),)), AT, True,
                 id="art.26(3): 开除 entered as 一般 still bars"),
    pytest.param(PersonFacts(records=(judicial(JudgmentKind.JUDGMENT_DEBTOR),)), AT, True,
                 id="art.26(4): 失信被执行人 bars while listed"),
    pytest.param(PersonFacts(records=(judicial(JudgmentKind.JUDGMENT_DEBTOR),)), date(2027, 2, 1), False,
                 id="art.26(4): no longer listed: no bar"),
    pytest.param(PersonFacts(records=(rec(S.WARNING),)), AT, True,
                 id="录用规定: a sanction not yet released bars"),
    pytest.param(PersonFacts(records=(rec(S.WARNING),)), date(2026, 7, 16), False,
                 id="录用规定: released 警告 no longer bars"),
    pytest.param(PersonFacts(cases=(CasePending(date(2026, 5, 1), "市监委"),)), AT, True,
                 id="录用规定: a pending case bars"),
    pytest.param(PersonFacts(dismissed_on=date(2022, 1, 1)), AT, True, id="辞退 less than 5 years ago"),
    pytest.param(PersonFacts(dismissed_on=date(2021, 1, 1)), AT, False, id="辞退 more than 5 years ago"),
    pytest.param(PersonFacts(records=(judicial(JudgmentKind.CRIMINAL, status=RS.REVOKED),)), AT, False,
                 id="a revoked conviction record does not bar"),
    pytest.param(PersonFacts(records=(rec(S.ADMONITION),)), AT, False, id="诫勉 alone does not bar hiring"),
]


@pytest.mark.parametrize(("person", "as_of", "barred"), HIRING)
def test_hiring_bars(person, as_of, barred):
    evaluation = evaluate(person, as_of, DEFAULTS)
    result, reasons = verdict(ReviewPurpose.HIRING, evaluation, person, as_of, DEFAULTS)
    assert (result is Verdict.INELIGIBLE) is barred, reasons


def test_forever_bar_cites_article_26():
    person = PersonFacts(records=(rec(S.EXPULSION, severity=GEN),))
    reasons = [r.reason for r in evaluate(person, AT, DEFAULTS).of_kind(K.HIRING)]
    assert any("终身不得录用" in r and "第26条第3项" in r for r in reasons)


# ------------------------------------------------------------------ appraisal effects (§4.1; 组通字〔1998〕19号)

Y = 2026
UG, NE, INC = rules.MUST_BE_UNGRADED, rules.NOT_EXCELLENT, rules.MUST_BE_INCOMPETENT
EFFECTS = [
    pytest.param(rec(S.PARTY_WARNING, decided_on=date(Y, 3, 1)), Grade.EXCELLENT, [NE], id="党内警告 → not 优秀"),
    pytest.param(rec(S.PARTY_SERIOUS_WARNING, decided_on=date(Y, 3, 1)), Grade.COMPETENT, [UG],
                 id="严重警告 → 不定等次"),
    pytest.param(rec(S.ORDERED_RESIGNATION, decided_on=date(Y, 3, 1)), Grade.COMPETENT, [UG],
                 id="责令辞职 → 不定等次"),
    pytest.param(rec(S.PARTY_POST_REMOVAL, decided_on=date(Y, 3, 1)), Grade.COMPETENT, [INC],
                 id="撤销党内职务 → 不称职 that year (称职 refused)"),
    pytest.param(rec(S.PARTY_POST_REMOVAL, decided_on=date(Y, 3, 1)), Grade.INCOMPETENT, [],
                 id="撤销党内职务 with 不称职 is right"),
    pytest.param(rec(S.PARTY_PROBATION, decided_on=date(Y, 3, 1), probation_months=12), Grade.UNGRADED, [INC],
                 id="留党察看 → 不称职 that year"),
    pytest.param(rec(S.PARTY_PROBATION, decided_on=date(Y - 1, 3, 1), probation_months=12), Grade.COMPETENT,
                 [UG], id="留党察看 1 year → 不定等次 the next year"),
    pytest.param(rec(S.PARTY_PROBATION, decided_on=date(Y - 2, 3, 1), probation_months=12), Grade.COMPETENT,
                 [], id="留党察看 1 year → nothing the year after next"),
    pytest.param(rec(S.PARTY_PROBATION, decided_on=date(Y - 2, 3, 1), probation_months=24), Grade.COMPETENT,
                 [UG], id="留党察看 2 years → 不定等次 the next two years"),
    pytest.param(rec(S.PARTY_EXPULSION, decided_on=date(Y - 2, 3, 1)), Grade.COMPETENT, [UG],
                 id="开除党籍 → 不定等次 the next two years"),
]


@pytest.mark.parametrize(("record", "grade", "expected"), EFFECTS)
def test_appraisal_effects(record, grade, expected):
    assert [w.code for w in appraisal_warnings(Y, grade, [record], DEFAULTS)] == expected


def test_appraisal_heaviest_wins_across_party_and_government():
    records = [rec(S.DEMERIT, id=1, decided_on=date(Y, 2, 1)),
               rec(S.PARTY_POST_REMOVAL, id=2, decided_on=date(Y, 5, 1))]
    assert appraisal_warnings(Y, Grade.INCOMPETENT, records, DEFAULTS) == []
    (warning,) = appraisal_warnings(Y, Grade.UNGRADED, records, DEFAULTS)
    assert (warning.code, warning.record_id) == (INC, 2)


@pytest.mark.parametrize(("kw", "grade", "expected"), [
    pytest.param({"cases": [CasePending(date(Y, 11, 1), "区纪委")], "as_of": date(Y + 1, 1, 10)},
                 Grade.COMPETENT, [rules.CASE_PENDING], id="case pending at the appraisal → 不定等次"),
    pytest.param({"cases": [CasePending(date(Y, 11, 1), "区纪委", date(Y + 1, 1, 5))], "as_of": date(Y + 1, 1, 10)},
                 Grade.COMPETENT, [], id="case closed: the grade may be added"),
    pytest.param({"entry_date": date(Y, 3, 1)}, Grade.COMPETENT, [rules.IN_PROBATION],
                 id="公务员法 art.34: recruit in probation at year end → 不定等次"),
    pytest.param({"entry_date": date(Y - 1, 12, 31)}, Grade.COMPETENT, [],
                 id="probation ended on the last day of the year"),
])
def test_appraisal_case_and_probation(kw, grade, expected):
    assert [w.code for w in appraisal_warnings(Y, grade, [], DEFAULTS, **kw)] == expected


@pytest.mark.parametrize(("excellent", "to_be_graded", "flag"), [
    (2, 10, False), (3, 10, True), (1, 1, True), (4, 20, False),
])
def test_quota_counts_the_people_to_be_graded(excellent, to_be_graded, flag):
    assert rules.excellent_quota_exceeded(excellent, to_be_graded, DEFAULTS) is flag


# ------------------------------------------------------------------ repair scope and versions (§4.6)

def credit(severity: Severity = GEN, **kw) -> RecordFacts:
    return rec(S.NONE, category=C.ADMIN_PENALTY, severity=severity, **kw)


def unmet(record: RecordFacts, on: date) -> list[str]:
    conditions = repair_conditions(record, on, [record.decided_on], [record.decided_on], None, DEFAULTS)
    return [c.code for c in conditions if not c.met]


@pytest.mark.parametrize(("record", "on", "expected"), [
    pytest.param(rec(S.DEMERIT), date(2026, 6, 1), ["category"], id="政务处分法 art.26: 记过 not repairable"),
    pytest.param(rec(S.PARTY_WARNING), date(2026, 6, 1), ["category"], id="党纪处分 not repairable"),
    pytest.param(rec(S.ADMONITION), date(2026, 6, 1), ["category"], id="诫勉 (问责) not repairable"),
    pytest.param(judicial(JudgmentKind.CRIMINAL), date(2026, 6, 1), ["category"], id="刑事处罚 never repaired"),
    pytest.param(judicial(JudgmentKind.JUDGMENT_DEBTOR), date(2026, 6, 1), [], id="失信被执行人 repairable"),
    # 令第58号 (applications until 2026-03-31): 3 months whatever the class
    pytest.param(credit(SER, decided_on=date(2025, 11, 1)), date(2026, 3, 31), [],
                 id="令第58号: 严重 after 3 months on 2026-03-31"),
    pytest.param(credit(SER, decided_on=date(2025, 11, 1)), date(2026, 4, 1), ["waiting_period"],
                 id="令第36号: the same 严重 on 2026-04-01 waits 12 months"),
    pytest.param(credit(GEN, decided_on=date(2025, 12, 1), item="安全生产违法"), date(2026, 3, 31),
                 ["waiting_period"], id="令第58号: 安全生产 waits 12 months"),
    pytest.param(credit(GEN, decided_on=date(2025, 12, 1), item="安全生产违法"), date(2026, 4, 1), [],
                 id="令第36号: 一般 3 months, no sector rule"),
    pytest.param(credit(MIN, decided_on=date(2026, 4, 10)), date(2026, 4, 10), [],
                 id="令第36号: 轻微 repairable at once"),
    pytest.param(credit(MIN, decided_on=date(2026, 3, 1)), date(2026, 3, 20), ["waiting_period"],
                 id="令第58号: 轻微 still waits 3 months"),
])
def test_repair_scope_and_versions(record, on, expected):
    assert unmet(record, on) == expected


def test_statutory_repair_message_shows_the_release_date():
    conditions = repair_conditions(rec(S.DEMERIT), date(2026, 6, 1), [], [], None, DEFAULTS)
    message = next(c.message for c in conditions if c.code == "category")
    assert "2027年1月15日" in message and "异议" in message


def test_minor_admin_penalty_does_not_restrict():
    assert evaluate(PersonFacts(records=(credit(MIN),)), date(2026, 2, 1), DEFAULTS).status is IntegrityStatus.GOOD


# ------------------------------------------------------------------ exact as-of (§4.7)

@pytest.mark.parametrize(("record", "day", "status"), [
    pytest.param(credit(status=RS.REPAIRED, notified_on=date(2026, 1, 16), repaired_on=date(2026, 6, 1)),
                 date(2026, 5, 31), RS.EFFECTIVE, id="before the repair: still effective"),
    pytest.param(credit(status=RS.REPAIRED, notified_on=date(2026, 1, 16), repaired_on=date(2026, 6, 1)),
                 date(2026, 6, 1), RS.REPAIRED, id="on the repair day: repaired"),
    pytest.param(rec(status=RS.REVOKED, notified_on=date(2026, 1, 16), revoked_on=date(2026, 9, 1)),
                 date(2026, 8, 1), RS.EFFECTIVE, id="before the revocation: effective"),
    pytest.param(rec(status=RS.REVOKED, notified_on=date(2026, 1, 16), revoked_on=date(2026, 9, 1)),
                 date(2026, 1, 15), RS.DRAFT, id="before the notification: draft"),
    pytest.param(rec(status=RS.EXEMPTED, exempted_on=date(2026, 2, 1)), date(2026, 1, 20), RS.DRAFT,
                 id="before the exemption: draft"),
    pytest.param(rec(status=RS.EFFECTIVE, notified_on=date(2026, 1, 16), acknowledged_on=date(2026, 1, 20)),
                 date(2026, 1, 18), RS.NOTIFIED, id="before the acknowledgement: notified"),
    pytest.param(rec(status=RS.EFFECTIVE, notified_on=date(2026, 1, 16), objected_on=date(2026, 2, 1),
                     objection_closed_on=date(2026, 3, 1)), date(2026, 2, 10), RS.UNDER_OBJECTION,
                 id="while the objection was open: under_objection"),
    pytest.param(rec(status=RS.EFFECTIVE, notified_on=date(2026, 1, 16), objected_on=date(2026, 2, 1),
                     objection_closed_on=date(2026, 3, 1)), date(2026, 3, 2), RS.EFFECTIVE,
                 id="after the objection was rejected: effective"),
    pytest.param(rec(status=RS.UNDER_OBJECTION, notified_on=date(2026, 1, 16), objected_on=date(2026, 2, 1)),
                 date(2026, 1, 20), RS.NOTIFIED, id="before the objection: notified"),
])
def test_exact_as_of(record, day, status):
    assert status_at(record, day, DEFAULTS) is status


def test_as_of_before_a_repair_still_restricts():
    record = credit(status=RS.REPAIRED, notified_on=date(2026, 1, 16), repaired_on=date(2026, 6, 1))
    assert evaluate(PersonFacts(records=(record,)), date(2026, 5, 1), DEFAULTS).status is IntegrityStatus.RESTRICTED
    assert evaluate(PersonFacts(records=(record,)), date(2026, 6, 1), DEFAULTS).status is IntegrityStatus.GOOD


# ------------------------------------------------------------------ the tables themselves

def test_every_table_row_has_a_citation_and_a_date():
    tables = rules.law_tables()
    assert set(tables) == {"periods", "chains", "appraisal_effects", "hiring_bars", "repair_scope", "repair_versions"}
    for name, rows in tables.items():
        assert rows, name
        assert all(row["citation"] for row in rows), name


def test_every_sanction_has_a_period_row():
    keys = {r.key for r in rules.PERIOD_TABLE}
    for category, sanctions in SANCTIONS_BY_CATEGORY.items():
        for sanction in sanctions:
            assert f"{category.value}:{sanction.value}" in keys or category.value in keys or any(
                k.startswith(f"{category.value}::") for k in keys)


def test_repair_versions_meet_on_2026_04_01():
    assert rules.repair_version(date(2026, 3, 31)).citation.startswith("国家发展改革委令第58号")
    assert rules.repair_version(date(2026, 4, 1)).citation.startswith("国家发展改革委令第36号")
