"""Editing a commitment: its version moves on, and the status it derives from its history is
never overwritten by an edit."""

import datetime

import pytest

from commitments.models import Commitment
from commitments.services import save_commitment
from tests.factories import CommitmentFactory, PillarFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db


def test_a_new_commitment_starts_at_version_1_not_assessed():
    commitment = save_commitment(
        Commitment(
            code="NEW-1",
            title="A new undertaking",
            text="We must act.",
            source_document=SourceDocumentFactory(),
            paragraph=3,
            pillar=PillarFactory(),
        )
    )

    commitment.refresh_from_db()
    assert (commitment.version, commitment.current_status) == (1, "not_assessed")


def test_each_edit_moves_the_version_on_by_one(commitment):
    commitment.title = "Clearer"
    save_commitment(commitment)
    commitment.title = "Clearer still"
    save_commitment(commitment)

    commitment.refresh_from_db()
    assert (commitment.title, commitment.version) == ("Clearer still", 3)


def test_an_edit_opened_before_a_status_update_does_not_undo_it(commitment, record):
    opened_earlier = Commitment.objects.get(pk=commitment.pk)
    record(commitment, status="off_track", progress=10)

    opened_earlier.title = "Edited meanwhile"
    save_commitment(opened_earlier)

    commitment.refresh_from_db()
    assert (commitment.title, commitment.current_status, commitment.current_progress) == (
        "Edited meanwhile",
        "off_track",
        10,
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "mil 1"}, "code", "Use an uppercase prefix"),
        ({"paragraph": 0}, "paragraph", "greater than or equal to 1"),
        ({"paragraph": 10_000}, "paragraph", "less than or equal to 9999"),
        ({"update_cadence_days": 0}, "update_cadence_days", "greater than or equal to 1"),
        ({"update_cadence_days": 3651}, "update_cadence_days", "less than or equal to 3650"),
        ({"target_date": datetime.date(1, 1, 1)}, "target_date", "between 01 Jan 1900"),
        ({"title": ""}, "title", "cannot be blank"),
    ],
)
def test_an_invalid_commitment_is_refused_with_a_message(fields, field, message):
    from django.core.exceptions import ValidationError

    commitment = CommitmentFactory.build(
        source_document=SourceDocumentFactory(), pillar=PillarFactory(), **fields
    )

    with pytest.raises(ValidationError) as refused:
        save_commitment(commitment)

    assert message in " ".join(refused.value.message_dict[field])
    assert not Commitment.objects.exists()


def test_a_commitment_cannot_be_its_own_ancestor(commitment):
    from django.core.exceptions import ValidationError

    child = CommitmentFactory(parent=commitment)
    commitment.parent = child

    with pytest.raises(ValidationError, match="its own parent or ancestor"):
        save_commitment(commitment)
