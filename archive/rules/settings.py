"""Every configurable number of the rules (RuleSettings) with the documented defaults."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from archive.enums import (
    Category,
    Sanction,
    Severity,
)
from archive.rules.periods import Period, _check_period_key

# --------------------------------------------------------------------------- settings

_INT_KEYS = {
    "OBJECTION_WINDOW_DAYS": "objection_window_days",
    "OBJECTION_DEADLINE_DAYS": "objection_deadline_days",
    "COMBINED_PERIOD_CAP_MONTHS": "combined_period_cap_months",
    "REPAIR_REAPPLY_DAYS": "repair_reapply_days",
    "REPAIR_DECISION_WORKING_DAYS": "repair_decision_working_days",
    "ATTENTION_EXPIRED_MONTHS": "attention_expired_months",
}


@dataclass(frozen=True)
class RuleSettings:
    """Every configurable number of the rules, with the defaults of docs/rules.md.

    Config keys read by :meth:`from_mapping` (all optional; None means "default"):

    * ``RESTRICTION_PERIODS``: dict of period overrides. Keys ``"category:sanction"``,
      ``"category:sanction:severity"``, ``"category::severity"`` or ``"category"`` (API
      codes); values months (int), ``"permanent"``, ``"none"`` or ``"set_by_hr"``.
      An override beats every default; among overrides the most specific key wins.
    * ``OBJECTION_WINDOW_DAYS`` (30): days after notification during which an objection
      may be filed; afterwards a ``notified`` record is ``effective`` (公务员法 art. 95).
    * ``OBJECTION_DEADLINE_DAYS`` (30): calendar days HR has to decide an objection.
    * ``COMBINED_PERIOD_CAP_MONTHS`` (48): cap of a combined period (政务处分法 art. 15).
    * ``EXCELLENT_QUOTA`` (0.20): share of 优秀 above which a department-year is flagged.
    * ``PROMOTION_BLOCKED_BY_TWO_BASIC`` (True): two consecutive 基本称职 block promotion.
    * ``REPAIR_MIN_MONTHS`` (None): waiting time before repair per severity; by default
      the credit-repair rule version in force on the application date decides
      (archive.rules.repair.REPAIR_VERSIONS); a configured value overrides every version.
    * ``REPAIR_REAPPLY_DAYS`` (30): days after a rejected repair before applying again.
    * ``REPAIR_DECISION_WORKING_DAYS`` (15): working days HR has to decide a repair.
    * ``DISCLOSURE_MAX_MONTHS`` ({"general": 12, "serious": 36}): public disclosure stops
      this long after the decision (docs/rules.md §12).
    * ``JOINT_PUNISHMENT_ITEMS`` (("失信联合惩戒对象", "失信被执行人")): record items that
      make a candidate ineligible for hiring (公务员法 art. 26).
    * ``NON_REPAIRABLE_SANCTIONS`` (("expulsion", "party_expulsion")): sanction codes
      that can never be repaired (docs/rules.md §4.6 condition 1).
    * ``PARTY_PROBATION_MONTHS`` ((12, 24)): allowed periods of 留党察看.
    * ``ATTENTION_EXPIRED_MONTHS`` (12): a record expired this recently is shown to a
      review committee as "需关注".
    * ``COMBINABLE_CATEGORIES`` (("discipline_gov",)): categories whose sanctions form
      chains (docs/rules.md §4.4; the other categories each run their own period).
    """
    period_overrides: tuple[tuple[str, Period], ...] = ()
    objection_window_days: int = 30
    objection_deadline_days: int = 30
    combined_period_cap_months: int = 48
    excellent_quota: Decimal = Decimal("0.20")
    promotion_blocked_by_two_basic: bool = True
    repair_min_months_general: int | None = None
    repair_min_months_serious: int | None = None
    repair_min_months_minor: int | None = None
    repair_reapply_days: int = 30
    repair_decision_working_days: int = 15
    disclosure_max_months_general: int = 12
    disclosure_max_months_serious: int = 36
    disclosure_max_months_minor: int = 0
    joint_punishment_items: tuple[str, ...] = ("失信联合惩戒对象", "失信被执行人")
    non_repairable_sanctions: tuple[Sanction, ...] = (Sanction.EXPULSION, Sanction.PARTY_EXPULSION)
    party_probation_months: tuple[int, ...] = (12, 24)
    attention_expired_months: int = 12
    combinable_categories: tuple[Category, ...] = (Category.DISCIPLINE_GOV,)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> RuleSettings:
        """Settings from a Flask-config-like mapping; raises ValueError on a bad value."""
        given: dict[str, Any] = {k: v for k, v in config.items() if v is not None}
        kw: dict[str, Any] = {}
        if "RESTRICTION_PERIODS" in given:
            kw["period_overrides"] = tuple(
                (_check_period_key(k), Period.parse(v))
                for k, v in dict(given["RESTRICTION_PERIODS"]).items())
        for key, attr in _INT_KEYS.items():
            if key in given:
                kw[attr] = _non_negative_int(key, given[key])
        if "EXCELLENT_QUOTA" in given:
            quota = Decimal(str(given["EXCELLENT_QUOTA"]))
            if not Decimal(0) <= quota <= Decimal(1):
                raise ValueError("EXCELLENT_QUOTA must be between 0 and 1")
            kw["excellent_quota"] = quota
        if "PROMOTION_BLOCKED_BY_TWO_BASIC" in given:
            kw["promotion_blocked_by_two_basic"] = bool(given["PROMOTION_BLOCKED_BY_TWO_BASIC"])
        for key, prefix in (("REPAIR_MIN_MONTHS", "repair_min_months"),
                            ("DISCLOSURE_MAX_MONTHS", "disclosure_max_months")):
            for severity, months in dict(given.get(key, {})).items():
                if severity not in Severity.codes():
                    raise ValueError(f"{key}: unknown severity {severity!r}")
                kw[f"{prefix}_{severity}"] = _non_negative_int(key, months)
        if "JOINT_PUNISHMENT_ITEMS" in given:
            kw["joint_punishment_items"] = tuple(str(i) for i in given["JOINT_PUNISHMENT_ITEMS"])
        if "NON_REPAIRABLE_SANCTIONS" in given:
            kw["non_repairable_sanctions"] = tuple(
                Sanction(s) for s in given["NON_REPAIRABLE_SANCTIONS"])
        if "PARTY_PROBATION_MONTHS" in given:
            kw["party_probation_months"] = tuple(
                _non_negative_int("PARTY_PROBATION_MONTHS", m)
                for m in given["PARTY_PROBATION_MONTHS"])
        if "COMBINABLE_CATEGORIES" in given:
            kw["combinable_categories"] = tuple(
                Category(c) for c in given["COMBINABLE_CATEGORIES"])
        return cls(**kw)

    def repair_min_months(self, severity: Severity) -> int | None:
        """Configured months before a repair can be requested (None: the rule version decides)."""
        return cast(int | None, getattr(self, f"repair_min_months_{Severity(severity).value}"))

    def disclosure_max_months(self, severity: Severity) -> int:
        """Months after the decision during which a record may be disclosed (docs/rules.md §12)."""
        return cast(int, getattr(self, f"disclosure_max_months_{Severity(severity).value}"))


def _non_negative_int(key: str, value: Any) -> int:
    number = int(value)
    if number < 0 or isinstance(value, bool):
        raise ValueError(f"{key} must be a non-negative integer")
    return number
