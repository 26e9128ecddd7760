"""Graded evidence in the admin: recorded and listed with its grade, and shown with its grade
on the pages of the records that cite it."""

import pytest
from django.urls import reverse

from commitments.models import Evidence, ReviewState, StatusUpdate

pytestmark = pytest.mark.django_db


def test_an_analyst_records_a_piece_of_evidence_in_the_admin(client, analyst):
    client.force_login(analyst)

    response = client.post(
        reverse("admin:commitments_evidence_add"),
        {
            "source": "UNDP field office",
            "url": "https://example.org/report.pdf",
            "reference": "",
            "date": "2024-01-10",
            "summary": "Stations reopened.",
            "reliability": "B",
            "credibility": "2",
            "releasability": "public",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    piece = Evidence.objects.get()
    assert (piece.grade, piece.author) == ("B2", analyst)


def test_the_list_shows_each_grade_and_filters_by_reliability(client, analyst, evidence):
    evidence("A1", source="Ministry of Interior")
    evidence("D4", source="Social media")
    client.force_login(analyst)

    everything = client.get(reverse("admin:commitments_evidence_changelist"))
    reliable = client.get(reverse("admin:commitments_evidence_changelist"), {"reliability": "A"})

    assert ">A1</strong>" in everything.text
    assert ">D4</strong>" in everything.text
    assert "Ministry of Interior" in reliable.text
    assert "Social media" not in reliable.text


def test_nobody_changes_or_deletes_evidence_in_the_admin(client, superuser, evidence):
    piece = evidence()
    client.force_login(superuser)

    page = client.get(reverse("admin:commitments_evidence_change", args=[piece.pk]))

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    delete = client.get(reverse("admin:commitments_evidence_delete", args=[piece.pk]))
    assert delete.status_code == 403


def test_a_records_page_shows_its_evidence_with_each_grade(
    client, analyst, commitment, record, evidence
):
    update = record(commitment, evidence=[evidence("C3", source="OCHA"), evidence("A1")])
    client.force_login(analyst)

    page = client.get(reverse("admin:commitments_statusupdate_change", args=[update.pk]))

    assert page.status_code == 200
    assert page.text.index(">C3</strong> OCHA") < page.text.index(">A1</strong>")


def test_the_review_queue_shows_the_grades_and_returns_an_update_for_its_evidence(
    client, reviewer, review_required, commitment, record, evidence
):
    weak = record(commitment, evidence=[evidence("D2", source="Rumour mill")])
    strong = record(commitment, evidence=[evidence("B2")])
    queue = reverse("admin:commitments_statusupdate_review")
    client.force_login(reviewer)

    page = client.get(queue).text

    assert ">D2</strong> Rumour mill" in page
    assert page.count("Return: evidence below C3") == 1
    client.post(
        queue,
        {"update": weak.pk, "reason": "evidence_below_threshold", "comment": ""},
    )
    weak.refresh_from_db()
    assert weak.review.comment.startswith("Its evidence is all graded below C3 (graded D2)")
    client.post(queue, {"update": strong.pk, "reason": "evidence_below_threshold", "comment": ""})
    # Its evidence reaches C3: nothing is decided.
    assert StatusUpdate.objects.get(pk=strong.pk).review_state == ReviewState.PENDING
