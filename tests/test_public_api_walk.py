"""No pending or returned update reaches an anonymous reader, by any endpoint: every GET the
OpenAPI document lists, as JSON and as CSV where it has CSV, every public page, with every
update's id. Their answers, ETags and Last-Modified are the same before and after updates are
submitted, returned, or proposed as corrections: a reader cannot even tell that one arrived."""

import datetime
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from commitments.models import (
    Commitment,
    Contribution,
    Partner,
    Pillar,
    Place,
    SourceDocument,
    Theme,
)
from commitments.services import approve_or_return

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]

SECRETS = ["Pending secret.", "Returned secret.", "Correction secret."]


def public_paths(update_ids):
    """Every GET path of the API document, its parameters filled in with real rows (an id with
    those of `update_ids`, or of contributions under /contributions/)."""
    document = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text())
    slugs = {
        "documents": SourceDocument.objects.values_list("slug", flat=True),
        "partners": Partner.objects.values_list("slug", flat=True),
        "pillars": Pillar.objects.values_list("slug", flat=True),
        "places": Place.objects.values_list("slug", flat=True),
        "themes": Theme.objects.values_list("slug", flat=True),
    }
    paths = []
    for template, operations in document["paths"].items():
        if "get" not in operations:
            continue
        has_csv = any(
            parameter.get("name") == "format"
            for parameter in operations["get"].get("parameters", [])
        )
        if "{slug}" in template:
            kind = template.split("/")[3]
            filled = [template.replace("{slug}", slug) for slug in slugs[kind][:3]]
        elif "{code}" in template:
            filled = [template.replace("{code}", "MIL-1")]
        elif "{id}" in template and template.startswith("/api/v1/contributions/"):
            ids = Contribution.objects.values_list("pk", flat=True)
            filled = [template.replace("{id}", str(pk)) for pk in ids]
        elif "{id}" in template:
            filled = [template.replace("{id}", str(pk)) for pk in update_ids]
        else:
            filled = [template]
        for path in filled:
            paths += [path, f"{path}?format=csv"] if has_csv else [path]
    # The filters a curious reader would try, and the pages people read.
    paths += [
        "/api/v1/updates/?commitment=MIL-1",
        "/api/v1/updates/?status=off_track&status=completed",
        "/api/v1/commitments/?search=secret",
        "/",
        "/commitments/MIL-1/",
    ]
    # The Atom feed.
    paths += [reverse("feed-updates"), f"{reverse('feed-updates')}?pillar=military"]
    return paths


def walk(api, paths):
    answers = {}
    for path in paths:
        response = api.get(path)
        body = b"".join(response) if response.streaming else response.content
        answers[path] = (
            response.status_code,
            response.get("ETag"),
            response.get("Last-Modified"),
            body,
        )
    return answers


def test_no_unapproved_update_reaches_an_anonymous_reader_by_any_endpoint(
    api, roadmap, record, reviewer, contribute
):
    mil1 = Commitment.objects.get(code="MIL-1")
    contribute(Partner.objects.get(slug="nato"), mil1)  # for the contributions' paths
    approved = record(mil1, status="on_track", summary="Approved and public.")
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    before = walk(api, public_paths([approved.pk, approved.pk + 1, approved.pk + 2]))

    pending = record(mil1, status="off_track", as_of=datetime.date(2024, 6, 1), summary=SECRETS[0])
    returned = record(mil1, status="completed", summary=SECRETS[1])
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Not yet.")
    correction = record(mil1, status="at_risk", corrects=approved, summary=SECRETS[2])
    assert [pending.pk, returned.pk, correction.pk] == [approved.pk + n for n in (1, 2, 3)]
    after = walk(api, public_paths([approved.pk, pending.pk, returned.pk, correction.pk]))

    assert len(after) > 30  # every path of the document, filled in
    for path, (status, etag, last_modified, body) in after.items():
        for secret in SECRETS:
            assert secret.encode() not in body, (path, secret)
        if path in before:
            assert (status, etag, last_modified, body) == before[path], path
    for update in (pending, returned, correction):
        assert after[f"/api/v1/updates/{update.pk}/"][0] == 404
    assert b"Approved and public." in after["/api/v1/updates/?commitment=MIL-1"][3]
    assert after["/api/v1/commitments/MIL-1/"][0] == 200


def test_asking_for_unapproved_updates_is_refused_to_anonymous_readers(api, roadmap):
    for query in ["review_state=pending", "review_state=returned", "review_state=all"]:
        response = api.get(f"/api/v1/updates/?{query}")
        assert response.status_code == 403, query
