"""Citing graded evidence in the admin: a new status update, indicator value or contribution
cites pieces its author's clearance may read, found through an autocomplete that lists only
those; a record's page and the review queue show each reader the pieces they may read, and say
how many they may not."""

import json

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from commitments.models import Contribution, Evidence, Indicator, IndicatorValue, StatusUpdate
from commitments.roles import ANALYST, SECRETARIAT
from tests.admin_pages import picker_choices, status_update_form
from tests.factories import CommitmentFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:commitments_statusupdate_review")


@pytest.fixture
def secretariat_analyst(db):
    """An Analyst of the Secretariat clearance group, who reads (and may cite) everything."""
    user = UserFactory(username="secretariat-analyst")
    user.groups.add(*Group.objects.filter(name__in=[ANALYST, SECRETARIAT]))
    return user


def status_update(commitment):
    return StatusUpdate, status_update_form(commitment)


def indicator_value(commitment):
    indicator = Indicator.objects.create(slug="stations", name="Stations", unit="count")
    return IndicatorValue, {
        "indicator": indicator.pk,
        "value": "12",
        "qualifier": "exactly",
        "as_of": "2024-03-01",
    }


def contribution(commitment):
    return Contribution, {
        "partner": PartnerFactory().pk,
        "commitment": commitment.pk,
        "kind": "funds_pledged",
        "amount": "1000",
        "currency": "EUR",
        "date": "2024-03-01",
    }


ADD_FORMS = pytest.mark.parametrize(
    "add_form", [status_update, indicator_value, contribution], ids=lambda form: form.__name__
)


def add(client, model, form, cites):
    url = reverse(f"admin:commitments_{model._meta.model_name}_add")
    return client.post(url, {**form, "cites": [piece.pk for piece in cites]})


def page_of(client, record):
    url = reverse(f"admin:commitments_{record._meta.model_name}_change", args=[record.pk])
    return client.get(url).text


@ADD_FORMS
def test_an_analyst_cites_evidence_from_an_add_form_in_the_order_chosen(
    client, analyst, commitment, evidence, add_form
):
    first, second = evidence("A1", source="Ministry"), evidence("C3", source="OCHA")
    model, form = add_form(commitment)
    client.force_login(analyst)

    response = add(client, model, form, [second, first])

    assert response.status_code == 302, response.context["adminform"].form.errors
    record = model.objects.get()
    assert (record.evidence_cited, record.cited()) == (2, [second, first])
    page = page_of(client, record)
    assert page.index(">C3</strong> OCHA") < page.index(">A1</strong> Ministry")


@ADD_FORMS
def test_an_add_form_refuses_a_piece_beyond_its_authors_clearance_and_records_nothing(
    client, analyst, secretariat_analyst, commitment, evidence, add_form
):
    coalition = evidence("A1", releasability="coalition", author=secretariat_analyst)
    model, form = add_form(commitment)
    client.force_login(analyst)

    response = add(client, model, form, [evidence(), coalition])

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["cites"] == [
        f"There is no evidence #{coalition.pk} that you may cite: check its id."
    ]
    assert not model.objects.exists()


def test_the_add_form_finds_evidence_as_it_is_typed_and_links_to_recording_a_new_piece(
    client, analyst, commitment
):
    client.force_login(analyst)

    page = client.get(reverse("admin:commitments_statusupdate_add")).text

    assert 'name="cites"' in page
    assert 'data-model-name="statusupdate" data-field-name="evidence"' in page
    new_piece = f"{reverse('admin:commitments_evidence_add')}?_to_field=id&amp;_popup=1"
    assert f'<a href="{new_piece}" id="add_id_cites"' in page
    assert ">Add a new piece of evidence</a>" in page


def test_a_piece_recorded_in_the_popup_is_handed_back_to_the_form_with_its_grade(client, analyst):
    client.force_login(analyst)

    response = client.post(
        f"{reverse('admin:commitments_evidence_add')}?_to_field=id&_popup=1",
        {
            "source": "UN OCHA report",
            "url": "https://example.org/ocha.pdf",
            "date": "2019-05-02",
            "reliability": "B",
            "credibility": "2",
            "releasability": "public",
            "_popup": "1",
            "_to_field": "id",
        },
    )

    piece = Evidence.objects.get()
    assert response.context["popup_response_data"] == json.dumps(
        {"value": str(piece.pk), "obj": "B2 UN OCHA report (02 May 2019)"}
    )


def evidence_found(client, user, term):
    client.force_login(user)
    return picker_choices(client, "statusupdate", "evidence", term)


def test_the_autocomplete_finds_only_the_evidence_the_users_clearance_may_read(
    client, analyst, secretariat_analyst, evidence
):
    evidence("B2", source="UN OCHA report")
    evidence("A1", source="UN liaison cable", releasability="coalition", author=secretariat_analyst)

    assert evidence_found(client, analyst, "UN") == ["B2 UN OCHA report (10 Jan 2024)"]
    assert sorted(evidence_found(client, secretariat_analyst, "UN")) == [
        "A1 UN liaison cable (10 Jan 2024)",
        "B2 UN OCHA report (10 Jan 2024)",
    ]


@pytest.fixture
def cites_a_withheld_piece(secretariat_analyst, commitment, record, evidence):
    """A public update citing a public piece graded D4 and a secretariat piece graded A1, by
    an analyst cleared for both."""
    cited = [
        evidence("D4", source="Local radio", author=secretariat_analyst),
        evidence(
            "A1", source="Embassy cable", releasability="secretariat", author=secretariat_analyst
        ),
    ]
    return record(commitment, releasability="public", author=secretariat_analyst, evidence=cited)


def test_a_records_page_lists_only_the_evidence_its_reader_may_read_and_counts_the_rest(
    client, analyst, secretariat_analyst, cites_a_withheld_piece
):
    client.force_login(analyst)
    public = page_of(client, cites_a_withheld_piece)
    client.force_login(secretariat_analyst)
    secretariat = page_of(client, cites_a_withheld_piece)

    assert ">D4</strong> Local radio" in public
    assert "Embassy cable" not in public
    assert "and 1 piece you are not cleared to read" in public
    assert ">A1</strong> Embassy cable" in secretariat
    assert "not cleared to read" not in secretariat


def test_a_page_says_so_when_its_reader_may_read_none_of_its_evidence(
    client, analyst, secretariat_analyst, commitment, record, evidence
):
    withheld = [evidence(releasability="coalition", author=secretariat_analyst) for _ in range(2)]
    update = record(
        commitment, releasability="public", author=secretariat_analyst, evidence=withheld
    )
    client.force_login(analyst)

    page = page_of(client, update)

    assert '<li class="withheld">2 pieces you are not cleared to read</li>' in page


def test_a_correction_starts_from_the_evidence_its_author_may_read_of_what_it_corrects(
    client, analyst, cites_a_withheld_piece
):
    readable, _ = cites_a_withheld_piece.cited()
    client.force_login(analyst)

    response = client.get(
        reverse("admin:commitments_statusupdate_add"), {"correct": cites_a_withheld_piece.pk}
    )

    assert response.context["adminform"].form.initial["cites"] == [readable.pk]
    assert f'<option value="{readable.pk}" selected>D4 Local radio (10 Jan 2024)</option>' in (
        response.text
    )
    assert "Embassy cable" not in response.text


def test_the_queue_lists_what_its_reviewer_may_read_and_flags_by_every_piece(
    client, reviewer, review_required, cites_a_withheld_piece
):
    client.force_login(reviewer)

    page = client.get(QUEUE).text

    assert ">D4</strong> Local radio" in page
    assert "Embassy cable" not in page
    assert "and 1 piece you are not cleared to read" in page
    # The withheld A1 reaches the threshold: the update may not be returned for its evidence.
    assert "Return: evidence below" not in page


def test_withheld_evidence_costs_the_queue_no_query(
    client,
    reviewer,
    review_required,
    secretariat_analyst,
    record,
    evidence,
    django_assert_max_num_queries,
):
    for _ in range(10):
        cited = [
            evidence("C3", author=secretariat_analyst),
            evidence("A1", releasability="secretariat", author=secretariat_analyst),
        ]
        record(
            CommitmentFactory(), author=secretariat_analyst, releasability="public", evidence=cited
        )
    client.force_login(reviewer)

    # As tests/test_admin_review.py counts them: session and user, the user's permissions
    # (two), the pillars of the filter, the updates with their rivals, the rivals, the
    # evidence they cite, the claims on them, and the two counts.
    with django_assert_max_num_queries(10):
        page = client.get(QUEUE).text

    assert page.count("and 1 piece you are not cleared to read") == 10
