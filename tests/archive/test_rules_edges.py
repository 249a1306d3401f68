"""Table-driven tests of rule spots a mutation run found untested (issue 16 item 7):
免职 and the other accountability measures blocking promotion, which records combine into
chains (accountability only when configured, expired records still do, revoked / draft /
repaired / permanent ones never), the chain end of one record, the disclosure of a chained
record, config validation messages and the law tables' shape (docs/rules.md §4.4, §4.7, §12).
"""
from __future__ import annotations

import re
from datetime import date

import pytest

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
    CASE_PENDING,
    IN_PROBATION,
    MUST_BE_UNGRADED,
    PROMOTION_SANCTIONS,
    AppraisalFacts,
    CasePending,
    Period,
    PersonFacts,
    RecordFacts,
    RuleSettings,
    add_months,
    appraisal_warnings,
    chain_of,
    check_restricted_until,
    combined_ends,
    default_restricted_until,
    disclosure_visible,
    evaluate,
    period_row,
    record_end,
    repair_conditions,
    restricts,
    status_at,
    verdict,
)
from archive.rules.law import tables

C, S, RS, K = Category, Sanction, RecordStatus, RestrictionKind
GEN, SER = Severity.GENERAL, Severity.SERIOUS
DEFAULTS = RuleSettings()
D = date(2026, 1, 15)


def rec(sanction: Sanction, *, id: int = 1, decided_on: date = D, severity: Severity = GEN,
        status: RecordStatus = RS.EFFECTIVE, category: Category | None = None, until="default",
        item: str | None = None, judgment_kind: JudgmentKind | None = None,
        disclosable: bool = False, **dates) -> RecordFacts:
    category = category or next(c for c, ss in SANCTIONS_BY_CATEGORY.items() if sanction in ss)
    permanent = False
    if until == "default":
        until, permanent = default_restricted_until(category, sanction, severity, decided_on, DEFAULTS)
    elif until == "permanent":
        until, permanent = None, True
    return RecordFacts(id=id, category=category, sanction=sanction, severity=severity, status=status,
                       decided_on=decided_on, restricted_until=until, permanent=permanent, item=item,
                       judgment_kind=judgment_kind, disclosable=disclosable, **dates)


def kinds_of(record: RecordFacts, as_of: date = date(2026, 3, 1), settings: RuleSettings = DEFAULTS):
    ev = evaluate(PersonFacts(records=(record,)), as_of, settings)
    return ev.status, {r.kind for r in ev.restrictions}


# ------------------------------------------------------------------ what a record blocks

@pytest.mark.parametrize("record, status, kinds", [
    pytest.param(rec(S.DISMISSAL_FROM_POST), IntegrityStatus.RESTRICTED, {K.PROMOTION, K.AWARD},
                 id="问责 免职 blocks promotion (党政领导干部选拔任用工作条例 art. 63)"),
    pytest.param(rec(S.DISMISSAL_FROM_POST, severity=SER), IntegrityStatus.SERIOUS, {K.PROMOTION, K.AWARD, K.HIRING},
                 id="serious 免职 also bars hiring"),
    pytest.param(rec(S.ADMONITION), IntegrityStatus.RESTRICTED, {K.PROMOTION, K.AWARD}, id="诫勉"),
    pytest.param(rec(S.SUSPENSION), IntegrityStatus.RESTRICTED, {K.PROMOTION, K.AWARD}, id="停职检查"),
    pytest.param(rec(S.POST_ADJUSTMENT), IntegrityStatus.RESTRICTED, {K.PROMOTION, K.AWARD}, id="调整职务"),
    pytest.param(rec(S.ORDERED_RESIGNATION), IntegrityStatus.RESTRICTED, {K.PROMOTION, K.AWARD}, id="责令辞职"),
    pytest.param(rec(S.DOWNGRADE), IntegrityStatus.RESTRICTED, {K.PROMOTION, K.AWARD}, id="降职"),
    pytest.param(rec(S.CIRCULATED), IntegrityStatus.GOOD, set(), id="通报 has no period: restricts nothing"),
    pytest.param(rec(S.WARNING), IntegrityStatus.RESTRICTED, {K.PROMOTION, K.AWARD, K.HIRING}, id="政务警告"),
    pytest.param(rec(S.PARTY_WARNING), IntegrityStatus.RESTRICTED, {K.PROMOTION, K.AWARD, K.HIRING},
                 id="党内警告"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY), IntegrityStatus.RESTRICTED, {K.AWARD},
                 id="行政处罚 一般: awards only"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, severity=SER), IntegrityStatus.SERIOUS, {K.AWARD, K.HIRING},
                 id="行政处罚 严重 bars hiring"),
    pytest.param(rec(S.NONE, category=C.PLEDGE_BREACH), IntegrityStatus.RESTRICTED, {K.AWARD}, id="承诺未履行"),
    pytest.param(rec(S.NONE, category=C.JUDICIAL, until=date(2027, 1, 1), item="失信被执行人"),
                 IntegrityStatus.RESTRICTED, {K.AWARD, K.HIRING}, id="失信被执行人 (joint punishment item)"),
    pytest.param(rec(S.NONE, category=C.JUDICIAL, until=date(2027, 1, 1),
                     judgment_kind=JudgmentKind.JUDGMENT_DEBTOR),
                 IntegrityStatus.RESTRICTED, {K.AWARD, K.HIRING}, id="judgment debtor"),
    pytest.param(rec(S.NONE, category=C.JUDICIAL, until=date(2027, 1, 1), item="其他"),
                 IntegrityStatus.RESTRICTED, {K.AWARD}, id="other judicial item"),
    pytest.param(rec(S.DISMISSAL_FROM_POST, status=RS.REVOKED), IntegrityStatus.GOOD, set(), id="revoked 免职"),
    pytest.param(rec(S.DISMISSAL_FROM_POST, status=RS.DRAFT), IntegrityStatus.GOOD, set(), id="draft 免职"),
    pytest.param(rec(S.DISMISSAL_FROM_POST, status=RS.UNDER_OBJECTION), IntegrityStatus.RESTRICTED,
                 {K.PROMOTION, K.AWARD}, id="免职 under objection still blocks (not suspended)"),
])
def test_what_a_record_blocks(record, status, kinds):
    assert kinds_of(record) == (status, kinds)


def test_promotion_sanctions_are_every_sanction_but_circulated():
    expected = (set(SANCTIONS_BY_CATEGORY[C.DISCIPLINE_GOV]) | set(SANCTIONS_BY_CATEGORY[C.DISCIPLINE_PARTY])
                | set(SANCTIONS_BY_CATEGORY[C.ACCOUNTABILITY])) - {S.CIRCULATED, S.NONE}
    assert set(PROMOTION_SANCTIONS) == expected


@pytest.mark.parametrize("as_of, blocked", [
    pytest.param(D, True, id="decision day"),
    pytest.param(date(2027, 1, 15), True, id="last day of the 12 months"),
    pytest.param(date(2027, 1, 16), False, id="released the day after"),
    pytest.param(date(2026, 1, 14), False, id="before the decision"),
])
def test_dismissal_from_post_blocks_promotion_for_its_period(as_of, blocked):
    ev = evaluate(PersonFacts(records=(rec(S.DISMISSAL_FROM_POST),)), as_of, DEFAULTS)
    promotion = [r for r in ev.restrictions if r.kind is K.PROMOTION]
    assert bool(promotion) is blocked
    if blocked:
        assert promotion[0].until == date(2027, 1, 15) and promotion[0].record_id == 1
        assert "免职" in promotion[0].reason and "不得晋升" in promotion[0].reason


# ------------------------------------------------------------------ which records chain

ACC_TOO = RuleSettings.from_mapping({"COMBINABLE_CATEGORIES": ["discipline_gov", "accountability"]})


@pytest.mark.parametrize("records, settings, expected", [
    pytest.param([rec(S.ADMONITION, id=1), rec(S.SUSPENSION, id=2, decided_on=date(2026, 4, 15))], DEFAULTS,
                 {1: date(2026, 7, 15), 2: date(2027, 4, 15)}, id="accountability: own ends by default"),
    pytest.param([rec(S.ADMONITION, id=1), rec(S.SUSPENSION, id=2, decided_on=date(2026, 4, 15))], ACC_TOO,
                 {1: date(2027, 7, 15), 2: date(2027, 7, 15)},
                 id="accountability configured to combine: rest 3 + new 12 months"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.ADMONITION, id=2, decided_on=date(2026, 4, 15))], DEFAULTS,
                 {1: date(2027, 1, 15), 2: date(2026, 10, 15)}, id="accountability never joins a 政务 chain"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.ADMONITION, id=2, decided_on=date(2026, 4, 15))], ACC_TOO,
                 {1: date(2027, 7, 15), 2: date(2027, 7, 15)}, id="... unless configured: any kinds"),
    pytest.param([rec(S.PARTY_WARNING, id=1), rec(S.PARTY_WARNING, id=2, decided_on=date(2026, 4, 15))], DEFAULTS,
                 {1: date(2027, 1, 15), 2: date(2027, 4, 15)}, id="党纪: own ends"),
    pytest.param([rec(S.DEMERIT, id=1, status=RS.EXPIRED), rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))],
                 DEFAULTS, {1: date(2027, 7, 15), 2: date(2027, 7, 15)},
                 id="an expired record still combines: rest 1 + new 6 months"),
    pytest.param([rec(S.DEMERIT, id=1, status=RS.REVOKED), rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))],
                 DEFAULTS, {2: date(2027, 6, 15)}, id="a revoked record does not"),
    pytest.param([rec(S.DEMERIT, id=1, status=RS.DRAFT), rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))],
                 DEFAULTS, {2: date(2027, 6, 15)}, id="a draft does not"),
    pytest.param([rec(S.DEMERIT, id=1, status=RS.REPAIRED), rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))],
                 DEFAULTS, {2: date(2027, 6, 15)}, id="a repaired record does not"),
    pytest.param([rec(S.DEMERIT, id=1, status=RS.NOTIFIED), rec(S.WARNING, id=2, status=RS.UNDER_OBJECTION,
                                                                 decided_on=date(2026, 12, 15))],
                 DEFAULTS, {1: date(2027, 7, 15), 2: date(2027, 7, 15)}, id="notified and under objection do"),
    pytest.param([rec(S.EXPULSION, id=1), rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))],
                 DEFAULTS, {2: date(2027, 6, 15)}, id="a permanent record has no end to combine"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.WARNING, id=2, decided_on=date(2027, 1, 16))], DEFAULTS,
                 {1: date(2027, 1, 15), 2: date(2027, 7, 16)}, id="decided the day after the end: a new chain"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.WARNING, id=2, decided_on=date(2027, 1, 15))], DEFAULTS,
                 {1: date(2027, 7, 15), 2: date(2027, 7, 15)}, id="decided on the last day: chained (rest 0)"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.WARNING, id=2)], DEFAULTS,
                 {1: date(2027, 1, 15), 2: date(2027, 1, 15)}, id="same day, different kinds: the heaviest"),
    pytest.param([rec(S.DEMERIT, id=1), rec(S.DEMERIT, id=2)], DEFAULTS,
                 {1: date(2028, 1, 15), 2: date(2028, 1, 15)}, id="same day, same kind: the sum"),
    pytest.param([rec(S.MAJOR_DEMERIT, id=i) for i in (1, 2, 3)], DEFAULTS,
                 {1: date(2030, 1, 15), 2: date(2030, 1, 15), 3: date(2030, 1, 15)},
                 id="same day sum capped at 48 months"),
    pytest.param([rec(S.REMOVAL, id=1), rec(S.REMOVAL, id=2, decided_on=date(2027, 1, 15))], DEFAULTS,
                 {1: date(2030, 1, 15), 2: date(2030, 1, 15)}, id="rest 12 + new 24 = 36 months"),
    pytest.param([rec(S.REMOVAL, id=1), rec(S.REMOVAL, id=2, decided_on=date(2026, 2, 15))], DEFAULTS,
                 {1: date(2030, 1, 15), 2: date(2030, 1, 15)}, id="rest 23 + new 24 = 47 months, under the cap"),
    pytest.param([rec(S.REMOVAL, id=1), rec(S.REMOVAL, id=2, decided_on=date(2026, 2, 15))],
                 RuleSettings.from_mapping({"COMBINED_PERIOD_CAP_MONTHS": 30}),
                 {1: date(2028, 8, 15), 2: date(2028, 8, 15)}, id="the cap is configurable"),
    pytest.param([rec(S.DEMERIT, id=1, until=date(2026, 3, 10)), rec(S.WARNING, id=2, decided_on=date(2026, 3, 1))],
                 DEFAULTS, {1: date(2026, 9, 10), 2: date(2026, 9, 10)}, id="an HR-edited end: rest of 9 days kept"),
])
def test_which_records_chain(records, settings, expected):
    assert combined_ends(records, settings) == expected


def test_expired_record_in_a_chain_is_effective_again_and_restricts():
    first = rec(S.DEMERIT, id=1, status=RS.EXPIRED)
    second = rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))
    as_of = date(2027, 3, 1)
    ends = combined_ends([first, second], DEFAULTS)
    assert status_at(first, as_of, DEFAULTS, ends[1]) is RS.EFFECTIVE
    assert restricts(first, as_of, DEFAULTS, ends[1])
    assert status_at(first, date(2027, 7, 16), DEFAULTS, ends[1]) is RS.EXPIRED
    assert not restricts(first, date(2027, 7, 16), DEFAULTS, ends[1])
    ev = evaluate(PersonFacts(records=(first, second)), as_of, DEFAULTS)
    assert ev.record_status == {1: RS.EFFECTIVE, 2: RS.EFFECTIVE}
    assert ev.record_ends == {1: date(2027, 7, 15), 2: date(2027, 7, 15)}
    promotion = [r for r in ev.restrictions if r.kind is K.PROMOTION]
    assert {r.record_id for r in promotion} == {1, 2} and {r.until for r in promotion} == {date(2027, 7, 15)}


def test_a_record_revoked_later_combined_until_the_revocation():
    first = rec(S.DEMERIT, id=1, status=RS.REVOKED, notified_on=D, revoked_on=date(2027, 2, 1))
    second = rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))
    assert combined_ends([first, second], DEFAULTS, date(2027, 1, 31)) == {1: date(2027, 7, 15),
                                                                            2: date(2027, 7, 15)}
    assert combined_ends([first, second], DEFAULTS, date(2027, 2, 1)) == {2: date(2027, 6, 15)}


@pytest.mark.parametrize("record_id, expected", [
    pytest.param(1, date(2027, 7, 15), id="the chain's end"),
    pytest.param(3, date(2026, 4, 15), id="not chained: its own end (党纪)"),
    pytest.param(4, None, id="permanent: none"),
    pytest.param(99, None, id="unknown record"),
])
def test_chain_of(record_id, expected):
    records = [rec(S.DEMERIT, id=1), rec(S.WARNING, id=2, decided_on=date(2026, 12, 15)),
               rec(S.PARTY_WARNING, id=3, until=date(2026, 4, 15)), rec(S.EXPULSION, id=4)]
    assert chain_of(record_id, records, DEFAULTS) == expected


def test_record_end():
    assert record_end(rec(S.DEMERIT)) == date(2027, 1, 15)
    assert record_end(rec(S.DEMERIT), date(2027, 5, 1)) == date(2027, 5, 1)
    assert record_end(rec(S.EXPULSION), date(2027, 5, 1)) is None


@pytest.mark.parametrize("as_of, combined, visible", [
    pytest.param(date(2027, 1, 10), None, True, id="own end not passed"),
    pytest.param(date(2027, 1, 16), None, False, id="own end passed"),
    pytest.param(date(2027, 1, 15), date(2027, 7, 15), True, id="last disclosure day inside the chain"),
    pytest.param(date(2027, 1, 16), date(2027, 7, 15), False, id="chained but past 12 months of disclosure"),
])
def test_disclosure_of_a_chained_record(as_of, combined, visible):
    record = rec(S.DEMERIT, disclosable=True, until=date(2026, 12, 1) if combined is None else "default")
    if combined is None:
        record = rec(S.DEMERIT, disclosable=True, until=date(2027, 1, 12))
    assert disclosure_visible(record, as_of, DEFAULTS, combined) is visible


def test_disclosure_uses_the_combined_end():
    record = rec(S.DEMERIT, disclosable=True, until=date(2026, 6, 1))
    assert not disclosure_visible(record, date(2026, 7, 1), DEFAULTS)
    assert disclosure_visible(record, date(2026, 7, 1), DEFAULTS, date(2026, 12, 1))


# ------------------------------------------------------------------ config and the law tables

@pytest.mark.parametrize("value, message", [
    pytest.param("forever", "invalid restriction period: 'forever'", id="word"),
    pytest.param("-3", "invalid restriction period: '-3'", id="negative"),
    pytest.param(True, "invalid restriction period: True", id="a bool is not a number"),
])
def test_period_parse_refuses(value, message):
    with pytest.raises(ValueError, match=message):
        Period.parse(value)


@pytest.mark.parametrize("value, expected", [
    (12, Period("months", 12)), ("18", Period("months", 18)), (" Permanent ", Period("permanent")),
    ("none", Period("none")), ("set_by_hr", Period("set_by_hr")), (Period("none"), Period("none")),
])
def test_period_parse(value, expected):
    assert Period.parse(value) == expected


@pytest.mark.parametrize("period, text", [
    (Period("months", 6), "6个月"), (Period("permanent"), "永久"), (Period("none"), "不限制"),
    (Period("set_by_hr"), "由人事干部设定"), (Period("probation_plus", 24), "察看期（12或24个月）+ 24个月"),
])
def test_period_describe(period, text):
    assert period.describe() == text


@pytest.mark.parametrize("key, message", [
    pytest.param("discipline_gov:demerit:general:x", "invalid RESTRICTION_PERIODS key", id="four parts"),
    pytest.param("nope", "invalid RESTRICTION_PERIODS key", id="unknown category"),
    pytest.param("discipline_gov:party_warning", "invalid sanction in RESTRICTION_PERIODS key",
                 id="sanction of another category"),
    pytest.param("admin_penalty::grave", "invalid severity in RESTRICTION_PERIODS key", id="unknown severity"),
    pytest.param("discipline_gov:", "invalid RESTRICTION_PERIODS key", id="empty sanction"),
])
def test_bad_period_keys_say_what_is_wrong(key, message):
    with pytest.raises(ValueError, match=message):
        RuleSettings.from_mapping({"RESTRICTION_PERIODS": {key: 6}})


@pytest.mark.parametrize("key", ["discipline_gov", "discipline_gov:demerit", "discipline_gov:demerit:serious",
                                 "admin_penalty::serious"])
def test_good_period_keys(key):
    assert RuleSettings.from_mapping({"RESTRICTION_PERIODS": {key: 6}}).period_overrides == (
        (key, Period("months", 6)),)


@pytest.mark.parametrize("config, message", [
    ({"OBJECTION_WINDOW_DAYS": -1}, "OBJECTION_WINDOW_DAYS must be a non-negative integer"),
    ({"COMBINED_PERIOD_CAP_MONTHS": True}, "COMBINED_PERIOD_CAP_MONTHS must be a non-negative integer"),
    ({"EXCELLENT_QUOTA": "1.01"}, "EXCELLENT_QUOTA must be between 0 and 1"),
    ({"EXCELLENT_QUOTA": -0.01}, "EXCELLENT_QUOTA must be between 0 and 1"),
    ({"DISCLOSURE_MAX_MONTHS": {"grave": 3}}, "DISCLOSURE_MAX_MONTHS: unknown severity 'grave'"),
    ({"REPAIR_MIN_MONTHS": {"serious": -1}}, "REPAIR_MIN_MONTHS must be a non-negative integer"),
    ({"PARTY_PROBATION_MONTHS": [12, -24]}, "PARTY_PROBATION_MONTHS must be a non-negative integer"),
])
def test_bad_config_messages(config, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        RuleSettings.from_mapping(config)


def test_every_setting_is_read():
    s = RuleSettings.from_mapping({
        "OBJECTION_WINDOW_DAYS": 10, "OBJECTION_DEADLINE_DAYS": 11, "COMBINED_PERIOD_CAP_MONTHS": 12,
        "REPAIR_REAPPLY_DAYS": 13, "REPAIR_DECISION_WORKING_DAYS": 14, "ATTENTION_EXPIRED_MONTHS": 15,
        "EXCELLENT_QUOTA": 1, "PROMOTION_BLOCKED_BY_TWO_BASIC": 0,
        "REPAIR_MIN_MONTHS": {"general": 1, "serious": 2, "minor": 0},
        "DISCLOSURE_MAX_MONTHS": {"general": 3, "serious": 4, "minor": 5},
        "JOINT_PUNISHMENT_ITEMS": ["甲", 7], "NON_REPAIRABLE_SANCTIONS": ["demerit"],
        "PARTY_PROBATION_MONTHS": ["6"], "COMBINABLE_CATEGORIES": ["accountability"],
        "OBJECTION_WINDOW_DAYS_UNUSED": 1, "ATTENTION": None,
    })
    assert (s.objection_window_days, s.objection_deadline_days, s.combined_period_cap_months,
            s.repair_reapply_days, s.repair_decision_working_days, s.attention_expired_months) == (
        10, 11, 12, 13, 14, 15)
    assert str(s.excellent_quota) == "1" and s.promotion_blocked_by_two_basic is False
    assert [s.repair_min_months(v) for v in (GEN, SER, Severity.MINOR)] == [1, 2, 0]
    assert [s.disclosure_max_months(v) for v in (GEN, SER, Severity.MINOR)] == [3, 4, 5]
    assert s.joint_punishment_items == ("甲", "7") and s.non_repairable_sanctions == (S.DEMERIT,)
    assert s.party_probation_months == (6,) and s.combinable_categories == (C.ACCOUNTABILITY,)
    defaults = RuleSettings.from_mapping({"OBJECTION_WINDOW_DAYS": None, "EXCELLENT_QUOTA": 0})
    assert defaults.objection_window_days == 30 and str(defaults.excellent_quota) == "0"


def test_probation_message_names_both_parts():
    message = check_restricted_until(C.DISCIPLINE_PARTY, S.PARTY_PROBATION, SER, D, date(2027, 1, 1), False,
                                     DEFAULTS, 12)
    assert message is not None
    expected = add_months(D, 36)
    assert "察看期12个月加24个月" in message and f"{expected.year}年" in message or expected.isoformat() in message


def test_law_tables_shape():
    t = tables()
    assert set(t) == {"periods", "chains", "appraisal_effects", "hiring_bars", "repair_scope", "repair_versions"}
    keys = {"periods": {"category", "sanction", "severity", "period", "citation", "effective_from"},
            "chains": {"rule", "citation"},
            "appraisal_effects": {"cause", "effect", "citation", "effective_from"},
            "hiring_bars": {"bar", "scope", "citation", "effective_from"},
            "repair_scope": {"category", "repairable", "note", "citation"},
            "repair_versions": {"name", "citation", "effective_from", "effective_to", "min_months"}}
    for name, rows in t.items():
        assert rows, name
        for row in rows:
            assert set(row) == keys[name], (name, row)
            assert all(isinstance(v, str) for v in row.values())
    first = t["periods"][0]
    assert (first["category"], first["sanction"], first["severity"], first["period"],
            first["effective_from"]) == ("政务处分", "警告", "", "6个月", "2020-07-01")
    by_key = {(r["category"], r["sanction"], r["severity"]): r["period"] for r in t["periods"]}
    assert by_key[("行政处罚", "", "严重")] == "36个月"
    assert by_key[("党纪处分", "留党察看", "")] == "察看期（12或24个月）+ 24个月"
    assert {r["scope"] for r in t["hiring_bars"]} <= {"终身不得录用", "期间内不得录用"}
    assert any(r["repairable"] == "不适用信用修复" for r in t["repair_scope"])
    assert any(r["repairable"] == "可以修复" for r in t["repair_scope"])


def test_repair_versions_name_the_sector_period_only_where_it_exists():
    versions = {r["citation"]: r["min_months"] for r in tables()["repair_versions"]}
    assert "安全生产、消防、特种设备12个月" in versions["国家发展改革委令第58号（2023）"]
    assert "安全生产" not in versions["国家发展改革委令第36号"]


def test_chain_of_at_a_date():
    first = rec(S.DEMERIT, id=1, status=RS.REVOKED, notified_on=D, revoked_on=date(2027, 2, 1))
    second = rec(S.WARNING, id=2, decided_on=date(2026, 12, 15))
    assert chain_of(2, [first, second], DEFAULTS, date(2027, 1, 31)) == date(2027, 7, 15)
    assert chain_of(2, (r for r in [first, second]), DEFAULTS, date(2027, 2, 1)) == date(2027, 6, 15)


# ------------------------------------------------------------------ appraisal entry checks, repair

def test_appraisal_warning_counts_a_record_revoked_after_the_appraisal():
    record = rec(S.DEMERIT, decided_on=date(2026, 3, 1), status=RS.REVOKED, notified_on=date(2026, 3, 1),
                 revoked_on=date(2027, 5, 1))
    warnings = appraisal_warnings(2026, Grade.COMPETENT, [record], DEFAULTS)
    assert [w.code for w in warnings] == [MUST_BE_UNGRADED]
    assert "当年度" in warnings[0].message
    assert appraisal_warnings(2026, Grade.COMPETENT, [record], DEFAULTS, as_of=date(2027, 5, 1)) == []


def test_appraisal_warning_texts_name_the_case_and_the_year():
    case = CasePending(date(2026, 5, 1), "市纪委监委")
    warnings = appraisal_warnings(2026, Grade.COMPETENT, [], DEFAULTS, cases=[case], entry_date=date(2026, 6, 1))
    assert [w.code for w in warnings] == [CASE_PENDING, IN_PROBATION]
    assert "市纪委监委" in warnings[0].message
    assert "2026年末仍在试用期内" in warnings[1].message


@pytest.mark.parametrize("combined, met", [
    pytest.param(None, False, id="own end passed: expired, nothing to repair"),
    pytest.param(date(2027, 7, 15), True, id="the chain still runs: effective, repairable"),
])
def test_repair_status_reads_the_chain(combined, met):
    record = rec(S.DEMERIT, category=C.DISCIPLINE_GOV, until=date(2026, 6, 1), notified_on=D)
    conditions = repair_conditions(record, date(2026, 9, 1), [date(2026, 8, 1)], [date(2026, 8, 1)], None,
                                   DEFAULTS, combined)
    status = next(c for c in conditions if c.code == "status")
    assert status.met is met


# ------------------------------------------------------------------ notes and reasons, word for word

def test_notes_and_reasons_word_for_word():
    def r(sanction, status, id, until=date(2027, 1, 15), category=None, decided=D, item=None):
        return rec(sanction, id=id, status=status, until=until, category=category, decided_on=decided, item=item)
    person = PersonFacts(records=(
        r(S.DEMERIT, RS.REPAIRED, 1),
        r(S.PARTY_WARNING, RS.EXEMPTED, 2),
        r(S.ADMONITION, RS.UNDER_OBJECTION, 3, item="酒驾"),
        r(S.NONE, RS.EFFECTIVE, 4, date(2025, 10, 1), C.ADMIN_PENALTY, date(2024, 10, 1)),
        r(S.NONE, RS.EFFECTIVE, 6, date(2025, 9, 30), C.PLEDGE_BREACH, date(2024, 9, 30)),
        r(S.NONE, RS.EFFECTIVE, 7, date(2025, 9, 29), C.PLEDGE_BREACH, date(2024, 9, 29)),
        r(S.NONE, RS.EFFECTIVE, 5, None, C.OTHER),
        r(S.DEMERIT, RS.REVOKED, 8),
        r(S.CIRCULATED, RS.EFFECTIVE, 9, None),
    ), appraisals=(AppraisalFacts(2025, Grade.BASICALLY_COMPETENT), AppraisalFacts(2024, Grade.COMPETENT),
                   AppraisalFacts(2027, Grade.INCOMPETENT)))
    ev = evaluate(person, date(2026, 9, 30), DEFAULTS)
    assert [str(n) for n in ev.notes] == [
        "政务处分·记过（2026年1月15日决定）已信用修复",
        "党纪处分·警告（2026年1月15日决定）已认定容错免责，不计为失信",
        "问责处理·诫勉（酒驾，2026年1月15日决定）异议处理中",
        "行政处罚（2024年10月1日决定）影响期已于2025年10月1日届满解除（近12个月内）",
        "承诺未履行（2024年9月30日决定）影响期已于2025年9月30日届满解除（近12个月内）",
        "其他失信（2026年1月15日决定）未设定影响期截止日期，请人事干部补充",
        "2025年度考核为基本称职",
    ]
    assert ev.status is IntegrityStatus.RESTRICTED
    assert [(x.kind, str(x.reason), x.until, x.record_id, x.permanent) for x in ev.restrictions] == [
        (K.PROMOTION, "问责处理·诫勉（酒驾，2026年1月15日决定）处于影响期内（至2027年1月15日），不得晋升职务职级"
                      "（中国共产党问责条例（2019）第8条；党政领导干部选拔任用工作条例（2019）第63条；"
                      "关于对党员领导干部进行诫勉的规定（2019））", date(2027, 1, 15), 3, False),
        (K.AWARD, "问责处理·诫勉（酒驾，2026年1月15日决定）为有效失信记录（至2027年1月15日），不得评优评先",
         date(2027, 1, 15), 3, False),
    ]
    assert ev.record_status == {1: RS.REPAIRED, 2: RS.EXEMPTED, 3: RS.UNDER_OBJECTION, 4: RS.EXPIRED,
                                6: RS.EXPIRED, 7: RS.EXPIRED, 5: RS.EFFECTIVE, 8: RS.REVOKED, 9: RS.EFFECTIVE}


@pytest.mark.parametrize("sanction, basis", [
    (S.WARNING, "公职人员政务处分法第19条"),
    (S.PARTY_WARNING, "中国共产党纪律处分条例（2023）第10条"),
    (S.DISMISSAL_FROM_POST, "党政领导干部选拔任用工作条例（2019）第63条"),
])
def test_promotion_basis_is_the_right_instrument(sanction, basis):
    ev = evaluate(PersonFacts(records=(rec(sanction),)), date(2026, 3, 1), DEFAULTS)
    promotion = next(x for x in ev.restrictions if x.kind is K.PROMOTION)
    assert basis in promotion.reason


def test_permanent_record_restricts_for_ever():
    ev = evaluate(PersonFacts(records=(rec(S.EXPULSION, severity=SER),)), date(2040, 1, 1), DEFAULTS)
    assert ev.status is IntegrityStatus.SERIOUS
    assert {(x.kind, x.until, x.permanent) for x in ev.restrictions if x.record_id == 1} >= {
        (K.PROMOTION, None, True), (K.AWARD, None, True)}
    assert all("永久" in x.reason for x in ev.restrictions if x.kind is K.AWARD)


@pytest.mark.parametrize("as_of, courses, pledges, rejected, expected", [
    pytest.param(date(2026, 6, 1), [date(2026, 2, 1)], [date(2026, 2, 1)], None, [
        ("status", True, "记录已生效"),
        ("category", True, "该类记录可以申请修复"),
        ("waiting_period", True, "自决定之日起须满3个月（一般，国家发展改革委令第36号），2026年4月15日起可申请，已满足"),
        ("repair_training", True, "已完成信用修复培训"),
        ("repair_pledge", True, "已签署信用修复承诺"),
    ], id="all met (令第36号)"),
    pytest.param(date(2026, 3, 1), [], [date(2025, 2, 1)], date(2026, 2, 20), [
        ("status", True, "记录已生效"),
        ("category", True, "该类记录可以申请修复"),
        ("waiting_period", False,
         "自决定之日起须满3个月（一般，国家发展改革委令第58号（2023）），2026年4月15日起可申请，尚未届满"),
        ("repair_training", False, "尚未完成信用修复培训：须在决定之日（2026年1月15日）或之后完成一门信用修复培训课程"),
        ("repair_pledge", False, "尚未签署信用修复承诺：须在决定之日（2026年1月15日）或之后签署信用修复承诺书"),
        ("reapply_wait", False, "上次申请于2026年2月20日被驳回，2026年3月22日起方可再次申请"),
    ], id="nothing met yet (令第58号), rejected 9 days ago"),
])
def test_repair_conditions_word_for_word(as_of, courses, pledges, rejected, expected):
    record = rec(S.NONE, category=C.ADMIN_PENALTY, until=date(2027, 1, 15))
    got = repair_conditions(record, as_of, courses, pledges, rejected, DEFAULTS)
    assert [(c.code, c.met, str(c.message)) for c in got] == expected


# ------------------------------------------------------------------ verdicts and bars, word for word

_AP = rec(S.NONE, category=C.ADMIN_PENALTY, until=date(2027, 1, 15))
_OLD = rec(S.WARNING, id=2, decided_on=date(2025, 1, 15), until=date(2025, 7, 15))
_CASE = CasePending(date(2026, 2, 1), "市纪委监委")
_CASE_TEXT = "立案审查中（市纪委监委，2026年2月1日起）"
_AP_TEXT = "行政处罚（2026年1月15日决定）"
_OLD_NOTE = "政务处分·警告（2025年1月15日决定）影响期已于2025年7月15日届满解除（近12个月内）"


@pytest.mark.parametrize("person, purpose, verdict_, reasons", [
    pytest.param(PersonFacts(records=(_AP,)), ReviewPurpose.PROMOTION, Verdict.ATTENTION,
                 [_AP_TEXT + "为有效失信记录（不直接限制晋升，需综合考虑）"], id="promotion: weigh a 行政处罚"),
    pytest.param(PersonFacts(records=(_AP,)), ReviewPurpose.AWARD, Verdict.INELIGIBLE,
                 [_AP_TEXT + "为有效失信记录（至2027年1月15日），不得评优评先"], id="award: barred"),
    pytest.param(PersonFacts(records=(_AP,)), ReviewPurpose.HIRING, Verdict.ATTENTION,
                 [_AP_TEXT + "为有效失信记录（不直接限制录用，需综合考虑）"], id="hiring: weigh a general 行政处罚"),
    pytest.param(PersonFacts(records=(_OLD,)), ReviewPurpose.PROMOTION, Verdict.ATTENTION, [_OLD_NOTE],
                 id="released recently: attention"),
    pytest.param(PersonFacts(), ReviewPurpose.HIRING, Verdict.ELIGIBLE, [], id="nothing: eligible"),
    pytest.param(PersonFacts(records=(_AP,), cases=(_CASE,), dismissed_on=date(2024, 3, 1)), ReviewPurpose.PROMOTION,
                 Verdict.INELIGIBLE, [_CASE_TEXT + "，不得晋升（公职人员政务处分法第52条）"], id="case bars promotion"),
    pytest.param(PersonFacts(records=(_AP,), cases=(_CASE,), dismissed_on=date(2024, 3, 1)), ReviewPurpose.AWARD,
                 Verdict.INELIGIBLE, [_AP_TEXT + "为有效失信记录（至2027年1月15日），不得评优评先",
                                      _CASE_TEXT + "，不得奖励（公职人员政务处分法第52条）"], id="case bars awards"),
    pytest.param(PersonFacts(records=(_AP,), cases=(_CASE,), dismissed_on=date(2024, 3, 1)), ReviewPurpose.HIRING,
                 Verdict.INELIGIBLE, [
                     _CASE_TEXT + "，不得录用（公务员录用规定（2019）第18条；历年公务员招录公告；公职人员政务处分法第52条）",
                     "2024年3月1日被辞退未满五年（至2029年3月1日），不得录用（公务员录用规定（2019）第18条；历年公务员招录公告）"],
                 id="case and dismissal bar hiring"),
])
def test_verdicts_word_for_word(person, purpose, verdict_, reasons):
    as_of = date(2026, 3, 1)
    got, why = verdict(purpose, evaluate(person, as_of, DEFAULTS), person, as_of, DEFAULTS)
    assert (got, [str(r) for r in why]) == (verdict_, reasons)


@pytest.mark.parametrize("as_of, barred", [
    pytest.param(date(2024, 2, 29), False, id="before the dismissal"),
    pytest.param(date(2024, 3, 1), True, id="the day of the dismissal"),
    pytest.param(date(2029, 3, 1), True, id="last day of the five years"),
    pytest.param(date(2029, 3, 2), False, id="after five years"),
])
def test_dismissal_bars_hiring_for_five_years(as_of, barred):
    ev = evaluate(PersonFacts(dismissed_on=date(2024, 3, 1)), as_of, DEFAULTS)
    assert [(x.kind, x.until) for x in ev.restrictions] == ([(K.HIRING, date(2029, 3, 1))] if barred else [])


def test_criminal_record_bars_hiring_for_ever_even_expired():
    record = rec(S.NONE, category=C.JUDICIAL, severity=SER, status=RS.EXPIRED, decided_on=date(2020, 1, 15),
                 until=date(2021, 1, 15), judgment_kind=JudgmentKind.CRIMINAL)
    ev = evaluate(PersonFacts(records=(record,)), date(2026, 3, 1), DEFAULTS)
    assert [(x.kind, str(x.reason), x.until, x.permanent, x.record_id) for x in ev.restrictions] == [
        (K.HIRING, "司法判决（2020年1月15日决定）：曾因犯罪受过刑事处罚，终身不得录用（公务员法（2018）第26条第1项）",
         None, True, 1)]
    assert ev.status is IntegrityStatus.GOOD


def test_two_basic_years_block_promotion_word_for_word():
    person = PersonFacts(appraisals=(AppraisalFacts(2024, Grade.BASICALLY_COMPETENT),
                                     AppraisalFacts(2025, Grade.BASICALLY_COMPETENT)))
    ev = evaluate(person, date(2026, 3, 1), DEFAULTS)
    assert [(x.kind, str(x.reason), x.until) for x in ev.restrictions] == [
        (K.PROMOTION, "2024、2025年度考核连续为基本称职，不得晋升职务职级", None)]


_BAR = "（公务员录用规定（2019）第18条；历年公务员招录公告）"


@pytest.mark.parametrize("record, reasons", [
    pytest.param(rec(S.DEMERIT), ["政务处分·记过（2026年1月15日决定）尚未解除（至2027年1月15日），不得录用" + _BAR],
                 id="unreleased 政务处分"),
    pytest.param(rec(S.NONE, category=C.ADMIN_PENALTY, severity=SER, until=date(2029, 1, 15)),
                 ["行政处罚（2026年1月15日决定）为有效的严重失信记录，不得录用"], id="serious record"),
    pytest.param(rec(S.NONE, category=C.JUDICIAL, until=date(2028, 1, 15), item="失信被执行人"),
                 ["司法判决（失信被执行人，2026年1月15日决定）：被列为失信被执行人，不得录用（公务员法第26条）"],
                 id="joint punishment item"),
    pytest.param(rec(S.NONE, category=C.JUDICIAL, until=date(2028, 1, 15), judgment_kind=JudgmentKind.JUDGMENT_DEBTOR),
                 ["司法判决（2026年1月15日决定）：被列为失信被执行人，不得录用（公务员法第26条）"], id="judgment debtor"),
    pytest.param(rec(S.PARTY_EXPULSION, severity=SER),
                 ["党纪处分·开除党籍（2026年1月15日决定）尚未解除（永久），不得录用" + _BAR,
                  "党纪处分·开除党籍（2026年1月15日决定）：被开除中国共产党党籍，终身不得录用（公务员法（2018）第26条第2项）"],
                 id="开除党籍: unreleased and for ever"),
])
def test_hiring_reasons_word_for_word(record, reasons):
    ev = evaluate(PersonFacts(records=(record,)), date(2026, 3, 1), DEFAULTS)
    assert [str(x.reason) for x in ev.restrictions if x.kind is K.HIRING] == reasons
    assert {(x.record_id, x.permanent) for x in ev.restrictions} == {(1, record.permanent)}


def test_notified_on_the_day_of_the_notification():
    record = rec(S.DEMERIT, status=RS.NOTIFIED, notified_on=date(2026, 2, 1))
    assert status_at(record, date(2026, 1, 31), DEFAULTS) is RS.DRAFT
    assert status_at(record, date(2026, 2, 1), DEFAULTS) is RS.NOTIFIED
    assert status_at(record, date(2026, 3, 3), DEFAULTS) is RS.NOTIFIED       # the 30th day of the window
    assert status_at(record, date(2026, 3, 4), DEFAULTS) is RS.EFFECTIVE


def test_chain_rest_counts_whole_months_then_days():
    """The unserved rest from 2026-01-31 to 2026-04-29 is 2 months and 29 days (not 1 month and 60 days)."""
    first = rec(S.MAJOR_DEMERIT, id=1, decided_on=date(2025, 10, 29), until=date(2026, 4, 29))
    second = rec(S.WARNING, id=2, decided_on=date(2026, 1, 31))
    assert combined_ends([first, second], DEFAULTS) == {1: date(2026, 10, 29), 2: date(2026, 10, 29)}


def test_no_period_row_says_so():
    with pytest.raises(ValueError, match="no restriction period for"):
        period_row(C.DISCIPLINE_GOV, S.NONE, GEN)


def test_appraisal_warning_word_for_word():
    record = rec(S.DEMERIT, decided_on=date(2026, 3, 1))
    assert [str(w.message) for w in appraisal_warnings(2026, Grade.COMPETENT, [record])] == [
        "受政务处分·记过（2026年3月1日决定），当年度不定等次（组通字〔1998〕19号；公务员考核规定（2020））"]


def test_acknowledged_is_effective_from_that_day():
    record = rec(S.DEMERIT, status=RS.EFFECTIVE, notified_on=date(2026, 2, 1), acknowledged_on=date(2026, 2, 3))
    assert status_at(record, date(2026, 2, 2), DEFAULTS) is RS.NOTIFIED
    assert status_at(record, date(2026, 2, 3), DEFAULTS) is RS.EFFECTIVE


def test_chain_of_a_record_outside_every_chain_is_its_own_end():
    draft = rec(S.DEMERIT, id=1, status=RS.DRAFT)
    assert chain_of(1, [draft], DEFAULTS) == date(2027, 1, 15)


def test_probation_months_message():
    message = check_restricted_until(C.DISCIPLINE_PARTY, S.PARTY_PROBATION, SER, D, None, False, DEFAULTS, None)
    assert str(message) == "留党察看须写明察看期（12/24个月）"


def test_consecutive_incompetent_note():
    person = PersonFacts(appraisals=(AppraisalFacts(2025, Grade.INCOMPETENT), AppraisalFacts(2026, Grade.INCOMPETENT)))
    notes = [str(n) for n in evaluate(person, date(2027, 3, 1), DEFAULTS).notes]
    assert notes == ["2026年度考核为不称职", "2025、2026年度考核连续不称职（公务员法第88条）"]


def test_permanent_serious_record_bars_hiring_for_ever():
    record = rec(S.NONE, category=C.JUDICIAL, severity=SER, until="permanent")
    ev = evaluate(PersonFacts(records=(record,)), date(2030, 1, 1), DEFAULTS)
    assert {(x.kind, x.until, x.permanent) for x in ev.restrictions} == {(K.AWARD, None, True), (K.HIRING, None, True)}


def test_recruit_entering_on_the_last_day_is_in_probation():
    warnings = appraisal_warnings(2026, Grade.COMPETENT, [], DEFAULTS, entry_date=date(2026, 12, 31))
    assert [(w.code, str(w.message)) for w in warnings] == [
        (IN_PROBATION, "2026年12月31日录用，2026年末仍在试用期内，应不定等次（公务员考核规定第8条）")]


def test_incompetent_year_blocks_promotion_word_for_word():
    ev = evaluate(PersonFacts(appraisals=(AppraisalFacts(2026, Grade.INCOMPETENT),)), date(2027, 3, 1), DEFAULTS)
    assert [(x.kind, str(x.reason)) for x in ev.restrictions] == [
        (K.PROMOTION, "2026年度考核为不称职，不得晋升职务职级（公务员法第50条）")]
