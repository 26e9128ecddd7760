"""Dependencies in the API: a commitment's detail lists what it depends on and what depends on
it, with their statuses; GET /api/v1/dependencies/ lists every edge (the Roadmap's graph);
Editors add them (a cycle refused with its path, as a field error) and remove them."""

import datetime

import pytest

from commitments.models import Commitment, Dependency
from commitments.services import add_dependency, record_status_update, remove_dependency
from tests.factories import CommitmentFactory

LIST = "/api/v1/dependencies/"


@pytest.fixture
def graph(analyst):
    """STB-1 depends on MIL-1 and GOV-2; RET-1 depends on STB-1. MIL-1 is at risk."""
    found = {code: CommitmentFactory(code=code, title=f"Title of {code}") for code in
             ["MIL-1", "GOV-2", "STB-1", "RET-1"]}  # fmt: skip
    add_dependency(commitment=found["STB-1"], depends_on=found["MIL-1"], note="Needs security.")
    add_dependency(commitment=found["STB-1"], depends_on=found["GOV-2"], note="Needs a government.")
    add_dependency(commitment=found["RET-1"], depends_on=found["STB-1"])
    record_status_update(
        commitment=found["MIL-1"],
        author=analyst,
        status="at_risk",
        as_of=datetime.date(2024, 1, 15),
        summary="Withdrawals.",
    )
    return found


def _end(code, status="not_assessed", label="Not assessed"):
    return {
        "code": code,
        "url": f"http://testserver/api/v1/commitments/{code}/",
        "title": f"Title of {code}",
        "status": status,
        "status_label": label,
    }


def test_a_commitments_detail_lists_what_it_depends_on_and_what_depends_on_it(api, graph):
    body = api.get("/api/v1/commitments/STB-1/").json()
    assert body["depends_on"] == [
        {**_end("GOV-2"), "note": "Needs a government."},
        {**_end("MIL-1", "at_risk", "At risk"), "note": "Needs security."},
    ]
    assert body["dependents"] == [{**_end("RET-1"), "note": ""}]


def test_a_detail_as_of_a_date_gives_their_statuses_on_that_date(api, graph):
    Commitment.objects.update(created_at=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC))
    body = api.get("/api/v1/commitments/STB-1/", {"as_of": "2024-01-01"}).json()
    assert [(end["code"], end["status"]) for end in body["depends_on"]] == [
        ("GOV-2", "not_assessed"),
        ("MIL-1", "not_assessed"),
    ]


def test_a_commitment_without_dependencies_lists_none(api, graph):
    body = api.get("/api/v1/commitments/GOV-2/").json()
    assert (body["depends_on"], [end["code"] for end in body["dependents"]]) == ([], ["STB-1"])


def test_the_list_gives_every_dependency_with_the_status_of_each_end(api, graph):
    body = api.get(LIST).json()
    mil_edge = Dependency.objects.get(depends_on__code="MIL-1")
    assert body["results"][2] == {
        "id": mil_edge.pk,
        "url": f"http://testserver{LIST}{mil_edge.pk}/",
        "commitment": _end("STB-1"),
        "depends_on": _end("MIL-1", "at_risk", "At risk"),
        "note": "Needs security.",
        "created_at": mil_edge.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert [(row["commitment"]["code"], row["depends_on"]["code"]) for row in body["results"]] == [
        ("RET-1", "STB-1"),
        ("STB-1", "GOV-2"),
        ("STB-1", "MIL-1"),
    ]


def test_the_list_filtered_by_commitment_gives_its_dependencies_either_way(api, graph):
    body = api.get(LIST, {"commitment": "MIL-1"}).json()
    assert [(row["commitment"]["code"], row["depends_on"]["code"]) for row in body["results"]] == [
        ("STB-1", "MIL-1")
    ]
    body = api.get(LIST, {"commitment": "STB-1"}).json()
    assert len(body["results"]) == 3


def test_the_list_refuses_an_unknown_commitment(api, graph):
    response = api.get(LIST, {"commitment": "NOPE-1"})
    assert response.status_code == 400


def test_the_list_as_csv(api, graph):
    response = api.get(LIST, {"format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[0] == "commitment,depends_on,note,created_at"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["RET-1", "STB-1", ""],
        ["STB-1", "GOV-2", "Needs a government."],
        ["STB-1", "MIL-1", "Needs security."],
    ]


@pytest.fixture
def as_editor(api, editor, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    return api


def test_an_editor_records_a_dependency(as_editor, graph, editor):
    response = as_editor.post(
        LIST, {"commitment": "RET-1", "depends_on": "MIL-1", "note": "Returns need security."}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["commitment"]["code"], body["depends_on"]["code"], body["note"]) == (
        "RET-1",
        "MIL-1",
        "Returns need security.",
    )
    assert response["Location"] == body["url"]
    assert Dependency.objects.get(pk=body["id"]).author == editor
    detail = as_editor.get("/api/v1/commitments/MIL-1/").json()
    assert [end["code"] for end in detail["dependents"]] == ["RET-1", "STB-1"]


def test_a_cycle_is_refused_with_its_path_as_a_field_error(as_editor, graph):
    response = as_editor.post(LIST, {"commitment": "MIL-1", "depends_on": "RET-1"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "depends_on": [
            "RET-1 already depends on MIL-1 (RET-1 → STB-1 → MIL-1): MIL-1 cannot depend on RET-1."
        ]
    }
    assert Dependency.objects.count() == 3


def test_an_unknown_commitment_is_refused(as_editor, graph):
    response = as_editor.post(LIST, {"commitment": "NOPE-1", "depends_on": "MIL-1"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["commitment"]


def test_an_editor_removes_a_dependency(as_editor, graph):
    edge = Dependency.objects.get(depends_on__code="MIL-1")
    response = as_editor.delete(f"{LIST}{edge.pk}/")
    assert response.status_code == 204
    assert not Dependency.objects.filter(pk=edge.pk).exists()
    detail = as_editor.get("/api/v1/commitments/STB-1/").json()
    assert [end["code"] for end in detail["depends_on"]] == ["GOV-2"]


@pytest.mark.parametrize("role", ["viewer", "analyst", "reviewer"])
def test_only_editors_add_or_remove_dependencies(api, graph, token_for, role, request):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(request.getfixturevalue(role))}")
    edge = Dependency.objects.get(depends_on__code="MIL-1")
    assert api.post(LIST, {"commitment": "RET-1", "depends_on": "MIL-1"}).status_code == 403
    assert api.delete(f"{LIST}{edge.pk}/").status_code == 403
    assert Dependency.objects.count() == 3


def test_anonymous_readers_read_but_do_not_write(api, graph):
    assert api.get(LIST).status_code == 200
    assert api.post(LIST, {"commitment": "RET-1", "depends_on": "MIL-1"}).status_code in (
        401,
        403,
    )


@pytest.mark.parametrize("code", ["STB-1", "GOV-2"])  # 3 dependencies either way, and 1
def test_a_detail_reads_its_dependencies_in_one_query_however_many(
    api, graph, code, django_assert_num_queries
):
    # Expect 6 queries, as tests/test_api_queries.py counts them: fingerprint, the commitment,
    # the union of its relations, its latest updates, its indicators, and the commitments at
    # the other end of its dependencies with their status.
    with django_assert_num_queries(6):
        api.get(f"/api/v1/commitments/{code}/")


def test_the_list_takes_3_queries_whatever_its_length(api, graph, django_assert_num_queries):
    # Expect 3 queries: fingerprint, the count, the page with both ends joined.
    with django_assert_num_queries(3):
        api.get(LIST)


def test_adding_or_removing_a_dependency_moves_the_data_version_on(api, graph):
    first = api.get("/api/v1/commitments/MIL-1/")
    add_dependency(commitment=graph["RET-1"], depends_on=graph["MIL-1"])
    second = api.get("/api/v1/commitments/MIL-1/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert [end["code"] for end in second.json()["dependents"]] == ["RET-1", "STB-1"]
    remove_dependency(Dependency.objects.get(commitment__code="RET-1", depends_on__code="MIL-1"))
    third = api.get("/api/v1/commitments/MIL-1/", HTTP_IF_NONE_MATCH=second["ETag"])
    assert [end["code"] for end in third.json()["dependents"]] == ["STB-1"]


def test_each_end_shows_the_status_the_readers_clearance_reads(api, graph):
    """A coalition assessment of MIL-1 moves its status for Coalition members, in the detail of
    what depends on it and in the graph, and not for the public."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    member = UserFactory()
    member.groups.add(Group.objects.get(name="Coalition"))
    record_status_update(
        commitment=graph["MIL-1"],
        author=member,
        status="off_track",
        as_of=datetime.date(2024, 2, 1),
        summary="Bases lost.",
        releasability="coalition",
    )

    def statuses(reader):
        api.force_authenticate(reader)
        detail = api.get("/api/v1/commitments/STB-1/").json()
        edges = api.get(LIST, {"commitment": "MIL-1"}).json()["results"]
        return (
            {end["code"]: end["status"] for end in detail["depends_on"]},
            {edge["depends_on"]["code"]: edge["depends_on"]["status"] for edge in edges},
        )

    assert statuses(None) == ({"GOV-2": "not_assessed", "MIL-1": "at_risk"}, {"MIL-1": "at_risk"})
    assert statuses(member) == (
        {"GOV-2": "not_assessed", "MIL-1": "off_track"},
        {"MIL-1": "off_track"},
    )
