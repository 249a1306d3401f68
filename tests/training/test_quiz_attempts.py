"""Issue 19 item 11: quiz attempts limited per day (QUIZ_ATTEMPTS_PER_DAY, counted in the configured
zone), questions and options shuffled (stable per attempt), wrong answers revealed only once passed
or once today's attempts are used up."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from core import clock
from core.extensions import db
from tests.training.conftest import right_answers, wrong_answers
from training import rules, services
from training.models import QuizAttempt


@pytest.mark.parametrize("used, per_day, left", [(0, 3, 3), (2, 3, 1), (3, 3, 0), (5, 3, 0), (9, 0, None)])
def test_attempts_left(used, per_day, left):
    assert rules.attempts_left(used, per_day) == left


@pytest.mark.parametrize("passed, left, reveal", [(True, 2, True), (False, 2, False), (False, 0, True),
                                                  (False, None, False), (True, None, True)])
def test_reveal_wrong_answers(passed, left, reveal):
    assert rules.reveal_wrong_answers(passed, left) is reveal


def test_shuffled_is_stable_per_seed_and_keeps_every_key():
    keys = list(range(10))
    assert rules.shuffled(keys, "a") == rules.shuffled(keys, "a")
    assert sorted(rules.shuffled(keys, "a")) == keys
    assert len({tuple(rules.shuffled(keys, f"s{i}")) for i in range(5)}) > 1


def _form(answers: dict) -> dict:
    return {f"q{qid}": keys for qid, keys in answers.items()}


def _order(html: str) -> list[str]:
    return re.findall(r'data-question="(\d+)"', html) + re.findall(r'name="q\d+" value="([A-D])"', html)


def _attempts() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(QuizAttempt)).scalar_one()


QUIZ_MOMENT = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)         # 23:30 in Shanghai


def test_three_attempts_a_day_wrong_answers_hidden_until_used_up(region, integrity_online, login_as):
    c = login_as(region.servant)
    url = f"/training/courses/{integrity_online.id}/quiz"
    with clock.freeze(QUIZ_MOMENT):
        papers = []
        for n in (1, 2, 3):
            html = c.get(url).get_data(as_text=True)
            assert f'data-attempts-left="{4 - n}"' in html
            assert _order(c.get(url).get_data(as_text=True)) == _order(html)      # stable within an attempt
            papers.append(_order(html))
            resp = c.post(url, data=_form(wrong_answers(integrity_online)))
            assert resp.status_code == 302
            result = c.get(resp.headers["Location"]).get_data(as_text=True)
            assert 'data-passed="no"' in result
            if n < 3:
                assert "data-wrong" not in result and "重新测验" in result          # not revealed yet
            else:
                assert result.count("data-wrong-question") == len(integrity_online.questions)
                assert "机会已用完" in result and "重新测验" not in result
        assert len({tuple(p) for p in papers}) > 1                                 # another order each time

        # the fourth: refused, nothing recorded (page and service)
        resp = c.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/courses/{integrity_online.id}/study")
        resp = c.post(url, data=_form(right_answers(integrity_online)))
        assert resp.status_code == 302 and _attempts() == 3
        assert "机会已用完" in c.get(resp.headers["Location"]).get_data(as_text=True)

    # the day is the configured zone's: 00:10 in Shanghai is a new day (16:10 UTC the day before)
    with clock.freeze(datetime(2026, 12, 7, 16, 10, tzinfo=UTC)):
        assert c.get(url).status_code == 200
        resp = c.post(url, data=_form(right_answers(integrity_online)))
        result = c.get(resp.headers["Location"]).get_data(as_text=True)
        assert 'data-passed="yes"' in result and _attempts() == 4


def test_a_pass_reveals_the_questions_missed(region, integrity_online, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "QUIZ_ATTEMPTS_PER_DAY", 0)                  # no limit
    answers = right_answers(integrity_online)
    missed = integrity_online.questions[0]
    answers[str(missed.id)] = ["B"]                                             # 4 of 5: 80, a pass
    c = login_as(region.servant)
    url = f"/training/courses/{integrity_online.id}/quiz"
    assert "data-attempts-left" not in c.get(url).get_data(as_text=True)
    resp = c.post(url, data=_form(answers))
    result = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'data-passed="yes"' in result
    assert re.findall(r'data-wrong-question="(\d+)"', result) == [str(missed.id)]


def test_the_service_refuses_beyond_the_limit(region, integrity_online, app, monkeypatch):
    from core.errors import Conflict
    monkeypatch.setitem(app.config, "QUIZ_ATTEMPTS_PER_DAY", 1)
    services.submit_quiz(region.person, integrity_online, wrong_answers(integrity_online))
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.submit_quiz(region.person, integrity_online, right_answers(integrity_online))
    assert exc.value.code == "quiz_attempts_used"
