"""What the models and the services say to a person, in their language: the status vocabulary,
a service's refusal, a constraint's message, a CSV import's faults. English stays the default
and word for word what it was; French and Arabic come from the catalogs under locale/. What is
stored (an event's data, sent to webhooks) stays in the project's language, whoever made the
change."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from commitments.imports import ImportRefused, check_rows, parse_csv
from commitments.models import Commitment, Event, Status, phrase, status_vocabulary
from commitments.services import add_dependency, approve_or_return, record_status_update
from commitments.services.review import OwnRecord
from tests.factories import CommitmentFactory

ENGLISH, FRENCH, ARABIC = "en-gb", "fr", "ar"


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        (ENGLISH, ["Not assessed", "Not started", "On track", "At risk", "Off track"]),
        (FRENCH, ["Non évalué", "Non commencé", "En bonne voie", "À risque", "En retard"]),
        (ARABIC, ["لم يُقيَّم", "لم يبدأ", "على المسار الصحيح", "معرَّض للخطر", "خارج المسار"]),
    ],
)
def test_status_labels_are_in_the_readers_language(language, labels):
    statuses = [
        Status.NOT_ASSESSED,
        Status.NOT_STARTED,
        Status.ON_TRACK,
        Status.AT_RISK,
        Status.OFF_TRACK,
    ]
    with translation.override(language):
        assert [str(status.label) for status in statuses] == labels


def test_the_vocabulary_served_to_the_dashboard_is_in_the_readers_language():
    with translation.override(FRENCH):
        labels = {entry["value"]: str(entry["label"]) for entry in status_vocabulary()}
    assert labels["completed"] == "Achevé"
    assert labels["discontinued"] == "Abandonné"


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        (ENGLISH, "STB-1 depends on MIL-1 already."),
        (FRENCH, "STB-1 dépend déjà de MIL-1."),
        (ARABIC, "يعتمد STB-1 على MIL-1 بالفعل."),
    ],
)
def test_a_services_refusal_is_in_the_readers_language(db, language, refusal):
    stb, mil = CommitmentFactory(code="STB-1"), CommitmentFactory(code="MIL-1")
    add_dependency(commitment=stb, depends_on=mil)
    with translation.override(language), pytest.raises(ValidationError) as refused:
        add_dependency(commitment=stb, depends_on=mil)
    assert refused.value.message_dict == {"depends_on": [refusal]}


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        (ENGLISH, "You recorded update #{pk}: another reviewer must decide on it (four eyes)."),
        (
            FRENCH,
            "Vous êtes l'auteur de cet enregistrement (mise à jour n° {pk}) : un autre réviseur "
            "doit statuer (principe des quatre yeux).",
        ),
        (
            ARABIC,
            "أنت من سجّل السجل (تحديث رقم {pk}): يجب أن يبت فيه مراجِع آخر (مبدأ العينين الأربع).",
        ),
    ],
)
def test_a_review_refusal_names_the_record_in_the_readers_language(
    review_required, mil1, record, analyst, language, refusal
):
    update = record(mil1)
    with translation.override(language), pytest.raises(OwnRecord) as refused:
        approve_or_return(update, reviewer=analyst, decision="approve")
    assert str(refused.value) == refusal.format(pk=update.pk)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (ENGLISH, "Paragraphs are numbered from 1 to 9999."),
        (FRENCH, "Les paragraphes sont numérotés de 1 à 9999."),
        (ARABIC, "تُرقَّم الفقرات من 1 إلى 9999."),
    ],
)
def test_a_constraints_message_is_in_the_readers_language(language, message):
    (constraint,) = [
        constraint
        for constraint in Commitment._meta.constraints
        if constraint.name == "commitment_paragraph_range"
    ]
    with translation.override(language):
        assert constraint.get_violation_error_message() == message


@pytest.mark.parametrize(
    ("language", "start"),
    [
        (ENGLISH, "Nothing imported: updates.csv is empty: its first line must be a header. "),
        (FRENCH, "Rien n'a été importé : updates.csv est vide : sa première ligne doit être "),
        (ARABIC, "لم يُستورد شيء: updates.csv فارغ: يجب أن يكون سطره الأول سطر عناوين. "),
    ],
)
def test_an_import_refusal_is_in_the_readers_language(language, start):
    with translation.override(language), pytest.raises(ImportRefused) as refused:
        parse_csv(b"", name="updates.csv")
    assert str(refused.value).startswith(start)


@pytest.mark.parametrize(
    ("bad_rows", "heading"),
    [
        (1, "1 صف خاطئ في updates.csv:"),
        (2, "2 صفان خاطئان في updates.csv:"),
        (3, "3 صفوف خاطئة في updates.csv:"),
    ],
)
def test_an_import_counts_its_bad_rows_in_arabics_plural_forms(db, analyst, bad_rows, heading):
    rows = "".join(f"NOPE-{line},on_track,2024-01-15,Text.\n" for line in range(bad_rows))
    table = parse_csv(f"commitment,status,as_of,summary\n{rows}".encode(), name="updates.csv")
    with translation.override(ARABIC), pytest.raises(ImportRefused) as refused:
        check_rows(table, importer=analyst)
    assert str(refused.value).splitlines()[0] == f"لم يُستورد شيء: {heading}"


def test_an_events_data_stays_in_the_projects_language_whoever_made_the_change(mil1, record):
    with translation.override(FRENCH):
        record(mil1, status="at_risk")

    assert Event.objects.get().data["status_label"] == "At risk"


@pytest.mark.parametrize("status", ["at_risk", "At risk", "à risque", "amber"])
def test_an_importer_reading_french_may_name_a_status_in_english_or_in_french(
    roadmap, analyst, status
):
    table = parse_csv(
        f"commitment,status,as_of,summary\nMIL-1,{status},2024-01-15,Text.\n".encode(),
        name="updates.csv",
    )
    with translation.override(FRENCH):
        updates = check_rows(table, importer=analyst)
    assert updates.status == ("at_risk",)


def test_a_figure_in_words_stays_as_the_roadmap_writes_it_in_every_language():
    with translation.override(FRENCH):
        assert phrase(Decimal("7700000"), "more_than", "people") == "more than 7.7 million people"


def test_a_slips_event_keeps_its_labels_in_the_projects_language(
    review_required, analyst, reviewer
):
    mil, stb = CommitmentFactory(code="MIL-1"), CommitmentFactory(code="STB-1")
    add_dependency(commitment=stb, depends_on=mil)
    for status, day in (("on_track", 15), ("at_risk", 16)):
        update = record_status_update(
            commitment=mil,
            author=analyst,
            status=status,
            as_of=datetime.date(2024, 1, day),
            summary="Security forces withdrew from two districts.",
        )
        with translation.override(ARABIC):
            approve_or_return(update, reviewer=reviewer, decision="approve")

    event = Event.objects.get(type="dependency.slipped")
    assert (event.data["from_label"], event.data["to_label"]) == ("On track", "At risk")
