"""Pure domain rules of the integrity file (docs/rules.md).

Everything here is a pure function of plain values: no database, no Flask, no
application context. The ORM layer turns rows into the frozen ``*Facts`` dataclasses
below and calls these functions with a :class:`RuleSettings` built once from the app
config (:meth:`RuleSettings.from_mapping`).

Conventions and interpretation choices:

* **Periods** (影响期) run from the decision date (政务处分法 art. 8). ``restricted_until``
  is the *last* day a record restricts, inclusive: 记过 decided 2026-01-15 restricts
  through 2027-01-15 and is released on 2027-01-16 (art. 26 automatic release).
  Month arithmetic clamps month ends (2026-01-31 + 1 month = 2026-02-28).
* **Effective dishonesty**: a record counts only in status ``notified``,
  ``under_objection`` or ``effective`` (a sanction is not suspended while it is reviewed,
  政务处分法 art. 55-56, 公务员法 art. 95), only from its decision date and only until its
  (combined) end. ``revoked``, ``exempted``, ``expired``, ``repaired`` never restrict.
* **Integrity status** (docs/rules.md §4.7) depends on records only: ``serious`` when a
  restricting record is 严重, ``restricted`` when any record restricts, else ``good``.
  A pending case or an appraisal-based promotion block adds restrictions but does not
  change the status: §4.7 defines ``restricted`` as "has effective dishonesty".
* **Combination** (政务处分法 art. 15): see :func:`combined_ends`.

The package is split by concept: facts (the plain inputs), periods (period table and
sanction chains), settings, status (status and restrictions), verdicts, appraisal
(appraisal effects), repair (credit repair and deadlines), disclosure, hiring (the
hiring bars) and law (every table gathered for the 规则与依据 page). Every public
name is re-exported here, so ``from archive import rules`` / ``rules.evaluate`` work.
"""
from __future__ import annotations

from archive.rules.appraisal import (  # noqa: F401
    APPRAISAL_EFFECTS,
    CASE_PENDING,
    EFFECT_TEXT,
    EFFECT_WEIGHT,
    IN_PROBATION,
    MUST_BE_INCOMPETENT,
    MUST_BE_UNGRADED,
    NOT_EXCELLENT,
    OTHER_APPRAISAL_EFFECTS,
    PROBATION_MONTHS,
    AppraisalEffect,
    AppraisalWarning,
    appraisal_warnings,
    appraisal_year_for_coverage,
    consecutive_incompetent,
    effect_of,
    excellent_quota_exceeded,
)
from archive.rules.disclosure import (  # noqa: F401
    disclosure_visible,
    has_valid_pre_appointment_pledge,
)
from archive.rules.facts import (  # noqa: F401
    GIVEN_STATUSES,
    RESTRICTING_STATUSES,
    AppraisalFacts,
    CasePending,
    PersonFacts,
    RecordFacts,
    lifecycle_status,
    record_label,
)
from archive.rules.hiring import (  # noqa: F401
    FOREVER,
    HIRING_BARS,
    HIRING_BARS_BY_CODE,
    WHILE,
    HiringBar,
)
from archive.rules.law import CHAIN_RULES  # noqa: F401
from archive.rules.law import tables as law_tables  # noqa: F401
from archive.rules.periods import (  # noqa: F401
    DEFAULT_PERIODS,
    MONTHS,
    NONE,
    PERIOD_KINDS,
    PERIOD_TABLE,
    PERMANENT,
    PROBATION_PLUS,
    SET_BY_HR,
    Period,
    PeriodRow,
    add_months,
    chain_of,
    check_restricted_until,
    combined_ends,
    default_restricted_until,
    period_row,
    record_end,
    restriction_period,
)
from archive.rules.repair import (  # noqa: F401
    REPAIR_SCOPE,
    REPAIR_SCOPE_BY_CATEGORY,
    REPAIR_VERSIONS,
    STATUTORY_CATEGORIES,
    Condition,
    RepairScope,
    RepairVersion,
    objection_due,
    repair_conditions,
    repair_due,
    repair_eligible,
    repair_version,
    repair_wait_months,
    repairable,
)
from archive.rules.settings import (  # noqa: F401
    RuleSettings,
)
from archive.rules.status import (  # noqa: F401
    PROMOTION_SANCTIONS,
    Evaluation,
    Restriction,
    case_pending_at,
    evaluate,
    forever_bar,
    objection_window_ends,
    restricts,
    status_at,
)
from archive.rules.verdicts import (  # noqa: F401
    verdict,
)
from core.workcal.arith import is_working_day  # noqa: F401 - re-exported (rules callers use it)

__all__ = ["CHAIN_RULES", "law_tables", 'APPRAISAL_EFFECTS', 'AppraisalEffect', 'AppraisalFacts', 'AppraisalWarning', 'CASE_PENDING', 'CasePending', 'Condition', 'DEFAULT_PERIODS', 'EFFECT_TEXT', 'EFFECT_WEIGHT', 'Evaluation', 'FOREVER', 'GIVEN_STATUSES', 'HIRING_BARS', 'HIRING_BARS_BY_CODE', 'HiringBar', 'IN_PROBATION', 'MONTHS', 'MUST_BE_INCOMPETENT', 'MUST_BE_UNGRADED', 'NONE', 'NOT_EXCELLENT', 'OTHER_APPRAISAL_EFFECTS', 'PERIOD_KINDS', 'PERIOD_TABLE', 'PERMANENT', 'PROBATION_MONTHS', 'PROBATION_PLUS', 'PROMOTION_SANCTIONS', 'Period', 'PeriodRow', 'PersonFacts', 'REPAIR_SCOPE', 'REPAIR_SCOPE_BY_CATEGORY', 'REPAIR_VERSIONS', 'RESTRICTING_STATUSES', 'RecordFacts', 'RepairScope', 'RepairVersion', 'Restriction', 'RuleSettings', 'SET_BY_HR', 'STATUTORY_CATEGORIES', 'WHILE', 'add_months', 'appraisal_warnings', 'appraisal_year_for_coverage', 'case_pending_at', 'chain_of', 'check_restricted_until', 'combined_ends', 'consecutive_incompetent', 'default_restricted_until', 'disclosure_visible', 'effect_of', 'evaluate', 'excellent_quota_exceeded', 'forever_bar', 'has_valid_pre_appointment_pledge', 'is_working_day', 'lifecycle_status', 'objection_due', 'objection_window_ends', 'period_row', 'record_end', 'record_label', 'repair_conditions', 'repair_due', 'repair_eligible', 'repair_version', 'repair_wait_months', 'repairable', 'restriction_period', 'restricts', 'status_at', 'verdict']
