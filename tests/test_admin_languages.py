"""The admin in the coalition's languages: our own words (columns, fieldsets, the review queue,
messages, the scripts' catalog) in French or Arabic as the browser asks, English otherwise."""

import json

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from commitments.models import WebhookEndpoint
from tests.factories import CommitmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]

QUEUE = reverse("admin:commitments_statusupdate_review")


@pytest.fixture
def mil1(db):
    return CommitmentFactory(code="MIL-1", title="Train the security forces")


@pytest.fixture
def queue_of_one(client, record, reviewer, mil1):
    """A reviewer signed in, before a queue of one pending update of MIL-1."""
    record(mil1, summary="Recruitment stalled.")
    client.force_login(reviewer)
    return client


def page_of(client, url, language):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_review_queue_speaks_french(queue_of_one):
    page = page_of(queue_of_one, QUEUE, "fr")

    for shown in [
        "File de relecture",
        "1 mise à jour en attente.",
        "Actuellement (approuvé)",
        "Si approuvée",
        "Commentaire (obligatoire pour renvoyer",
        "Renvoyer avec un commentaire",
        "Principe des quatre yeux",
    ]:
        assert shown in page, shown
    for english in ["1 pending update.", "Now (approved)", "Return with comment", "Four eyes"]:
        assert english not in page, english


def test_the_review_queue_speaks_arabic_right_to_left(queue_of_one):
    page = page_of(queue_of_one, QUEUE, "ar")

    assert 'dir="rtl"' in page
    for shown in ["قائمة المراجعة", "الآن (المعتمد)", "إذا اعتُمد", "سأتولّاه", "إعادة مع تعليق"]:
        assert shown in page, shown
    for english in ["pending update", "Now (approved)", "Return with comment", "Four eyes"]:
        assert english not in page, english


def test_the_review_queue_stays_english_by_default(queue_of_one):
    page = queue_of_one.get(QUEUE).content.decode()

    assert "1 pending update." in page
    assert "Return with comment" in page
    assert "File de relecture" not in page


@pytest.mark.parametrize(
    ("language", "shown", "english"),
    [
        (
            "fr",
            ["Statut actuel", "Enregistrer une mise à jour de statut", "Jamais évalué", "Portée"],
            ["Current status", "Record a status update", "Never assessed", "Depended on by"],
        ),
        (
            "ar",
            ["الحالة الحالية", "تسجيل تحديث حالة", "لم يُقيَّم قط", "النطاق"],
            ["Current status", "Record a status update", "Never assessed", "Depended on by"],
        ),
    ],
)
def test_a_commitments_page_speaks_the_browsers_language(
    client, superuser, mil1, language, shown, english
):
    client.force_login(superuser)

    page = page_of(client, reverse("admin:commitments_commitment_change", args=[mil1.pk]), language)

    for words in shown:
        assert words in page, words
    for words in english:
        assert words not in page, words


def test_the_commitments_list_labels_its_columns_in_french(client, superuser, mil1):
    client.force_login(superuser)

    page = page_of(client, reverse("admin:commitments_commitment_changelist"), "fr")

    assert "dans l\N{RIGHT SINGLE QUOTATION MARK}ordre de la Feuille de route" in page
    assert "Suivi de la Feuille de route" in page  # the site's header
    assert "Commitments, in Roadmap order" not in page


def test_an_admin_actions_message_follows_the_language_cookie(client, editor):
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.org/a", owner=editor)
    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.post(
        reverse("admin:commitments_webhookendpoint_changelist"),
        {"action": "send_test_event", "_selected_action": [endpoint.pk]},
    )

    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == ["Un événement de test est en route vers 1 point de terminaison."]


def test_the_admins_script_catalog_carries_our_words(client, superuser):
    """The admin's jsi18n, which its forms load before back-dating.js and number-words.js,
    serves our djangojs catalog with Django's."""
    client.force_login(superuser)

    french = page_of(client, reverse("admin:jsi18n"), "fr")
    arabic = page_of(client, reverse("admin:jsi18n"), "ar")

    assert "environ %(amount)s" in french
    assert "%(number)s milliards" in french
    assert json.dumps("نحو %(amount)s") in arabic  # the catalog's JSON escapes it
