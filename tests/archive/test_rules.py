"""Tests of the pure domain rules of the integrity file (archive/rules/).

Each table row cites its source: SPEC.md section or statute article (LAW-NOTES §7).
* 公职人员政务处分法 art. 7-8 (periods), 15 (combination, cap 48 months), 19 (no promotion
  within a period), 26 (automatic release), 52 (pending case), 55-56 (not suspended).
* 公务员法 art. 26 (joint punishment → not hired), 50 (不称职), 88 (不称职 twice), 95 (复核 30 days).
* 公务员考核规定 as summarised in LAW-NOTES §7.3 (effect of sanctions on the annual grade).
* 国家发展改革委令第36号 (repair waiting times, disclosure maxima), docs/rules.md §4.6, §12.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from archive.enums import (
    SANCTIONS_BY_CATEGORY,
    Category,
    Grade,
    IntegrityStatus,
    RecordStatus,
    RestrictionKind,
    ReviewPurpose,
    Sanction,
    Severity,
    Verdict,
)
from archive.rules import (
    AppraisalFacts,
    CasePending,
    Period,
    PersonFacts,
    RecordFacts,
    RuleSettings,
    add_months,
    appraisal_warnings,
    appraisal_year_for_coverage,
    check_restricted_until,
    combined_ends,
    consecutive_incompetent,
    default_restricted_until,
    disclosure_visible,
    evaluate,
    excellent_quota_exceeded,
    has_valid_pre_appointment_pledge,
    objection_due,
    objection_window_ends,
    repair_conditions,
    repair_due,
    repair_eligible,
    restriction_period,
    restricts,
    status_at,
    verdict,
)
from core import clock

C, S, V, RS = Category, Sanction, Severity, RecordStatus
K = RestrictionKind
GEN, SER = V.GENERAL, V.SERIOUS
DEFAULTS = RuleSettings()
D = date(2026, 1, 15)  # a decision date used throughout


def rec(sanction: Sanction = S.DEMERIT, *, category: Category | None = None,
        severity: Severity = GEN, status: RecordStatus = RS.EFFECTIVE,
        decided_on: date = D, until: date | None | str = "default", id: int = 1,
        item: str | None = None, notified_on: date | None = None,
        disclosable: bool = False) -> RecordFacts:
    """A record; the category follows from the sanction, the end from the SPEC table."""
    if category is None:
        category = next(c for c, ss in SANCTIONS_BY_CATEGORY.items() if sanction in ss)
    permanent = False
    if until == "default":
        until, permanent = default_restricted_until(category, sanction, severity, decided_on,
                                                    DEFAULTS)
    return RecordFacts(id, category, sanction, severity, status, decided_on, until, permanent,
                       item, notified_on, disclosable)


def kinds(evaluation) -> set[RestrictionKind]:
    return {r.kind for r in evaluation.restrictions}


# ------------------------------------------------------------------ periods (docs/rules.md §4.4)

def MO(months: int) -> Period:
    return Period("months", months)

PERIOD_TABLE = [
    pytest.param(C.DISCIPLINE_GOV, S.WARNING, GEN, MO(6), id="政务处分法 art.8: 警告 6"),
    pytest.param(C.DISCIPLINE_GOV, S.DEMERIT, GEN, MO(12), id="政务处分法 art.8: 记过 12"),
    pytest.param(C.DISCIPLINE_GOV, S.MAJOR_DEMERIT, GEN, MO(18), id="政务处分法 art.8: 记大过 18"),
    pytest.param(C.DISCIPLINE_GOV, S.DEMOTION, GEN, MO(24), id="政务处分法 art.8: 降级 24"),
    pytest.param(C.DISCIPLINE_GOV, S.REMOVAL, SER, MO(24), id="政务处分法 art.8: 撤职 24"),
    pytest.param(C.DISCIPLINE_GOV, S.EXPULSION, SER, Period("permanent"),
                 id="政务处分法 art.7: 开除 permanent"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_WARNING, GEN, MO(12), id="党纪: 警告 12"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_SERIOUS_WARNING, GEN, MO(18), id="党纪: 严重警告 18"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_POST_REMOVAL, GEN, MO(24), id="党纪: 撤销党内职务 24"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_PROBATION, SER, Period("probation_plus", 24),
                 id="党纪处分条例 art.12: 留党察看 = probation + 24 months"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_EXPULSION, SER, Period("permanent"),
                 id="党纪: 开除党籍 permanent"),
    pytest.param(C.ACCOUNTABILITY, S.CIRCULATED, GEN, Period("none"), id="问责: 通报 none"),
    pytest.param(C.ACCOUNTABILITY, S.ADMONITION, GEN, MO(6), id="问责: 诫勉 6"),
    pytest.param(C.ACCOUNTABILITY, S.SUSPENSION, GEN, MO(12), id="问责: 停职检查 12"),
    pytest.param(C.ACCOUNTABILITY, S.POST_ADJUSTMENT, GEN, MO(12), id="问责: 调整职务 12"),
    pytest.param(C.ACCOUNTABILITY, S.ORDERED_RESIGNATION, GEN, MO(12), id="问责: 责令辞职 12"),
    pytest.param(C.ACCOUNTABILITY, S.DISMISSAL_FROM_POST, GEN, MO(12), id="问责: 免职 12"),
    pytest.param(C.ACCOUNTABILITY, S.DOWNGRADE, SER, MO(24), id="问责: 降职 24"),
    pytest.param(C.JUDICIAL, S.NONE, SER, Period("set_by_hr"), id="SPEC 4.4: 司法判决 set by HR"),
    pytest.param(C.ADMIN_PENALTY, S.NONE, GEN, MO(12), id="SPEC 4.4: 行政处罚 一般 12"),
    pytest.param(C.ADMIN_PENALTY, S.NONE, SER, MO(36), id="SPEC 4.4: 行政处罚 严重 36"),
    pytest.param(C.PLEDGE_BREACH, S.NONE, GEN, MO(12), id="SPEC 4.4: 承诺未履行 12"),
    pytest.param(C.REPORT_OMISSION, S.NONE, SER, MO(12), id="SPEC 4.4: 漏报瞒报 12"),
    pytest.param(C.OTHER, S.NONE, GEN, Period("set_by_hr"), id="SPEC 4.4: 其他失信 set by HR"),
]


@pytest.mark.parametrize(("category", "sanction", "severity", "expected"), PERIOD_TABLE)
def test_default_restriction_period(category, sanction, severity, expected):
    assert restriction_period(category, sanction, severity, DEFAULTS) == expected


def test_every_category_sanction_severity_has_a_period():
    for category, sanctions in SANCTIONS_BY_CATEGORY.items():
        for sanction in sanctions:
            for severity in Severity:
                assert restriction_period(category, sanction, severity, DEFAULTS).kind in (
                    "months", "permanent", "none", "set_by_hr", "probation_plus")


def test_sanction_of_another_category_is_refused():
    with pytest.raises(ValueError, match="does not belong"):
        restriction_period(C.DISCIPLINE_GOV, S.ADMONITION, GEN, DEFAULTS)


@pytest.mark.parametrize(("day", "months", "expected"), [
    pytest.param(date(2026, 1, 31), 1, date(2026, 2, 28), id="month end clamps"),
    pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="leap February"),
    pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="29 Feb + 1 year"),
    pytest.param(date(2026, 3, 31), -1, date(2026, 2, 28), id="backwards clamps"),
    pytest.param(date(2026, 12, 15), 1, date(2027, 1, 15), id="across the year"),
    pytest.param(date(2026, 1, 15), 48, date(2030, 1, 15), id="48 months"),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("category", "sanction", "severity", "decided", "expected"), [
    pytest.param(C.DISCIPLINE_GOV, S.DEMERIT, GEN, D, (date(2027, 1, 15), False),
                 id="政务处分法 art.8: 记过 runs from the decision, last day +12 months"),
    pytest.param(C.DISCIPLINE_GOV, S.WARNING, GEN, date(2026, 8, 31), (date(2027, 2, 28), False),
                 id="警告 6 months from a month end"),
    pytest.param(C.DISCIPLINE_GOV, S.MAJOR_DEMERIT, GEN, date(2026, 8, 31),
                 (date(2028, 2, 29), False), id="记大过 18 months into a leap February"),
    pytest.param(C.DISCIPLINE_GOV, S.EXPULSION, SER, D, (None, True), id="开除 permanent"),
    pytest.param(C.ACCOUNTABILITY, S.CIRCULATED, GEN, D, (None, False), id="通报 never restricts"),
    pytest.param(C.JUDICIAL, S.NONE, SER, D, (None, False), id="司法判决: HR supplies the end"),
    pytest.param(C.DISCIPLINE_PARTY, S.PARTY_PROBATION, SER, D, (date(2029, 1, 15), False),
                 id="党纪处分条例 art.12: 留党察看 1 year + 2 years after restoration = 36 months"),
    pytest.param(C.ADMIN_PENALTY, S.NONE, SER, D, (date(2029, 1, 15), False),
                 id="行政处罚 严重 36 months"),
])
def test_default_restricted_until(category, sanction, severity, decided, expected):
    assert default_restricted_until(category, sanction, severity, decided, DEFAULTS) == expected


@pytest.mark.parametrize(("category", "sanction", "until", "permanent", "problem"), [
    pytest.param(C.JUDICIAL, S.NONE, None, False, "须由人事干部设定",
                 id="司法判决 needs an end set by HR"),
    pytest.param(C.JUDICIAL, S.NONE, date(2028, 5, 1), False, None, id="司法判决 with an end"),
    pytest.param(C.DISCIPLINE_GOV, S.DEMERIT, date(2025, 12, 31), False, "不得早于",
                 id="end before the decision"),
    pytest.param(C.DISCIPLINE_GOV, S.DEMERIT, date(2027, 3, 1), False, None,
                 id="edited end of a months period is allowed (with a reason, SPEC 4.4)"),
    pytest.param(C.DISCIPLINE_GOV, S.EXPULSION, date(2027, 3, 1), True, "永久",
                 id="permanent with an end date"),
])
def test_check_restricted_until(category, sanction, until, permanent, problem):
    message = check_restricted_until(category, sanction, SER, D, until, permanent, DEFAULTS)
    if problem is None:
        assert message is None
    else:
        assert problem in message


# ------------------------------------------------------------------ acceptance scenario


def test_acceptance_demerit_two_months_ago_restricts_promotion_for_exactly_12_months():
    """docs/rules.md §4.4, 政务处分法 art. 8, 19, 26: 记过 decided two months ago."""
    today = clock.today()
    decided = add_months(today, -2)
    record = rec(S.DEMERIT, decided_on=decided, notified_on=decided)
    person = PersonFacts(records=(record,))
    end = add_months(decided, 12)

    now = evaluate(person, today, DEFAULTS)
    assert now.status is IntegrityStatus.RESTRICTED
    promotion = now.of_kind(K.PROMOTION)
    assert [(r.until, r.record_id) for r in promotion] == [(end, 1)]

    last_day = evaluate(person, end, DEFAULTS)
    assert last_day.blocks(K.PROMOTION)
    assert status_at(record, end, DEFAULTS) is RS.EFFECTIVE

    released = evaluate(person, end + timedelta(days=1), DEFAULTS)
    assert released.status is IntegrityStatus.GOOD
    assert released.restrictions == []
    assert status_at(record, end + timedelta(days=1), DEFAULTS) is RS.EXPIRED


# ------------------------------------------------------------------ status at a date

NOTIFIED_ON = date(2026, 1, 20)  # objection window: through 2026-02-19


@pytest.mark.parametrize(("record", "as_of", "combined", "expected"), [
    pytest.param(rec(status=RS.NOTIFIED, notified_on=NOTIFIED_ON), date(2026, 2, 19), None,
                 RS.NOTIFIED, id="公务员法 art.95: notified on the window's last day"),
    pytest.param(rec(status=RS.NOTIFIED, notified_on=NOTIFIED_ON), date(2026, 2, 20), None,
                 RS.EFFECTIVE, id="notified → effective after 30 days"),
    pytest.param(rec(status=RS.NOTIFIED), date(2026, 6, 1), None, RS.NOTIFIED,
                 id="notified without a date stays notified"),
    pytest.param(rec(status=RS.UNDER_OBJECTION, notified_on=NOTIFIED_ON), date(2026, 6, 1), None,
                 RS.UNDER_OBJECTION, id="under objection stays until decided"),
    pytest.param(rec(), date(2027, 1, 15), None, RS.EFFECTIVE, id="art.8: last day effective"),
    pytest.param(rec(), date(2027, 1, 16), None, RS.EXPIRED, id="art.26: released the day after"),
    pytest.param(rec(status=RS.UNDER_OBJECTION), date(2027, 1, 16), None, RS.EXPIRED,
                 id="under objection also expires"),
    pytest.param(rec(status=RS.NOTIFIED, notified_on=NOTIFIED_ON), date(2027, 1, 16), None,
                 RS.EXPIRED, id="notified also expires"),
    pytest.param(rec(), date(2027, 6, 1), date(2028, 1, 15), RS.EFFECTIVE,
                 id="art.15: combined end extends the period"),
    pytest.param(rec(), date(2028, 1, 16), date(2028, 1, 15), RS.EXPIRED,
                 id="art.15: expires after the combined end"),
    pytest.param(rec(status=RS.EXPIRED), date(2026, 6, 1), None, RS.EFFECTIVE,
                 id="stored expired, evaluated at a past date within its period"),
    pytest.param(rec(status=RS.EXPIRED), date(2027, 2, 1), None, RS.EXPIRED, id="stored expired"),
    pytest.param(rec(S.EXPULSION, severity=SER), date(2060, 1, 1), None, RS.EFFECTIVE,
                 id="开除 permanent never expires"),
    pytest.param(rec(S.CIRCULATED), date(2030, 1, 1), None, RS.EFFECTIVE,
                 id="通报 effective stays effective"),
    pytest.param(rec(status=RS.DRAFT), date(2030, 1, 1), None, RS.DRAFT, id="draft unchanged"),
    pytest.param(rec(status=RS.REVOKED), date(2026, 6, 1), None, RS.REVOKED, id="revoked"),
    pytest.param(rec(status=RS.EXEMPTED), date(2026, 6, 1), None, RS.EXEMPTED, id="exempted"),
    pytest.param(rec(status=RS.REPAIRED), date(2026, 6, 1), None, RS.REPAIRED, id="repaired"),
])
def test_status_at(record, as_of, combined, expected):
    assert status_at(record, as_of, DEFAULTS, combined) is expected


@pytest.mark.parametrize(("record", "as_of", "expected"), [
    pytest.param(rec(status=RS.NOTIFIED, notified_on=NOTIFIED_ON), date(2026, 2, 1), True,
                 id="SPEC 4.4, art.55-56: notified restricts like effective"),
    pytest.param(rec(status=RS.UNDER_OBJECTION), date(2026, 6, 1), True,
                 id="公务员法 art.95: not suspended under objection"),
    pytest.param(rec(), date(2026, 6, 1), True, id="effective restricts"),
    pytest.param(rec(), D, True, id="art.8: restricts from the decision day"),
    pytest.param(rec(), D - timedelta(days=1), False, id="not before the decision"),
    pytest.param(rec(), date(2027, 1, 16), False, id="art.26: not after the end"),
    pytest.param(rec(status=RS.DRAFT), date(2026, 6, 1), False, id="draft never restricts"),
    pytest.param(rec(status=RS.EXEMPTED), date(2026, 6, 1), False,
                 id="SPEC 4.4: 容错免责 never restricts"),
    pytest.param(rec(status=RS.REVOKED), date(2026, 6, 1), False, id="revoked never restricts"),
    pytest.param(rec(status=RS.REPAIRED), date(2026, 6, 1), False, id="repaired never restricts"),
    pytest.param(rec(S.CIRCULATED), date(2026, 2, 1), False, id="通报 never restricts"),
    pytest.param(rec(S.PARTY_EXPULSION, severity=SER), date(2070, 1, 1), True,
                 id="开除党籍 restricts for ever"),
    pytest.param(rec(category=C.OTHER, sanction=S.NONE, until=None), date(2026, 2, 1), False,
                 id="其他失信 without an HR end does not restrict"),
])
def test_restricts(record, as_of, expected):
    assert restricts(record, as_of, DEFAULTS) is expected


# ------------------------------------------------------------------ combination (art. 15)


@pytest.mark.parametrize(("records", "expected"), [
    pytest.param([rec(S.REMOVAL, id=i) for i in (1, 2, 3)],
                 {1: date(2030, 1, 15), 2: date(2030, 1, 15), 3: date(2030, 1, 15)},
                 id="art.15: 撤职 24+24+24 capped at 48 months"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.DEMERIT, id=2)],
                 {1: date(2028, 1, 15), 2: date(2028, 1, 15)}, id="art.15: 记过 12+12 = 24"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.DEMERIT, id=2, decided_on=date(2026, 7, 1))],
                 {1: date(2028, 1, 15), 2: date(2028, 1, 15)},
                 id="overlapping periods count from the earliest decision"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.DEMERIT, id=2, decided_on=date(2027, 3, 1))],
                 {1: date(2027, 1, 15), 2: date(2028, 3, 1)}, id="no overlap: own ends"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.WARNING, id=2)],
                 {1: date(2027, 1, 15), 2: date(2027, 1, 15)},
                 id="处分条例 art.10 rule 1: decided together, different kinds → the heaviest is executed"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.DEMERIT, id=2, status=RS.REVOKED)],
                 {1: date(2027, 1, 15)}, id="revoked member does not combine"),
    pytest.param([rec(category=C.ADMIN_PENALTY, sanction=S.NONE, id=1),
                  rec(category=C.ADMIN_PENALTY, sanction=S.NONE, id=2)],
                 {1: date(2027, 1, 15), 2: date(2027, 1, 15)},
                 id="行政处罚 are not 政务处分: not combined"),
    pytest.param([rec(S.DEMERIT, id=1, until=date(2027, 1, 25)), rec(S.DEMERIT, id=2)],
                 {1: date(2028, 1, 25), 2: date(2028, 1, 25)},
                 id="an edited end (12 months + 10 days) is respected"),
    pytest.param([rec(S.REMOVAL, id=1), rec(S.REMOVAL, id=2, decided_on=date(2027, 12, 1)),
                  rec(S.REMOVAL, id=3, decided_on=date(2029, 11, 1))],
                 {1: date(2032, 1, 15), 2: date(2032, 1, 15), 3: date(2032, 1, 15)},
                 id="处分条例 art.10 rule 2: three 撤职 in a row, rest + new each time"),
])
def test_combined_ends(records, expected):
    assert combined_ends(records, DEFAULTS) == expected


def test_evaluation_uses_the_combined_end():
    person = PersonFacts(records=(rec(S.DEMERIT, id=1), rec(S.DEMERIT, id=2)))
    at = date(2027, 6, 1)  # after each own end, within the combined 24 months
    evaluation = evaluate(person, at, DEFAULTS)
    assert {r.until for r in evaluation.of_kind(K.PROMOTION)} == {date(2028, 1, 15)}
    assert evaluation.record_status == {1: RS.EFFECTIVE, 2: RS.EFFECTIVE}


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(("config", "args", "expected"), [
    pytest.param({"RESTRICTION_PERIODS": {"discipline_gov:demerit": 6}},
                 (C.DISCIPLINE_GOV, S.DEMERIT, GEN), MO(6), id="category:sanction override"),
    pytest.param({"RESTRICTION_PERIODS": {"discipline_gov:demerit:serious": "24"}},
                 (C.DISCIPLINE_GOV, S.DEMERIT, SER), MO(24), id="category:sanction:severity"),
    pytest.param({"RESTRICTION_PERIODS": {"discipline_gov:demerit:serious": "24"}},
                 (C.DISCIPLINE_GOV, S.DEMERIT, GEN), MO(12), id="other severity keeps default"),
    pytest.param({"RESTRICTION_PERIODS": {"admin_penalty::serious": "permanent"}},
                 (C.ADMIN_PENALTY, S.NONE, SER), Period("permanent"), id="category::severity"),
    pytest.param({"RESTRICTION_PERIODS": {"discipline_gov::serious": 30}},
                 (C.DISCIPLINE_GOV, S.WARNING, SER), MO(30),
                 id="an override beats a more specific default"),
    pytest.param({"RESTRICTION_PERIODS": {"accountability:circulated": 3}},
                 (C.ACCOUNTABILITY, S.CIRCULATED, GEN), MO(3), id="none → months"),
    pytest.param({"RESTRICTION_PERIODS": {"other": "none"}},
                 (C.OTHER, S.NONE, GEN), Period("none"), id="bare category"),
    pytest.param({"RESTRICTION_PERIODS": None},
                 (C.DISCIPLINE_GOV, S.DEMERIT, GEN), MO(12), id="None means default"),
])
def test_config_overrides_period(config, args, expected):
    assert restriction_period(*args, RuleSettings.from_mapping(config)) == expected


def test_config_override_changes_restricted_until_and_restriction():
    settings = RuleSettings.from_mapping({"RESTRICTION_PERIODS": {"discipline_gov:demerit": 6}})
    until, permanent = default_restricted_until(C.DISCIPLINE_GOV, S.DEMERIT, GEN, D, settings)
    assert (until, permanent) == (date(2026, 7, 15), False)


@pytest.mark.parametrize("config", [
    pytest.param({"RESTRICTION_PERIODS": {"discipline_gov:admonition": 6}}, id="foreign sanction"),
    pytest.param({"RESTRICTION_PERIODS": {"nope:demerit": 6}}, id="unknown category"),
    pytest.param({"RESTRICTION_PERIODS": {"admin_penalty::grave": 6}}, id="unknown severity"),
    pytest.param({"RESTRICTION_PERIODS": {"discipline_gov:demerit": "forever"}}, id="bad value"),
    pytest.param({"OBJECTION_WINDOW_DAYS": -1}, id="negative days"),
    pytest.param({"EXCELLENT_QUOTA": 1.5}, id="quota above 1"),
    pytest.param({"REPAIR_MIN_MONTHS": {"grave": 3}}, id="unknown severity in REPAIR_MIN_MONTHS"),
])
def test_bad_config_is_refused(config):
    with pytest.raises(ValueError):
        RuleSettings.from_mapping(config)


def test_config_scalars():
    settings = RuleSettings.from_mapping({
        "OBJECTION_WINDOW_DAYS": 15, "OBJECTION_DEADLINE_DAYS": 20,
        "COMBINED_PERIOD_CAP_MONTHS": 36, "EXCELLENT_QUOTA": 0.25,
        "PROMOTION_BLOCKED_BY_TWO_BASIC": False, "REPAIR_MIN_MONTHS": {"serious": 6},
        "REPAIR_REAPPLY_DAYS": 10, "REPAIR_DECISION_WORKING_DAYS": 5,
        "DISCLOSURE_MAX_MONTHS": {"general": 6}, "JOINT_PUNISHMENT_ITEMS": ["黑名单"],
        "NON_REPAIRABLE_SANCTIONS": ["expulsion"], "UNRELATED_KEY": 1,
    })
    assert objection_window_ends(D, settings) == date(2026, 1, 30)
    assert objection_due(D, settings) == date(2026, 2, 4)
    assert settings.repair_min_months(SER) == 6 and settings.repair_min_months(GEN) is None
    assert settings.disclosure_max_months(GEN) == 6 and settings.disclosure_max_months(SER) == 36
    assert settings.joint_punishment_items == ("黑名单",)
    assert settings.non_repairable_sanctions == (S.EXPULSION,)
    assert excellent_quota_exceeded(5, 20, settings) is False
    three = [rec(S.REMOVAL, id=i) for i in (1, 2, 3)]
    assert combined_ends(three, settings)[1] == date(2029, 1, 15)


# ------------------------------------------------------------------ restrictions (docs/rules.md §4.7)

AT = date(2026, 6, 1)


@pytest.mark.parametrize(("person", "status", "expected"), [
    pytest.param(PersonFacts(), IntegrityStatus.GOOD, set(), id="nothing on file"),
    pytest.param(PersonFacts(records=(rec(S.WARNING),)), IntegrityStatus.RESTRICTED,
                 {K.PROMOTION, K.AWARD, K.HIRING}, id="政务处分法 art.19: 警告 blocks promotion; unreleased: not hired"),
    pytest.param(PersonFacts(records=(rec(S.PARTY_SERIOUS_WARNING),)), IntegrityStatus.RESTRICTED,
                 {K.PROMOTION, K.AWARD, K.HIRING}, id="党纪处分 blocks promotion; unreleased: not hired"),
    pytest.param(PersonFacts(records=(rec(S.ADMONITION),)), IntegrityStatus.RESTRICTED,
                 {K.PROMOTION, K.AWARD}, id="诫勉 blocks promotion"),
    pytest.param(PersonFacts(records=(rec(S.POST_ADJUSTMENT),)), IntegrityStatus.RESTRICTED,
                 {K.PROMOTION, K.AWARD}, id="组织调整 调整职务 blocks promotion"),
    pytest.param(PersonFacts(records=(rec(S.DOWNGRADE, severity=SER),)), IntegrityStatus.SERIOUS,
                 {K.PROMOTION, K.AWARD, K.HIRING}, id="降职 严重: serious, not hired"),
    pytest.param(PersonFacts(records=(rec(category=C.ADMIN_PENALTY, sanction=S.NONE),)),
                 IntegrityStatus.RESTRICTED, {K.AWARD},
                 id="行政处罚 一般: awards only (SPEC 4.7)"),
    pytest.param(PersonFacts(records=(rec(category=C.ADMIN_PENALTY, sanction=S.NONE,
                                          severity=SER),)),
                 IntegrityStatus.SERIOUS, {K.AWARD, K.HIRING}, id="严重 record: not hired"),
    pytest.param(PersonFacts(records=(rec(category=C.JUDICIAL, sanction=S.NONE,
                                          until=date(2027, 1, 1), item="失信被执行人"),)),
                 IntegrityStatus.RESTRICTED, {K.AWARD, K.HIRING},
                 id="公务员法 art.26: 失信被执行人 not hired"),
    pytest.param(PersonFacts(records=(rec(category=C.OTHER, sanction=S.NONE,
                                          until=date(2027, 1, 1), item="失信联合惩戒对象"),)),
                 IntegrityStatus.RESTRICTED, {K.AWARD, K.HIRING},
                 id="公务员法 art.26: 失信联合惩戒对象 not hired"),
    pytest.param(PersonFacts(records=(rec(S.DEMERIT, status=RS.EXEMPTED),)),
                 IntegrityStatus.GOOD, set(), id="容错免责 never restricts"),
    pytest.param(PersonFacts(records=(rec(S.DEMERIT, status=RS.REPAIRED),
                                      rec(S.WARNING, status=RS.REVOKED, id=2))),
                 IntegrityStatus.GOOD, set(), id="repaired and revoked never restrict"),
    pytest.param(PersonFacts(records=(rec(S.CIRCULATED),)), IntegrityStatus.GOOD, set(),
                 id="通报 no restriction"),
    pytest.param(PersonFacts(cases=(CasePending(date(2026, 5, 1), "市纪委监委"),)),
                 IntegrityStatus.GOOD, {K.PROMOTION, K.AWARD, K.HIRING},
                 id="政务处分法 art.52: pending case blocks promotion, awards and hiring"),
    pytest.param(PersonFacts(cases=(CasePending(date(2026, 5, 1), "市纪委监委", AT),)),
                 IntegrityStatus.GOOD, set(), id="case ended on the date: no block"),
    pytest.param(PersonFacts(cases=(CasePending(date(2026, 6, 2), "市纪委监委"),)),
                 IntegrityStatus.GOOD, set(), id="case not yet started"),
    pytest.param(PersonFacts(appraisals=(AppraisalFacts(2025, Grade.INCOMPETENT),)),
                 IntegrityStatus.GOOD, {K.PROMOTION}, id="公务员法 art.50: latest 不称职"),
    pytest.param(PersonFacts(appraisals=(AppraisalFacts(2024, Grade.INCOMPETENT),
                                         AppraisalFacts(2025, Grade.COMPETENT))),
                 IntegrityStatus.GOOD, set(), id="earlier 不称职 no longer latest"),
    pytest.param(PersonFacts(appraisals=(AppraisalFacts(2024, Grade.BASICALLY_COMPETENT),
                                         AppraisalFacts(2025, Grade.BASICALLY_COMPETENT))),
                 IntegrityStatus.GOOD, {K.PROMOTION}, id="SPEC 4.7: two consecutive 基本称职"),
    pytest.param(PersonFacts(appraisals=(AppraisalFacts(2023, Grade.BASICALLY_COMPETENT),
                                         AppraisalFacts(2025, Grade.BASICALLY_COMPETENT))),
                 IntegrityStatus.GOOD, set(), id="基本称职 in non-consecutive years"),
    pytest.param(PersonFacts(appraisals=(AppraisalFacts(2025, Grade.COMPETENT),
                                         AppraisalFacts(2027, Grade.INCOMPETENT))),
                 IntegrityStatus.GOOD, set(), id="appraisal of a later year is ignored"),
])
def test_evaluate_restrictions(person, status, expected):
    evaluation = evaluate(person, AT, DEFAULTS)
    assert evaluation.status is status
    assert kinds(evaluation) == expected


def test_two_basic_setting_can_be_turned_off():
    person = PersonFacts(appraisals=(AppraisalFacts(2024, Grade.BASICALLY_COMPETENT),
                                     AppraisalFacts(2025, Grade.BASICALLY_COMPETENT)))
    settings = RuleSettings.from_mapping({"PROMOTION_BLOCKED_BY_TWO_BASIC": False})
    assert kinds(evaluate(person, AT, settings)) == set()


def test_restriction_carries_reason_end_and_record():
    evaluation = evaluate(PersonFacts(records=(rec(S.DEMERIT, id=7),)), AT, DEFAULTS)
    (promotion,) = evaluation.of_kind(K.PROMOTION)
    assert promotion.record_id == 7
    assert promotion.until == date(2027, 1, 15)
    assert "政务处分·记过" in promotion.reason and "2027年1月15日" in promotion.reason
    (award,) = evaluation.of_kind(K.AWARD)
    assert award.until == date(2027, 1, 15)


def test_permanent_restriction_has_no_end():
    evaluation = evaluate(PersonFacts(records=(rec(S.EXPULSION, severity=SER),)), AT, DEFAULTS)
    assert evaluation.status is IntegrityStatus.SERIOUS
    assert all(r.until is None and r.permanent for r in evaluation.restrictions)


def test_record_without_hr_end_is_noted():
    record = rec(category=C.JUDICIAL, sanction=S.NONE, until=None)
    evaluation = evaluate(PersonFacts(records=(record,)), AT, DEFAULTS)
    assert evaluation.status is IntegrityStatus.GOOD
    assert any("未设定影响期截止日期" in n for n in evaluation.notes)


# ------------------------------------------------------------------ verdicts (docs/rules.md §8)

P, A, H = ReviewPurpose.PROMOTION, ReviewPurpose.AWARD, ReviewPurpose.HIRING
EL, IN, AT_ = Verdict.ELIGIBLE, Verdict.INELIGIBLE, Verdict.ATTENTION

VERDICT_TABLE = [
    ("clean", PersonFacts(), (EL, EL, EL)),
    ("政务处分法 art.19: 记过 within its period",
     PersonFacts(records=(rec(S.DEMERIT),)), (IN, IN, IN)),
    ("行政处罚 一般: weigh for promotion and hiring",
     PersonFacts(records=(rec(category=C.ADMIN_PENALTY, sanction=S.NONE),)), (AT_, IN, AT_)),
    ("公务员法 art.26: 严重 record not hired",
     PersonFacts(records=(rec(category=C.ADMIN_PENALTY, sanction=S.NONE, severity=SER),)),
     (AT_, IN, IN)),
    ("repaired record: committee weighs it",
     PersonFacts(records=(rec(status=RS.REPAIRED),)), (AT_, AT_, AT_)),
    ("exempted record: committee sees it",
     PersonFacts(records=(rec(status=RS.EXEMPTED),)), (AT_, AT_, AT_)),
    ("通报 under objection does not restrict",
     PersonFacts(records=(rec(S.CIRCULATED, status=RS.UNDER_OBJECTION),)), (AT_, AT_, AT_)),
    ("expired within the last 12 months",
     PersonFacts(records=(rec(S.WARNING, decided_on=date(2025, 8, 1)),)), (AT_, AT_, AT_)),
    ("expired more than 12 months ago",
     PersonFacts(records=(rec(S.WARNING, decided_on=date(2024, 1, 1)),)), (EL, EL, EL)),
    ("latest appraisal 基本称职",
     PersonFacts(appraisals=(AppraisalFacts(2025, Grade.BASICALLY_COMPETENT),)), (AT_, AT_, AT_)),
    ("公务员法 art.50: latest 不称职",
     PersonFacts(appraisals=(AppraisalFacts(2025, Grade.INCOMPETENT),)), (IN, AT_, AT_)),
    ("two consecutive 基本称职",
     PersonFacts(appraisals=(AppraisalFacts(2024, Grade.BASICALLY_COMPETENT),
                             AppraisalFacts(2025, Grade.BASICALLY_COMPETENT))), (IN, AT_, AT_)),
    ("政务处分法 art.52: pending case",
     PersonFacts(cases=(CasePending(date(2026, 3, 1), "省监委"),)), (IN, IN, IN)),
]


@pytest.mark.parametrize(("person", "purpose", "expected"), [
    pytest.param(person, purpose, expected[i], id=f"{name} / {purpose.value}")
    for name, person, expected in VERDICT_TABLE for i, purpose in enumerate((P, A, H))
])
def test_verdict(person, purpose, expected):
    evaluation = evaluate(person, AT, DEFAULTS)
    result, reasons = verdict(purpose, evaluation, person, AT, DEFAULTS)
    assert result is expected
    assert (reasons == []) is (expected is EL)


def test_ineligible_reasons_are_the_purpose_restrictions():
    person = PersonFacts(records=(rec(S.DEMERIT),),
                         cases=(CasePending(date(2026, 3, 1), "省监委"),))
    result, reasons = verdict(P, evaluate(person, AT, DEFAULTS), person, AT, DEFAULTS)
    assert result is IN
    assert len(reasons) == 2
    assert "不得晋升" in reasons[0] and "立案审查中（省监委" in reasons[1]


# ------------------------------------------------------------------ appraisal (docs/rules.md §4.1)

Y = 2026
NE, UG = "not_excellent", "must_be_ungraded"


@pytest.mark.parametrize(("record", "grade", "expected"), [
    pytest.param(rec(S.WARNING, decided_on=date(Y, 3, 1)), Grade.EXCELLENT, [NE],
                 id="LAW 7.3: 政务警告 → not 优秀"),
    pytest.param(rec(S.WARNING, decided_on=date(Y, 3, 1)), Grade.COMPETENT, [],
                 id="政务警告 with 称职 is fine"),
    pytest.param(rec(S.WARNING, decided_on=date(Y - 1, 12, 31)), Grade.EXCELLENT, [],
                 id="政务警告 of the previous year does not count"),
    pytest.param(rec(S.ADMONITION, decided_on=date(Y, 3, 1)), Grade.EXCELLENT, [NE],
                 id="LAW 7.3: 诫勉 → not 优秀"),
    pytest.param(rec(S.POST_ADJUSTMENT, decided_on=date(Y, 3, 1)), Grade.EXCELLENT, [NE],
                 id="LAW 7.3: 调整职务 → not 优秀"),
    pytest.param(rec(S.DEMERIT, decided_on=date(Y, 3, 1)), Grade.COMPETENT, [UG],
                 id="LAW 7.3: 记过 → 不定等次"),
    pytest.param(rec(S.DEMERIT, decided_on=date(Y, 3, 1)), Grade.UNGRADED, [],
                 id="记过 with 不定等次 is fine"),
    pytest.param(rec(S.DEMERIT, decided_on=date(Y - 1, 3, 1)), Grade.COMPETENT, [],
                 id="记过 affects only its year"),
    pytest.param(rec(S.DISMISSAL_FROM_POST, decided_on=date(Y, 3, 1)), Grade.EXCELLENT, [UG],
                 id="LAW 7.3: 免职 → 不定等次"),
    pytest.param(rec(S.DOWNGRADE, decided_on=date(Y, 3, 1)), Grade.BASICALLY_COMPETENT, [UG],
                 id="LAW 7.3: 降职 → 不定等次"),
    pytest.param(rec(S.MAJOR_DEMERIT, decided_on=date(Y, 3, 1)), Grade.COMPETENT, [UG],
                 id="LAW 7.3: 记大过 → 不定等次 that year"),
    pytest.param(rec(S.MAJOR_DEMERIT, decided_on=date(Y - 1, 3, 1)), Grade.COMPETENT, [UG],
                 id="LAW 7.3: 记大过 → 不定等次 the next year"),
    pytest.param(rec(S.MAJOR_DEMERIT, decided_on=date(Y - 2, 3, 1)), Grade.COMPETENT, [],
                 id="记大过 two years ago no longer"),
    pytest.param(rec(S.DEMOTION, decided_on=date(Y - 1, 3, 1)), Grade.INCOMPETENT, [UG],
                 id="LAW 7.3: 降级 → 不定等次 the next year"),
    pytest.param(rec(S.REMOVAL, decided_on=date(Y, 3, 1)), Grade.EXCELLENT, [UG],
                 id="LAW 7.3: 撤职 → 不定等次"),
    pytest.param(rec(S.DEMERIT, decided_on=date(Y, 3, 1), status=RS.REVOKED), Grade.COMPETENT,
                 [], id="revoked record does not count"),
    pytest.param(rec(S.DEMERIT, decided_on=date(Y, 3, 1), status=RS.EXEMPTED), Grade.COMPETENT,
                 [], id="exempted record does not count"),
    pytest.param(rec(S.DEMERIT, decided_on=date(Y, 3, 1), status=RS.REPAIRED), Grade.COMPETENT,
                 [UG], id="a repaired sanction still happened that year"),
    pytest.param(rec(S.CIRCULATED, decided_on=date(Y, 3, 1)), Grade.EXCELLENT, [],
                 id="通报 has no effect on the grade"),
])
def test_appraisal_warnings(record, grade, expected):
    warnings = appraisal_warnings(Y, grade, [record], DEFAULTS)
    assert [w.code for w in warnings] == expected
    assert all(w.record_id == record.id and w.message for w in warnings)


def test_appraisal_warnings_heaviest_wins():
    """组通字〔1998〕19号: when several sanctions apply, the heaviest effect decides."""
    records = [rec(S.WARNING, decided_on=date(Y, 2, 1), id=1),
               rec(S.DEMERIT, decided_on=date(Y, 9, 1), id=2)]
    warnings = appraisal_warnings(Y, Grade.EXCELLENT, records, DEFAULTS)
    assert [(w.code, w.record_id) for w in warnings] == [(UG, 2)]


@pytest.mark.parametrize(("excellent", "graded", "expected"), [
    pytest.param(2, 10, False, id="exactly 20% not flagged"),
    pytest.param(3, 10, True, id="30% flagged"),
    pytest.param(3, 15, False, id="exactly 20% of 15 (no float trap)"),
    pytest.param(4, 15, True, id="26.7% flagged"),
    pytest.param(20, 100, False, id="20 of 100"),
    pytest.param(21, 100, True, id="21 of 100"),
    pytest.param(0, 0, False, id="nobody graded"),
])
def test_excellent_quota(excellent, graded, expected):
    assert excellent_quota_exceeded(excellent, graded, DEFAULTS) is expected


@pytest.mark.parametrize(("grades", "expected"), [
    pytest.param({2024: Grade.INCOMPETENT, 2025: Grade.INCOMPETENT}, [2025],
                 id="公务员法 art.88: two years in a row"),
    pytest.param({2023: Grade.INCOMPETENT, 2024: Grade.COMPETENT, 2025: Grade.INCOMPETENT}, [],
                 id="not consecutive"),
    pytest.param({2023: Grade.INCOMPETENT, 2024: Grade.INCOMPETENT, 2025: Grade.INCOMPETENT},
                 [2024, 2025], id="three in a row"),
    pytest.param({2024: Grade.INCOMPETENT, 2025: Grade.UNGRADED}, [], id="不定等次 breaks it"),
])
def test_consecutive_incompetent(grades, expected):
    assert consecutive_incompetent([AppraisalFacts(y, g) for y, g in grades.items()]) == expected


def test_consecutive_incompetent_is_noted_in_the_evaluation():
    person = PersonFacts(appraisals=(AppraisalFacts(2024, Grade.INCOMPETENT),
                                     AppraisalFacts(2025, Grade.INCOMPETENT)))
    assert any("第88条" in n for n in evaluate(person, AT, DEFAULTS).notes)


@pytest.mark.parametrize(("as_of", "year"), [
    (date(2026, 1, 1), 2025), (date(2026, 12, 31), 2025),
])
def test_appraisal_year_for_coverage(as_of, year):
    assert appraisal_year_for_coverage(as_of) == year


# ------------------------------------------------------------------ credit repair (docs/rules.md §4.6)

def cr(**kw) -> RecordFacts:
    """A credit record (行政处罚): repairable (docs/rules.md §4.6; statutory sanctions are not)."""
    return rec(S.NONE, category=C.ADMIN_PENALTY, **kw)


FOUR_MONTHS = date(2026, 5, 15)
COURSE, PLEDGE = [date(2026, 2, 1)], [date(2026, 2, 2)]
CODES = ["status", "category", "waiting_period", "repair_training", "repair_pledge"]


@pytest.mark.parametrize(("record", "as_of", "course", "pledge", "rejected", "unmet"), [
    pytest.param(cr(), FOUR_MONTHS, COURSE, PLEDGE, None, [],
                 id="4-month-old 一般 行政处罚 with course and pledge: eligible"),
    pytest.param(cr(severity=SER), FOUR_MONTHS, COURSE, PLEDGE, None, ["waiting_period"],
                 id="令第36号: 4-month-old 严重 record waits 12 months"),
    pytest.param(cr(severity=SER, until=date(2028, 1, 15)), date(2027, 1, 15), COURSE, PLEDGE,
                 None, [], id="严重 after exactly 12 months"),
    pytest.param(cr(), date(2026, 4, 14), COURSE, PLEDGE, None, ["waiting_period"],
                 id="一般 one day before 3 months"),
    pytest.param(cr(), date(2026, 4, 15), COURSE, PLEDGE, None, [], id="一般 on 3 months"),
    pytest.param(rec(S.EXPULSION, severity=SER), date(2027, 6, 1), COURSE, PLEDGE, None,
                 ["category"], id="SPEC 4.6: 开除 not repairable"),
    pytest.param(rec(S.PARTY_EXPULSION, severity=SER), date(2027, 6, 1), COURSE, PLEDGE, None,
                 ["category"], id="SPEC 4.6: 开除党籍 not repairable"),
    pytest.param(cr(), FOUR_MONTHS, [date(2026, 1, 14)], PLEDGE, None, ["repair_training"],
                 id="course before the decision does not count"),
    pytest.param(cr(), FOUR_MONTHS, [], PLEDGE, None, ["repair_training"], id="no course"),
    pytest.param(cr(), FOUR_MONTHS, COURSE, [date(2025, 12, 1)], None, ["repair_pledge"],
                 id="pledge before the decision does not count"),
    pytest.param(cr(), FOUR_MONTHS, [D], [D], None, [], id="course and pledge on the decision day"),
    pytest.param(cr(status=RS.NOTIFIED, notified_on=date(2026, 5, 1)), FOUR_MONTHS, COURSE,
                 PLEDGE, None, ["status"], id="notified, objection window open"),
    pytest.param(cr(status=RS.NOTIFIED, notified_on=date(2026, 1, 20)), FOUR_MONTHS, COURSE,
                 PLEDGE, None, [], id="notified, window passed: effective"),
    pytest.param(cr(status=RS.UNDER_OBJECTION), FOUR_MONTHS, COURSE, PLEDGE, None, ["status"],
                 id="under objection"),
    pytest.param(cr(), date(2027, 2, 1), COURSE, PLEDGE, None, ["status"],
                 id="expired: nothing to repair"),
    pytest.param(cr(status=RS.REPAIRED), FOUR_MONTHS, COURSE, PLEDGE, None, ["status"],
                 id="already repaired"),
    pytest.param(cr(), FOUR_MONTHS, COURSE, PLEDGE, date(2026, 5, 1), ["reapply_wait"],
                 id="SPEC 4.6: rejected 14 days ago, wait 30 days"),
    pytest.param(cr(), FOUR_MONTHS, COURSE, PLEDGE, date(2026, 4, 15), [],
                 id="rejected exactly 30 days ago: may apply again"),
])
def test_repair_conditions(record, as_of, course, pledge, rejected, unmet):
    conditions = repair_conditions(record, as_of, course, pledge, rejected, DEFAULTS)
    codes = [c.code for c in conditions]
    assert codes[:5] == CODES
    assert codes[5:] == (["reapply_wait"] if "reapply_wait" in unmet else [])
    assert [c.code for c in conditions if not c.met] == unmet
    assert repair_eligible(conditions) is (unmet == [])
    assert all(c.message for c in conditions)


def test_repair_messages_say_what_is_missing():
    conditions = repair_conditions(cr(severity=SER), FOUR_MONTHS, [], [], None, DEFAULTS)
    messages = {c.code: c.message for c in conditions}
    assert "12个月" in messages["waiting_period"] and "2027年1月15日" in messages["waiting_period"]
    assert "信用修复培训" in messages["repair_training"]
    assert "信用修复承诺" in messages["repair_pledge"]


# ------------------------------------------------------------------ deadlines


def test_objection_deadlines():
    """公务员法 art. 95: 30 days to file, 30 days to decide."""
    assert objection_window_ends(date(2026, 1, 20), DEFAULTS) == date(2026, 2, 19)
    assert objection_due(date(2026, 1, 31), DEFAULTS) == date(2026, 3, 2)


@pytest.mark.parametrize(("filed", "config", "holidays", "workdays", "expected"), [
    pytest.param(date(2026, 3, 5), {}, (), (), date(2026, 3, 26),
                 id="SPEC 4.6: 15 working days from a Thursday"),
    pytest.param(date(2026, 3, 5), {"REPAIR_DECISION_WORKING_DAYS": 2}, (), (), date(2026, 3, 9),
                 id="across a weekend"),
    pytest.param(date(2026, 3, 6), {"REPAIR_DECISION_WORKING_DAYS": 1}, (), (), date(2026, 3, 9),
                 id="filed on a Friday"),
    pytest.param(date(2026, 3, 5), {"REPAIR_DECISION_WORKING_DAYS": 2}, (date(2026, 3, 9),), (),
                 date(2026, 3, 10), id="skips a holiday"),
    pytest.param(date(2026, 3, 5), {"REPAIR_DECISION_WORKING_DAYS": 2}, (), (date(2026, 3, 7),),
                 date(2026, 3, 7), id="counts a make-up Saturday (调休)"),
])
def test_repair_due(filed, config, holidays, workdays, expected):
    settings = RuleSettings.from_mapping(config)
    assert repair_due(filed, settings, holidays, workdays) == expected


# ------------------------------------------------------------------ disclosure (docs/rules.md §12)


@pytest.mark.parametrize(("record", "as_of", "expected"), [
    pytest.param(rec(S.MAJOR_DEMERIT, disclosable=True), date(2027, 1, 15), True,
                 id="一般: last day of 1 year"),
    pytest.param(rec(S.MAJOR_DEMERIT, disclosable=True), date(2027, 1, 16), False,
                 id="一般: stops after 1 year though the record still restricts"),
    pytest.param(rec(category=C.ADMIN_PENALTY, sanction=S.NONE, severity=SER, disclosable=True),
                 date(2029, 1, 15), True, id="严重: last day of 3 years"),
    pytest.param(rec(category=C.ADMIN_PENALTY, sanction=S.NONE, severity=SER, disclosable=True),
                 date(2029, 1, 16), False, id="严重: stops after 3 years"),
    pytest.param(rec(S.MAJOR_DEMERIT, severity=SER, disclosable=True), date(2027, 7, 16), False,
                 id="严重: stops when the record expires"),
    pytest.param(rec(S.MAJOR_DEMERIT), date(2026, 6, 1), False, id="not marked disclosable"),
    pytest.param(rec(S.MAJOR_DEMERIT, disclosable=True, status=RS.REPAIRED), date(2026, 6, 1),
                 False, id="repaired disappears"),
    pytest.param(rec(S.MAJOR_DEMERIT, disclosable=True, status=RS.REVOKED), date(2026, 6, 1),
                 False, id="revoked disappears"),
    pytest.param(rec(S.MAJOR_DEMERIT, disclosable=True, status=RS.DRAFT), date(2026, 6, 1),
                 False, id="draft never disclosed"),
])
def test_disclosure_visible(record, as_of, expected):
    assert disclosure_visible(record, as_of, DEFAULTS) is expected


# ------------------------------------------------------------------ pledges (docs/rules.md §5)

ENTRY, APPOINTED = date(2020, 1, 1), date(2025, 6, 1)


@pytest.mark.parametrize(("signed", "appointed", "expected"), [
    pytest.param([date(2025, 6, 1)], APPOINTED, True, id="signed on the appointment day"),
    pytest.param([date(2025, 5, 31)], APPOINTED, False, id="signed for the previous post"),
    pytest.param([date(2020, 2, 1), date(2025, 7, 1)], APPOINTED, True, id="re-signed after"),
    pytest.param([date(2020, 1, 1)], None, True, id="no appointment: since entry"),
    pytest.param([date(2019, 12, 31)], None, False, id="before entry"),
    pytest.param([], None, False, id="never signed"),
])
def test_pre_appointment_pledge(signed, appointed, expected):
    assert has_valid_pre_appointment_pledge(signed, appointed, ENTRY) is expected
