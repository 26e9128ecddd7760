"""Dependencies in the admin: on a commitment's page, Editors add what it depends on (an
autocomplete, a cycle refused on its row with the path named) and remove it; what depends on it
is listed read-only, with each one's status."""

import pytest
from django.urls import reverse

from commitments.models import Dependency
from commitments.services import add_dependency
from tests.admin_pages import commitment_form
from tests.factories import CommitmentFactory


@pytest.fixture
def three(db):
    """MIL-1, STB-1 and RET-1; RET-1 depends on STB-1."""
    found = {code: CommitmentFactory(code=code) for code in ["MIL-1", "STB-1", "RET-1"]}
    add_dependency(commitment=found["RET-1"], depends_on=found["STB-1"], note="Returns need it.")
    return found


def _page(commitment):
    return reverse("admin:commitments_commitment_change", args=[commitment.pk])


def _adding(commitment, depends_on, note=""):
    """`commitment`'s change form with one new row in Depends on."""
    existing = commitment.dependency_links.count()
    form = commitment_form(commitment)
    form |= {
        "dependency_links-TOTAL_FORMS": existing + 1,
        "dependency_links-INITIAL_FORMS": existing,
        f"dependency_links-{existing}-depends_on": depends_on.pk,
        f"dependency_links-{existing}-note": note,
        f"dependency_links-{existing}-commitment": commitment.pk,
    }
    for index, dependency in enumerate(commitment.dependency_links.order_by("pk")):
        form[f"dependency_links-{index}-id"] = dependency.pk
        form[f"dependency_links-{index}-commitment"] = commitment.pk
    return form


def test_an_editor_adds_what_a_commitment_depends_on(client, editor, three):
    client.force_login(editor)
    stb, mil = three["STB-1"], three["MIL-1"]
    response = client.post(_page(stb), _adding(stb, mil, "Stabilization needs security."))
    assert response.status_code == 302, response.context["errors"]
    dependency = Dependency.objects.get(commitment=stb)
    assert (dependency.depends_on, dependency.note, dependency.author) == (
        mil,
        "Stabilization needs security.",
        editor,
    )


def test_a_cycle_is_refused_on_its_row_with_the_path(client, editor, three):
    client.force_login(editor)
    stb, ret = three["STB-1"], three["RET-1"]
    response = client.post(_page(stb), _adding(stb, ret))
    assert response.status_code == 200
    (formset,) = [
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.prefix == "dependency_links"
    ]
    assert formset.formset.errors[0] == {
        "depends_on": [
            "RET-1 already depends on STB-1 (RET-1 → STB-1): STB-1 cannot depend on RET-1."
        ]
    }
    assert Dependency.objects.count() == 1


def test_an_editor_removes_a_dependency_and_its_history_keeps_it(client, editor, three):
    client.force_login(editor)
    ret = three["RET-1"]
    form = commitment_form(ret)
    dependency = ret.dependency_links.get()
    form |= {
        "dependency_links-TOTAL_FORMS": 1,
        "dependency_links-INITIAL_FORMS": 1,
        "dependency_links-0-id": dependency.pk,
        "dependency_links-0-commitment": ret.pk,
        "dependency_links-0-DELETE": "on",
    }
    response = client.post(_page(ret), form)
    assert response.status_code == 302
    assert not Dependency.objects.exists()
    assert Dependency.history.filter(history_type="-").get().history_user == editor


def test_a_form_without_the_dependencies_changes_none_of_them(client, editor, three):
    # Posted from a page opened before the inline existed, say during a deploy.
    client.force_login(editor)
    ret = three["RET-1"]
    response = client.post(_page(ret), commitment_form(ret, title="Returns"))
    assert response.status_code == 302
    ret.refresh_from_db()
    assert (ret.title, ret.dependency_links.count()) == ("Returns", 1)


def test_a_commitments_page_lists_what_depends_on_it_read_only(client, viewer, three):
    client.force_login(viewer)
    page = client.get(_page(three["STB-1"])).content.decode()
    assert f'<a href="{_page(three["RET-1"])}">RET-1 ' in page
    assert "Returns need it." in page
    assert "Not assessed</span>" in page


def test_a_viewer_sees_the_dependencies_but_cannot_add_one(client, viewer, three):
    client.force_login(viewer)
    response = client.get(_page(three["RET-1"]))
    (formset,) = [
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.prefix == "dependency_links"
    ]
    assert not formset.has_add_permission
    assert len(formset.formset.forms) == 1
