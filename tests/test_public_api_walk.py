"""No pending or returned update or indicator value reaches an anonymous reader, by any
endpoint: every GET the OpenAPI document lists, as JSON and as CSV where it has CSV (and as an
Excel workbook where it has one), every public page, with every update's and value's id. Their
answers, ETags and Last-Modified are the same before and after updates and values are
submitted, returned, or proposed as corrections: a reader cannot even tell that one arrived."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from commitments.models import (
    Commitment,
    Contribution,
    Indicator,
    IndicatorValue,
    Partner,
    Pillar,
    Place,
    SourceDocument,
    Theme,
)
from commitments.services import (
    approve_or_return,
    record_indicator_value,
)
from tests.helpers import body_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("review_required", "one_calendar_day"),
]

SECRETS = ["Pending secret.", "Returned secret.", "Correction secret."]
# Indicator values that are pending, returned, or corrections pending or returned: figures
# nothing else on a page or in a body holds, as the API writes them.
VALUE_SECRETS = ["271.8281", "314.1592", "161.8033", "141.4213"]
# The approved value, public.
PUBLIC_VALUE = "577.2156"


def public_paths(update_ids, value_ids, indicator):
    """Every GET path of the API document, its parameters filled in with real rows (an id with
    those of `update_ids`, of `value_ids` under /indicator-values/, `indicator`'s under
    /indicators/, or of contributions under /contributions/)."""
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
        formats = next(
            (
                parameter["schema"].get("enum", ["csv"])
                for parameter in operations["get"].get("parameters", [])
                if parameter.get("name") == "format"
            ),
            [],
        )
        if "{slug}" in template:
            kind = template.split("/")[3]
            filled = [template.replace("{slug}", slug) for slug in slugs[kind][:3]]
        elif "{code}" in template:
            filled = [template.replace("{code}", "MIL-1")]
        elif "{id}" in template and template.startswith("/api/v1/contributions/"):
            ids = Contribution.objects.values_list("pk", flat=True)
            filled = [template.replace("{id}", str(pk)) for pk in ids]
        elif "{id}" in template and template.startswith("/api/v1/indicator-values/"):
            filled = [template.replace("{id}", str(pk)) for pk in value_ids]
        elif "{id}" in template and template.startswith("/api/v1/indicators/"):
            filled = [template.replace("{id}", str(indicator.pk))]
        elif "{id}" in template:
            filled = [template.replace("{id}", str(pk)) for pk in update_ids]
        else:
            filled = [template]
        for path in filled:
            paths += [path, *(f"{path}?format={name}" for name in formats)]
    # The filters a curious reader would try, and the pages people read.
    paths += [
        "/api/v1/updates/?commitment=MIL-1",
        "/api/v1/updates/?status=off_track&status=completed",
        "/api/v1/commitments/?search=secret",
        f"/api/v1/indicator-values/?indicator={indicator.pk}",
        f"/api/v1/indicators/{indicator.pk}/values/?review_state=pending",
        "/",
        "/commitments/MIL-1/",
        f"/commitments/{indicator.commitment.code}/",
        "/briefing/",
    ]
    # The Atom feed.
    paths += [reverse("feed-updates"), f"{reverse('feed-updates')}?pillar=military"]
    return paths


def walk(api, paths):
    answers = {}
    for path in paths:
        response = api.get(path)
        answers[path] = (
            response.status_code,
            response.get("ETag"),
            response.get("Last-Modified"),
            body_of(response),
        )
    return answers


def test_no_unapproved_update_or_value_reaches_an_anonymous_reader_by_any_endpoint(
    api, roadmap, record, reviewer, contribute, analyst
):
    mil1 = Commitment.objects.get(code="MIL-1")
    contribute(Partner.objects.get(slug="nato"), mil1)  # for the contributions' paths
    approved = record(mil1, status="on_track", summary="Approved and public.")
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    indicator = Indicator.objects.filter(commitment__isnull=False).first()

    def observe(value, **fields):
        fields = {"as_of": datetime.date(2024, 1, 15), **fields}
        return record_indicator_value(
            indicator=indicator, author=analyst, value=Decimal(value), **fields
        )

    def returned(observation):
        approve_or_return(observation, reviewer=reviewer, decision="return", comment="Not yet.")
        return observation

    value = observe(PUBLIC_VALUE)
    approve_or_return(value, reviewer=reviewer, decision="approve")
    update_ids, value_ids = [approved.pk + n for n in range(4)], [value.pk + n for n in range(5)]
    before = walk(api, public_paths(update_ids[:3], value_ids, indicator))

    pending = record(mil1, status="off_track", as_of=datetime.date(2024, 6, 1), summary=SECRETS[0])
    returned_update = record(mil1, status="completed", summary=SECRETS[1])
    approve_or_return(returned_update, reviewer=reviewer, decision="return", comment="Not yet.")
    correction = record(mil1, status="at_risk", corrects=approved, summary=SECRETS[2])
    assert [approved.pk, pending.pk, returned_update.pk, correction.pk] == update_ids
    unapproved_values = [
        observe(VALUE_SECRETS[0], as_of=datetime.date(2024, 6, 1)),
        returned(observe(VALUE_SECRETS[1])),
        # A returned correction, then another one pending: the value stands throughout.
        returned(observe(VALUE_SECRETS[2], corrects=value)),
        observe(VALUE_SECRETS[3], corrects=value),
    ]
    assert [value, *unapproved_values] == [IndicatorValue(pk=pk) for pk in value_ids]
    after = walk(api, public_paths(update_ids, value_ids, indicator))

    assert len(after) > 30  # every path of the document, filled in
    for path, (status, etag, last_modified, body) in after.items():
        for secret in SECRETS + VALUE_SECRETS:
            assert secret.encode() not in body, (path, secret)
        if path in before:
            assert (status, etag, last_modified, body) == before[path], path
    for update in (pending, returned_update, correction):
        assert after[f"/api/v1/updates/{update.pk}/"][0] == 404
    for observation in unapproved_values:
        assert after[f"/api/v1/indicator-values/{observation.pk}/"][0] == 404
    assert b"Approved and public." in after["/api/v1/updates/?commitment=MIL-1"][3]
    assert PUBLIC_VALUE.encode() in after[f"/api/v1/indicators/{indicator.pk}/values/"][3]
    assert after["/api/v1/commitments/MIL-1/"][0] == 200


def test_asking_for_unapproved_updates_is_refused_to_anonymous_readers(api, roadmap):
    for query in ["review_state=pending", "review_state=returned", "review_state=all"]:
        response = api.get(f"/api/v1/updates/?{query}")
        assert response.status_code == 403, query
