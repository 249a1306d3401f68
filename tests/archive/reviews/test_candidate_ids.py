"""The ids ticked on the candidates page are read as numbers (archive/reviews/views.py)."""
from __future__ import annotations

from core.extensions import db


def test_a_candidate_id_that_is_no_number_names_nobody(region, login_as, make_review):
    """The candidates form's ticked ids are numbers; anything else is answered like an id out of
    scope (404), and nobody is added."""
    from archive.reviews.models import Review
    review = make_review([region.person])
    client = login_as(region.hr)
    for junk in ("abc", "99999999999999999999", ""):
        assert client.post(f"/reviews/{review.id}/candidates", data={"person_id": junk}).status_code == 404
    db.session.expire_all()
    assert [c.person_id for c in db.session.get(Review, review.id).candidates] == [region.person.id]
