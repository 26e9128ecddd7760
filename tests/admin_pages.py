"""The admin's forms as a browser posts them, and its links as each user finds them: for the
tests that go through the admin's pages."""

from django.urls import reverse


def post_status_update(client, commitment, *, follow=False, **fields):
    """Posts the "Record a status update" form of `commitment` (status_update_form's values,
    with `fields` changed)."""
    form = status_update_form(commitment, **fields)
    return client.post(reverse("admin:commitments_statusupdate_add"), form, follow=follow)


def status_update_form(commitment, **fields):
    """The "Record a status update" form, filled in: on track, 40%, as of 1 March 2024."""
    return {
        "commitment": commitment.pk,
        "status": "on_track",
        "progress": "40",
        "as_of": "2024-03-01",
        "summary": "Training of security forces continues.",
        "confidence": "medium",
        "corrects": "",
        **fields,
    }


def _inline_forms(status_updates=0, indicators=0):
    """A commitment form's inlines, holding the rows it has and adding none."""
    return {
        "partner_links-TOTAL_FORMS": 0,
        "partner_links-INITIAL_FORMS": 0,
        "status_updates-TOTAL_FORMS": status_updates,
        "status_updates-INITIAL_FORMS": status_updates,
        "status_updates-MIN_NUM_FORMS": 0,
        "status_updates-MAX_NUM_FORMS": 1000,
        "indicators-TOTAL_FORMS": indicators,
        "indicators-INITIAL_FORMS": indicators,
    }


def new_commitment_form(**fields):
    """The add form of a commitment with no themes, places, partners, target or cadence: the
    caller gives its code, words and source."""
    return {
        "themes": [],
        "places": [],
        "target_date": "",
        "update_cadence_days": "",
        **_inline_forms(),
        **fields,
    }


def commitment_form(commitment, **fields):
    """`commitment`'s change form as its page fills it (for one with no themes, places or
    partners), with `fields` changed."""
    return {
        **new_commitment_form(
            code=commitment.code,
            title=commitment.title,
            pillar=commitment.pillar_id,
            parent="",
            text=commitment.text,
            source_document=commitment.source_document_id,
            paragraph=commitment.paragraph,
        ),
        **_inline_forms(commitment.status_updates.count(), commitment.indicators.count()),
        **fields,
    }


def offered_to(client, users, page, link):
    """For each of `users`, whether `page` offers them `link`."""
    offered = []
    for user in users:
        client.force_login(user)
        offered.append(link in client.get(page).content.decode())
    return offered


def picker_choices(client, model_name, field_name, term=""):
    """What the admin's autocomplete offers in the picker of `field_name` on the add form of
    `model_name`, for `term`: each choice's label, in order."""
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "commitments",
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]
