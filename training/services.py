"""The domain acts of training (docs/rules.md §6), one import for views, the API, the CLI and archive.

Plain functions: validate, change state, flush, audit, notify; never commit, never touch
request, flash or templates. They live by concept in

* ``training/values.py``     value checks with Chinese messages (hours, score, dates);
* ``training/catalogue.py``  courses, materials, attachments, quiz questions, sessions;
* ``training/enrolment.py``  enrolment, completion / absence / failure, attendance, direct and
  imported completions;
* ``training/study.py``      online study and the quiz;
* ``training/status.py``     the public functions for archive and the summary refresh;
* ``training/queries.py``    the set-based SQL (exact translation of training/rules.py).

Public functions archive calls (keep the names):
``completed_course_dates(person_id, category, since) -> list[date]``,
``training_status(person, year, as_of) -> TrainingEvaluation``,
``evaluation_to_dict(ev) -> dict``,
``people_meeting_training(year, as_of) -> Select`` (and ``people_not_meeting_training``),
``refresh_training_status(person_ids, year, as_of=None)``,
``record_completion(...)``, ``import_completions(rows)``, ``course_by_code(code)``.
"""
from __future__ import annotations

from core.registry import services as registry  # noqa: F401 - views use services.registry.search_clause
from training.catalogue import (  # noqa: F401
    CourseInput,
    add_material,
    add_question,
    add_session,
    attach_file,
    course_attachments,
    course_by_code,
    create_course,
    delete_material,
    delete_question,
    session_taken,
    update_course,
    update_material,
    update_question,
)
from training.enrolment import (  # noqa: F401
    AttendanceRow,
    CompletionRow,
    certificate_number,
    complete,
    department_people,
    enrol,
    import_completions,
    insert_enrolments,
    mark_absent,
    mark_failed,
    record_attendance,
    record_completion,
    remind_due,
)
from training.rules import format_hours  # noqa: F401
from training.status import (  # noqa: F401
    completed_course_dates,
    evaluation_to_dict,
    open_enrolments,
    people_meeting_training,
    people_not_meeting_training,
    person_training_facts,
    refresh_training_status,
    training_status,
)
from training.study import (  # noqa: F401
    attempts_per_day,
    check_self_study,
    completed_this_year,
    finish_study,
    open_enrolment,
    question_correct,
    quiz_paper,
    quiz_state,
    submit_quiz,
)
from training.values import (  # noqa: F401
    MAX_HOURS,
    OPTION_KEYS,
    check_completed_on,
    parse_date,
    parse_hours,
    parse_score,
)
