"""A unique-constraint violation, read from the database's own error on PostgreSQL or SQLite, is
the validation error that the check before the write would have given."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import UniqueConstraint
from django.db.models.functions import Lower

from commitments.integrity import unique_violation
from commitments.models import Commitment, Theme
from tests.factories import CommitmentFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def refusal_of(write):
    """The validation error that the IntegrityError raised by `write` stands for."""
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        write()
    return unique_violation(raised.value)


def test_a_duplicate_of_a_unique_field_is_an_error_on_that_field():
    # Every column loaded (the manager defers the search vector), to insert the row again.
    commitment = Commitment.objects.defer(None).get(pk=CommitmentFactory().pk)
    commitment.pk = None

    refusal = refusal_of(lambda: commitment.save(force_insert=True))

    assert refusal.message_dict == {"code": ["A commitment with this code already exists."]}


def test_a_field_is_told_apart_from_another_unique_field_of_its_model():
    theme = ThemeFactory()

    refusal = refusal_of(lambda: Theme.objects.create(slug="another-slug", name=theme.name))

    assert refusal.message_dict == {"name": ["Theme with this Name already exists."]}


def test_a_duplicate_over_several_columns_is_an_error_of_the_whole_row():
    commitment, theme = CommitmentFactory(), ThemeFactory()
    commitment.themes.add(theme)
    tags = Commitment.themes.through.objects

    refusal = refusal_of(lambda: tags.create(commitment=commitment, theme=theme))

    assert refusal.message_dict == {
        "__all__": ["Commitment-theme relationship with this Commitment and Theme already exists."]
    }


def test_a_unique_constraint_on_expressions_says_its_own_message(monkeypatch):
    # No model of ours has one yet; SQLite names such an index instead of its columns.
    constraint = UniqueConstraint(
        Lower("name"), name="theme_name_any_case", violation_error_message="Names are unique."
    )
    monkeypatch.setattr(Theme._meta, "constraints", [constraint])

    refusal = unique_violation(
        IntegrityError("UNIQUE constraint failed: index 'theme_name_any_case'")
    )

    assert refusal.message_dict == {"__all__": ["Names are unique."]}


def test_an_integrity_error_that_is_not_a_duplicate_is_left_alone():
    commitment = CommitmentFactory()

    refusal = refusal_of(lambda: Commitment.objects.filter(pk=commitment.pk).update(paragraph=0))

    assert refusal is None
