"""Who may do what through the API: anonymous, a token without permission, Viewer, Analyst,
Editor, on every endpoint and method; and with ROADMAP_PUBLIC_READ=false."""

import pytest
from rest_framework.test import APIClient

from commitments.models import (
    Commitment,
    Contribution,
    Indicator,
    IndicatorValue,
    StatusUpdate,
)
from tests.factories import UserFactory
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

READS = [
    "/api/v1/",
    "/api/v1/pillars/",
    "/api/v1/pillars/military/",
    "/api/v1/themes/",
    "/api/v1/places/",
    "/api/v1/partners/",
    "/api/v1/documents/",
    "/api/v1/commitments/",
    "/api/v1/commitments/MIL-1/",
    "/api/v1/commitments/MIL-1/updates/",
    "/api/v1/updates/",
    "/api/v1/summary/",
    "/api/v1/statuses/",
    "/api/v1/contribution-kinds/",
    "/api/v1/contributions/",
    "/api/v1/contributions/matrix/",
    "/api/v1/indicators/",
    "/api/v1/indicators/?context=true",
    "/api/v1/indicator-values/",
    "/api/v1/indicator-values/?context=true",
    "/api/v1/schema/",
    "/api/v1/docs/",
]

NEW_COMMITMENT = {
    "code": "EXT-1",
    "title": "An undertaking from the Guiding Principles",
    "text": "The Coalition will act.",
    "source_document": "kuwait-guiding-principles-2018",
    "paragraph": 2,
    "pillar": "political",
    "themes": ["coalition-cohesion"],
}
NEW_UPDATE = {"status": "on_track", "as_of": "2024-03-01", "summary": "On track."}
NEW_CONTRIBUTION = {
    "partner": "nato",
    "commitment": "MIL-1",
    "kind": "funds_pledged",
    "amount": "1000000.00",
    "currency": "EUR",
    "date": "2024-03-01",
}

# role -> (POST an update, POST a commitment, PATCH a commitment, POST a contribution)
WRITES = {
    "anonymous": (401, 401, 401, 401),
    "no permission": (403, 403, 403, 403),
    "viewer": (403, 403, 403, 403),
    "analyst": (201, 403, 403, 201),
    "editor": (201, 201, 200, 201),
}


@pytest.fixture
def client_as(roadmap, viewer, analyst, editor, token_for):
    users = {
        "no permission": UserFactory(username="outsider", is_staff=False),
        "viewer": viewer,
        "analyst": analyst,
        "editor": editor,
    }

    def client_as(role):
        client = APIClient()
        if role != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(users[role])}")
        return client

    return client_as


@pytest.mark.parametrize("role", list(WRITES))
def test_everyone_reads_when_reads_are_public(client_as, role):
    client = client_as(role)

    refused = [(url, status) for url in READS if (status := client.get(url).status_code) != 200]

    assert refused == []


@pytest.mark.parametrize("role", list(WRITES))
def test_writes_need_the_role_that_grants_them(client_as, role):
    expected_update, expected_create, expected_patch, expected_contribution = WRITES[role]
    client = client_as(role)

    posted = client.post("/api/v1/commitments/MIL-1/updates/", NEW_UPDATE, format="json")
    created = client.post("/api/v1/commitments/", NEW_COMMITMENT, format="json")
    etag = client.get("/api/v1/commitments/MIL-2/")["ETag"]
    patched = client.patch(
        "/api/v1/commitments/MIL-2/", {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag
    )
    contributed = client.post("/api/v1/contributions/", NEW_CONTRIBUTION, format="json")

    assert (
        posted.status_code,
        created.status_code,
        patched.status_code,
        contributed.status_code,
    ) == (expected_update, expected_create, expected_patch, expected_contribution)
    assert StatusUpdate.objects.count() == (1 if expected_update == 201 else 0)
    assert Contribution.objects.count() == (1 if expected_contribution == 201 else 0)
    assert Commitment.objects.filter(code="EXT-1").exists() == (expected_create == 201)
    assert (Commitment.objects.get(code="MIL-2").title == "Renamed") == (expected_patch == 200)
    if role == "anonymous":
        assert posted.json()["detail"] == "Authentication credentials were not provided."
        assert posted["WWW-Authenticate"] == "Token"
    elif expected_update == 403:
        assert posted.json()["detail"] == "You do not have permission to perform this action."


# role -> (POST an indicator value, POST an indicator)
INDICATOR_WRITES = {
    "anonymous": (401, 401),
    "no permission": (403, 403),
    "viewer": (403, 403),
    "analyst": (201, 403),
    "editor": (201, 201),
}
NEW_INDICATOR = {
    "slug": "meetings-held",
    "name": "Meetings held",
    "commitment": "POL-1",
    "unit": "count",
    "direction": "increase",
}


@pytest.mark.parametrize("role", list(INDICATOR_WRITES))
def test_indicator_writes_need_the_role_that_grants_them(client_as, role):
    indicator = Indicator.objects.get(slug="coalition-members")
    client = client_as(role)

    valued = client.post(
        f"/api/v1/indicators/{indicator.pk}/values/",
        {"value": "83", "as_of": "2024-03-01"},
        format="json",
    )
    defined = client.post("/api/v1/indicators/", NEW_INDICATOR, format="json")

    assert (valued.status_code, defined.status_code) == INDICATOR_WRITES[role]
    assert IndicatorValue.objects.exists() == (INDICATOR_WRITES[role][0] == 201)
    assert Indicator.objects.filter(slug="meetings-held").exists() == (
        INDICATOR_WRITES[role][1] == 201
    )


NOT_WRITABLE = [
    ("put", "/api/v1/commitments/MIL-1/"),
    ("delete", "/api/v1/commitments/MIL-1/"),
    ("post", "/api/v1/pillars/"),
    ("delete", "/api/v1/pillars/military/"),
    ("post", "/api/v1/updates/"),
    ("put", "/api/v1/updates/1/"),
    ("delete", "/api/v1/updates/1/"),
    ("post", "/api/v1/summary/"),
    ("post", "/api/v1/contributions/matrix/"),
    ("put", "/api/v1/contributions/1/"),
    ("patch", "/api/v1/contributions/1/"),
    ("delete", "/api/v1/contributions/1/"),
    ("put", "/api/v1/indicators/1/"),
    ("delete", "/api/v1/indicators/1/"),
    ("put", "/api/v1/indicator-values/1/"),
    ("delete", "/api/v1/indicator-values/1/"),
    ("post", "/api/v1/indicator-values/"),
    ("put", "/api/v1/indicator-values/"),
    ("delete", "/api/v1/indicator-values/"),
]


@pytest.mark.parametrize("role", list(WRITES))
def test_nothing_else_is_writable_by_anyone(client_as, role):
    client = client_as(role)
    # A writer with a role learns the method is not allowed; others are refused first.
    allowed_answers = {403, 405} if role in {"analyst", "editor"} else {401, 403, 404, 405}

    wrong = []
    for method, url in NOT_WRITABLE:
        response = getattr(client, method)(url, {}, format="json")
        if response.status_code not in allowed_answers or not response.json().get("detail"):
            wrong.append((method, url, response.status_code))

    assert wrong == []
    assert StatusUpdate.objects.count() == 0
    assert Contribution.objects.count() == 0


def test_an_editor_is_told_which_methods_a_commitment_allows(client_as):
    response = client_as("editor").put("/api/v1/commitments/MIL-1/", {}, format="json")

    assert response.status_code == 405
    assert response.json()["detail"] == 'Method "PUT" not allowed.'


@pytest.mark.parametrize("role", list(WRITES))
def test_private_reads_need_any_authenticated_user(client_as, settings, role):
    settings.ROADMAP_PUBLIC_READ = False
    client = client_as(role)

    def expected(url):
        # The documentation describes the API, not the data: it stays public.
        if role == "anonymous" and url not in {"/api/v1/schema/", "/api/v1/docs/"}:
            return 401
        return 200

    wrong = [
        (url, status) for url in READS if (status := client.get(url).status_code) != expected(url)
    ]

    assert wrong == []


def test_a_revoked_token_no_longer_works(api, analyst, token_for):
    from knox.models import AuthToken

    token = token_for(analyst)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/summary/").status_code == 200

    AuthToken.objects.filter(user=analyst).delete()

    assert api.get("/api/v1/summary/").status_code == 401
    assert api.get("/api/v1/summary/").json()["detail"] == "Invalid token."


def test_tokens_are_stored_hashed(analyst, token_for):
    from knox.models import AuthToken

    token = token_for(analyst)

    stored = AuthToken.objects.get(user=analyst)
    assert token not in (stored.digest, stored.token_key)
    assert token.startswith("rt_")


def test_a_browser_session_may_write_with_a_csrf_token(analyst, commitment):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(analyst)

    refused = client.post(
        f"/api/v1/commitments/{commitment.code}/updates/", NEW_UPDATE, format="json"
    )

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_the_author_is_the_token_holder_whatever_the_body_says(client_as, analyst):
    response = client_as("analyst").post(
        "/api/v1/commitments/MIL-1/updates/", {**NEW_UPDATE, "author": "editor"}, format="json"
    )

    assert response.status_code == 400
    assert refusal(response) == {"author": ["This field cannot be set here."]}


def test_an_admin_creates_a_token_and_sees_it_once(admin_client):
    response = admin_client.post("/admin/knox/authtoken/add/", {"expiry": ""}, follow=True)

    message = next(str(m) for m in response.context["messages"])
    token = message.split(": ")[1].split(" ")[0]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/summary/").status_code == 200
    assert token not in admin_client.get("/admin/knox/authtoken/").content.decode()


def test_a_new_token_never_travels_in_a_cookie(admin_client):
    # Cookie-based messages would carry the token to the browser and back in a cookie.
    created = admin_client.post("/admin/knox/authtoken/add/", {"expiry": ""})
    shown = admin_client.get(created["Location"])

    token = next(str(m) for m in shown.context["messages"]).split(": ")[1].split(" ")[0]
    assert token.startswith("rt_")
    assert token in shown.content.decode()
    cookies = [
        cookie.value for response in (created, shown) for cookie in response.cookies.values()
    ]
    assert not any(token in value for value in cookies)
    assert "messages" not in admin_client.cookies


TOKENS = "/admin/knox/authtoken/"


def test_the_token_form_offers_only_the_signed_in_user(admin_client, admin_user, reviewer):
    form = admin_client.get(f"{TOKENS}add/").context["adminform"].form

    assert list(form.fields["user"].queryset) == [admin_user]
    assert form.fields["user"].disabled


def test_a_superuser_may_not_create_a_token_for_someone_else(admin_client, reviewer):
    # Found by an outside test: a superuser made a reviewer's token, and approved their own
    # update with it.
    from knox.models import AuthToken

    response = admin_client.post(f"{TOKENS}add/", {"user": reviewer.pk, "expiry": ""})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "user": [
            "You may create a token for yourself only: a token acts as its user, so each user "
            "creates their own, signed in as themselves."
        ]
    }
    assert not AuthToken.objects.exists()


def test_a_superuser_creates_their_own_token(admin_client, admin_user):
    from knox.models import AuthToken

    response = admin_client.post(f"{TOKENS}add/", {"user": admin_user.pk, "expiry": ""})

    assert response.status_code == 302
    assert list(AuthToken.objects.values_list("user", flat=True)) == [admin_user.pk]


def test_a_user_given_the_permission_creates_their_own_token(client, reviewer, settings):
    settings.ROADMAP_PUBLIC_READ = False  # so that the token is what lets the read through
    from django.contrib.auth.models import Permission
    from knox.models import AuthToken

    reviewer.user_permissions.add(Permission.objects.get(codename="add_authtoken"))
    client.force_login(reviewer)

    response = client.post(f"{TOKENS}add/", {"expiry": ""}, follow=True)

    token = next(str(m) for m in response.context["messages"]).split(": ")[1].split(" ")[0]
    assert list(AuthToken.objects.values_list("user", flat=True)) == [reviewer.pk]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/summary/").status_code == 200


def test_a_superuser_revokes_someone_elses_token(admin_client, reviewer, token_for):
    from knox.models import AuthToken

    token = token_for(reviewer)
    stored = AuthToken.objects.get(user=reviewer)

    response = admin_client.post(f"{TOKENS}{stored.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/summary/").status_code == 401


def test_nobody_hands_a_token_they_hold_to_someone_else(admin_client, admin_user, reviewer):
    from knox.models import AuthToken

    token, _ = AuthToken.objects.create(user=admin_user)
    page = f"{TOKENS}{token.pk}/change/"

    shown = admin_client.get(page)
    handed_over = admin_client.post(
        page, {"user": reviewer.pk, "digest": token.digest, "token_key": token.token_key}
    )

    assert shown.status_code == 200  # read-only
    assert handed_over.status_code == 403
    token.refresh_from_db()
    assert token.user == admin_user


@pytest.fixture
def nameless_work(roadmap, record, token_for):
    """An update recorded and a commitment changed by people who gave no names."""
    recorder = UserFactory(username="jdoe.login")
    changer = UserFactory(username="ed.login", is_superuser=True)
    commitment = Commitment.objects.get(code="MIL-1")
    record(commitment, author=recorder)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(changer)}")
    etag = api.get("/api/v1/commitments/MIL-1/")["ETag"]
    response = api.patch(
        "/api/v1/commitments/MIL-1/", {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    return commitment


PEOPLE_SHOWN = [
    "/api/v1/commitments/MIL-1/",
    "/api/v1/commitments/MIL-1/updates/",
    "/api/v1/commitments/MIL-1/history/",
    "/api/v1/updates/",
    "/api/v1/updates/?format=csv",
]


@pytest.mark.parametrize("path", PEOPLE_SHOWN)
def test_anonymous_readers_never_see_login_names(api, nameless_work, path):
    body = api.get(path).getvalue().decode()

    assert "jdoe.login" not in body
    assert "ed.login" not in body
    assert "Analyst" in body or "Editor" in body


def test_staff_readers_see_the_login_name_of_someone_without_a_name(
    api, nameless_work, viewer, token_for
):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")

    update = api.get("/api/v1/updates/").json()["results"][0]
    change = api.get("/api/v1/commitments/MIL-1/history/").json()["results"][0]

    assert (update["author"], change["changed_by"]) == ("jdoe.login", "ed.login")


def test_a_person_with_a_name_is_shown_by_it_to_everyone(api, roadmap, record, analyst):
    analyst.first_name, analyst.last_name = "Amal", "Haddad"
    analyst.save()
    record(Commitment.objects.get(code="MIL-1"))

    assert api.get("/api/v1/updates/").json()["results"][0]["author"] == "Amal Haddad"
