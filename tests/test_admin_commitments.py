"""The analysts' working screens: the commitments changelist, a commitment's page, and the
status update form."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import (
    Commitment,
    Pillar,
    SourceDocument,
    StatusUpdate,
    Theme,
)
from tests.admin_pages import new_commitment_form, offered_to, post_status_update
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:commitments_commitment_changelist")


def codes_listed(response):
    return [commitment.code for commitment in response.context["cl"].result_list]


def by_related(field, slug):
    """The changelist's filter on a related row (a pillar, place, theme or partner), which the
    admin's sidebar links by the row's id."""
    related = Commitment._meta.get_field(field).related_model
    return f"{field}__id__exact={related.objects.get(slug=slug).pk}"


def test_the_changelist_shows_status_progress_last_update_and_staleness(
    client, analyst, roadmap, record
):
    commitment = Commitment.objects.get(code="MIL-3")
    record(commitment, status="at_risk", progress=35, as_of=timezone.localdate())
    client.force_login(analyst)

    page = client.get(CHANGELIST).content.decode()

    row = page[page.index(">MIL-3<") :]
    row = row[: row.index("</tr>")]
    assert "At risk" in row
    assert "35%" in row
    assert "Build Iraqi Security Forces capacity" in row
    assert "stale-badge" not in row  # up to date: assessed today
    assert "⚠ Never assessed" in page  # the commitments never assessed are flagged


def test_the_changelist_runs_the_same_number_of_queries_for_any_number_of_commitments(
    client, analyst, roadmap, record, django_assert_num_queries
):
    client.force_login(analyst)
    # Expect 12 queries: the session, the user, the user's permissions (1: through groups and
    # directly at once, commitments.auth_backend), the choices of six list filters (owner, pillar, places, themes, partners,
    # source document), the filtered and total counts, and the page of commitments joined with
    # pillars and owners.
    with django_assert_num_queries(12):
        client.get(CHANGELIST)

    for commitment in Commitment.objects.all():
        record(commitment, status="on_track", progress=50)
    CommitmentFactory.create_batch(20)
    with django_assert_num_queries(12):
        client.get(CHANGELIST)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda: by_related("pillar", "military"), ["MIL-1", "MIL-2", "MIL-3"]),
        (lambda: "current_status__exact=at_risk", ["FTF-2"]),
        (lambda: by_related("places", "northeast-syria"), ["STB-2", "POL-5"]),
        (lambda: by_related("themes", "criminal-justice"), ["GLB-2", "GLB-2.5"]),
        (lambda: by_related("partners", "nato"), ["MIL-3"]),
        (lambda: "q=INTERPOL", ["FTF-2"]),
        (lambda: "q=GLB-2.", ["GLB-2.1", "GLB-2.2", "GLB-2.3", "GLB-2.4", "GLB-2.5"]),
    ],
)
def test_the_changelist_filters_and_searches(client, analyst, roadmap, record, query, expected):
    record(Commitment.objects.get(code="FTF-2"), status="at_risk")
    client.force_login(analyst)

    response = client.get(f"{CHANGELIST}?{query()}")

    assert codes_listed(response) == expected


def test_the_stale_filter_separates_commitments_that_need_an_update(
    client, analyst, roadmap, record
):
    record(Commitment.objects.get(code="MIL-1"), as_of=timezone.localdate())
    client.force_login(analyst)

    assert codes_listed(client.get(f"{CHANGELIST}?stale=no")) == ["MIL-1"]
    assert "MIL-1" not in codes_listed(client.get(f"{CHANGELIST}?stale=yes"))
    assert len(codes_listed(client.get(f"{CHANGELIST}?stale=yes"))) == 28


def test_the_commitment_page_shows_its_text_source_and_history_newest_first(
    client, analyst, roadmap, record
):
    commitment = Commitment.objects.get(code="POL-4")
    record(commitment, status="on_track", as_of=datetime.date(2023, 5, 1), summary="Talks resumed.")
    record(
        commitment, status="off_track", as_of=datetime.date(2024, 2, 1), summary="Talks stalled."
    )
    record(
        commitment, status="not_started", as_of=datetime.date(2021, 1, 1), summary="No talks yet."
    )
    client.force_login(analyst)

    page = client.get(
        reverse("admin:commitments_commitment_change", args=[commitment.pk])
    ).content.decode()

    assert "based on UN Security Council 2254" in page
    assert "Paris Roadmap" in page
    assert page.index("Talks stalled.") < page.index("Talks resumed.") < page.index("No talks yet.")
    add_url = reverse("admin:commitments_statusupdate_add")
    assert f'href="{add_url}?commitment={commitment.pk}"' in page
    assert "Record a status update" in page


def test_the_status_update_form_starts_from_the_commitment_and_today(client, analyst, commitment):
    client.force_login(analyst)

    response = client.get(
        reverse("admin:commitments_statusupdate_add"), {"commitment": commitment.pk}
    )

    form = response.context["adminform"].form
    assert form.initial["commitment"] == str(commitment.pk)
    assert form.initial["as_of"] == timezone.localdate()
    assert "author" not in form.fields


def test_recording_from_the_admin_returns_to_the_commitment_with_its_new_status(
    client, analyst, commitment
):
    client.force_login(analyst)

    response = post_status_update(
        client,
        commitment,
        follow=True,
        status="at_risk",
        progress="20",
        as_of=timezone.localdate().isoformat(),
        summary="Funding gap widened.",
        confidence="high",
    )

    assert response.redirect_chain[-1][0] == reverse(
        "admin:commitments_commitment_change", args=[commitment.pk]
    )
    assert "now shows “At risk”" in response.content.decode()
    update = StatusUpdate.objects.get()
    assert (update.author, update.confidence) == (analyst, "high")
    commitment.refresh_from_db()
    assert (commitment.current_status, commitment.current_progress) == ("at_risk", 20)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"progress": "150"}, "Ensure this value is less than or equal to 100."),
        ({"status": "completed", "progress": "80"}, "set progress to 100 or leave it empty"),
        ({"summary": "   "}, "This field is required."),
        ({"as_of": "2999-01-01"}, "cannot be in the future"),
    ],
)
def test_an_invalid_status_update_in_the_admin_shows_the_error_and_saves_nothing(
    client, analyst, commitment, fields, message
):
    client.force_login(analyst)

    response = post_status_update(client, commitment, **fields)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StatusUpdate.objects.exists()


def test_the_code_of_a_commitment_cannot_be_changed_in_the_admin(client, editor, commitment):
    client.force_login(editor)
    original = commitment.code

    response = client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk]))

    assert "code" not in response.context["adminform"].form.fields
    assert original in response.content.decode()


def a_new_commitment_coded(code):
    return new_commitment_form(
        code=code,
        title="Sustain stabilization support",
        text="The Coalition will continue to support stabilization in liberated areas.",
        source_document=SourceDocument.objects.get(slug="kuwait-guiding-principles-2018").pk,
        paragraph="4",
        pillar=Pillar.objects.get(slug="stabilization").pk,
    )


@pytest.mark.parametrize(
    ("model", "form", "field", "error"),
    [
        (
            Commitment,
            lambda: a_new_commitment_coded("MIL-1"),
            "code",
            "A commitment with this code already exists.",
        ),
        (
            Theme,
            lambda: {"slug": "governance", "name": "Good government", "description": ""},
            "slug",
            "Theme with this Slug already exists.",
        ),
    ],
)
def test_a_duplicate_saved_by_someone_else_after_the_check_shows_the_form_again_with_the_error(
    client, editor, roadmap, uniqueness_checks_miss, model, form, field, error
):
    client.force_login(editor)
    before = model.objects.count()

    response = client.post(reverse(f"admin:commitments_{model._meta.model_name}_add"), form())

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [error]}
    assert model.objects.count() == before


def test_the_commitment_page_runs_the_same_number_of_queries_however_long_its_history(
    client, analyst, commitment, record
):
    client.force_login(analyst)
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    record(commitment)
    client.get(url)
    with django_capture() as short_history:
        client.get(url)

    for day in range(1, 20):
        record(commitment, as_of=datetime.date(2023, 1, day))
    with django_capture() as long_history:
        client.get(url)

    assert len(long_history) == len(short_history)


def django_capture():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    return CaptureQueriesContext(connection)


def test_an_overdue_commitment_says_by_how_many_days_on_the_list_and_its_page(
    client, analyst, roadmap, record
):
    commitment = Commitment.objects.get(code="MIL-3")
    as_of = timezone.localdate() - datetime.timedelta(days=90 + 34)
    record(commitment, as_of=as_of)
    client.force_login(analyst)

    listed = client.get(CHANGELIST, {"q": "MIL-3"}).content.decode()
    page = client.get(
        reverse("admin:commitments_commitment_change", args=[commitment.pk])
    ).content.decode()
    add_form = client.get(reverse("admin:commitments_commitment_add")).content.decode()

    assert "⚠ Needs assessment — 34 days overdue" in listed
    assert f"Last assessed as of {as_of:%d %b %Y}; due every 90 days." in listed  # on hover
    assert (
        "⚠ Needs assessment — 34 days overdue</span>. Last assessed 124 days ago; due every 90 days."
        in page
    )
    assert "stale-badge" not in add_form


def test_admin_search_finds_each_word_in_the_code_title_text_or_tags(client, viewer, roadmap):
    client.force_login(viewer)

    response = client.get(CHANGELIST, {"q": "foreign terrorist fighters information sharing"})

    assert "FTF-2" in codes_listed(response)


def test_each_row_offers_to_record_an_update_to_those_who_may(client, analyst, viewer, roadmap):
    commitment = Commitment.objects.get(code="MIL-3")
    link = f"{reverse('admin:commitments_statusupdate_add')}?commitment={commitment.pk}"

    assert offered_to(client, [analyst, viewer], CHANGELIST, link) == [True, False]


def test_close_on_an_update_returns_to_its_commitment(client, viewer, roadmap, record):
    update = record(Commitment.objects.get(code="MIL-3"))
    client.force_login(viewer)

    page = client.get(reverse("admin:commitments_statusupdate_change", args=[update.pk]))

    commitment_url = reverse("admin:commitments_commitment_change", args=[update.commitment_id])
    assert f'<a href="{commitment_url}" class="closelink">Close</a>' in page.content.decode()


def test_the_cadence_is_explained_in_days_not_in_a_setting_name(client, editor, analyst, roadmap):
    commitment = Commitment.objects.get(code="MIL-3")
    client.force_login(editor)
    add_form = client.get(reverse("admin:commitments_commitment_add")).content.decode()
    client.force_login(analyst)  # who sees the page, not the form
    view_only = client.get(
        reverse("admin:commitments_commitment_change", args=[commitment.pk])
    ).content.decode()

    assert "Empty: every 90 days, the default." in add_form
    assert "in days (1 to 3650)" in view_only
    assert "STALE_AFTER_DAYS" not in add_form + view_only


def test_the_list_says_it_is_in_roadmap_order_and_is(client, viewer, roadmap):
    client.force_login(viewer)

    response = client.get(CHANGELIST)

    page = response.content.decode()
    assert "Commitments, in Roadmap order (document, then paragraph)" in page
    listed = [(c.source_document_id, c.paragraph) for c in response.context["cl"].result_list]
    assert listed == sorted(listed)


CHILD = new_commitment_form(
    code="GLB-2.9",
    title="Arrest, prosecute and imprison terrorists",
    text="arresting, prosecuting and imprisoning terrorists",
)


def test_a_child_starts_from_its_parents_pillar_document_and_paragraph(client, editor, roadmap):
    parent = Commitment.objects.get(code="GLB-2")
    client.force_login(editor)

    form = (
        client.get(reverse("admin:commitments_commitment_add"), {"parent": parent.pk})
        .context["adminform"]
        .form
    )
    created = client.post(
        reverse("admin:commitments_commitment_add"),
        {**CHILD, "parent": parent.pk, "pillar": "", "source_document": "", "paragraph": ""},
    )

    assert {name: form.initial[name] for name in ("pillar", "source_document", "paragraph")} == {
        "pillar": parent.pillar_id,
        "source_document": parent.source_document_id,
        "paragraph": 10,
    }
    assert created.status_code == 302
    child = Commitment.objects.get(code="GLB-2.9")
    assert (child.parent, child.pillar, child.paragraph) == (parent, parent.pillar, 10)


def test_a_new_commitments_text_must_quote_its_paragraph_verbatim(client, editor, roadmap):
    parent = Commitment.objects.get(code="GLB-2")
    client.force_login(editor)

    response = client.post(
        reverse("admin:commitments_commitment_add"),
        {
            **CHILD,
            "text": "arresting and prosecuting terrorists",
            "parent": parent.pk,
            "pillar": parent.pillar_id,
            "source_document": parent.source_document_id,
            "paragraph": 10,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["text"] == [
        "This is not a verbatim quote of paragraph 10 of Paris Roadmap: copy the words exactly as "
        "published, or check the paragraph number."
    ]
    assert not Commitment.objects.filter(code="GLB-2.9").exists()


def test_the_add_form_warns_what_is_fixed_once_saved(client, editor, roadmap):
    client.force_login(editor)

    page = client.get(reverse("admin:commitments_commitment_add")).content.decode()

    assert "are fixed once the commitment is saved: check them now" in page


def test_an_editor_is_offered_to_add_a_child_and_a_viewer_is_not(client, editor, viewer, roadmap):
    parent = Commitment.objects.get(code="GLB-2")
    page = reverse("admin:commitments_commitment_change", args=[parent.pk])
    link = f"{reverse('admin:commitments_commitment_add')}?parent={parent.pk}"

    assert offered_to(client, [editor, viewer], page, link) == [True, False]
