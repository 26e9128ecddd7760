"""The Atom feed of approved status updates at /feeds/updates/, optionally of one pillar."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group

from commitments.models import Review
from commitments.roles import COALITION
from commitments.services import approve_or_return
from tests.factories import CommitmentFactory, PillarFactory, UserFactory

pytestmark = pytest.mark.django_db

FEED = "/feeds/updates/"
ATOM = "{http://www.w3.org/2005/Atom}"


def read_feed(client, url=FEED):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)


def text(element, path):
    return element.find(path.replace("atom:", ATOM)).text


def entries(feed):
    return feed.findall(f"{ATOM}entry")


def entry_titles(feed):
    return [text(entry, "atom:title") for entry in entries(feed)]


def test_the_feed_is_atom_with_an_entry_per_approved_update(client, record, analyst):
    analyst.first_name, analyst.last_name = "Amal", "Haddad"
    analyst.save()
    commitment = CommitmentFactory(code="MIL-1")
    update = record(
        commitment, status="at_risk", as_of=datetime.date(2024, 3, 1), summary="Funding delayed."
    )

    feed = read_feed(client)

    assert feed.tag == f"{ATOM}feed"
    assert text(feed, "atom:id") == "http://testserver/feeds/updates/"
    assert text(feed, "atom:title") == "Paris Roadmap tracker: status updates"
    assert datetime.datetime.fromisoformat(text(feed, "atom:updated")) == update.created_at
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"alternate": "http://testserver/", "self": "http://testserver/feeds/updates/"}
    [entry] = entries(feed)
    assert text(entry, "atom:title") == "MIL-1: At risk (as of 1 Mar 2024)"
    assert text(entry, "atom:id") == f"http://testserver/api/v1/updates/{update.pk}/"
    assert entry.find(f"{ATOM}link").get("href") == "http://testserver/commitments/MIL-1/"
    assert datetime.datetime.fromisoformat(text(entry, "atom:updated")) == update.created_at
    assert text(entry, "atom:author/atom:name") == "Amal Haddad"
    assert entry.find(f"{ATOM}summary").attrib == {"type": "text"}
    assert text(entry, "atom:summary") == "Funding delayed."


def test_an_empty_feed_is_still_valid_atom(client):
    feed = read_feed(client)

    assert text(feed, "atom:id") == "http://testserver/feeds/updates/"
    assert text(feed, "atom:title") == "Paris Roadmap tracker: status updates"
    assert datetime.datetime.fromisoformat(text(feed, "atom:updated"))
    assert entries(feed) == []


def test_a_summary_is_text_never_html(client, record, commitment):
    record(commitment, summary='<script>alert("x")</script> & <b>more</b>')

    [entry] = entries(read_feed(client))

    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "text"
    assert summary.text == '<script>alert("x")</script> & <b>more</b>'


def test_an_author_without_a_full_name_is_named_by_role_never_by_login(
    client, record, commitment, editor
):
    record(commitment)  # by "analyst", who gave no name
    client.force_login(editor)  # staff see login names in the API, but not here

    [entry] = entries(read_feed(client))

    assert text(entry, "atom:author/atom:name") == "Analyst"


def test_the_newest_approved_come_first_and_at_most_50(client, record, commitment):
    for day in range(1, 52):
        # Approved (on submission, review being off) in this order; back-dated ones included,
        # which are still news.
        record(commitment, as_of=datetime.date(2024, 1, 1) + datetime.timedelta(days=day % 7))

    titles = entry_titles(read_feed(client))

    assert len(titles) == 50
    # The 51st update, recorded last, is as of 1 Jan + (51 % 7 = 2) days.
    assert titles[0] == f"{commitment.code}: On track (as of 3 Jan 2024)"


def test_a_pillars_feed_has_its_commitments_updates_only(client, record):
    military = PillarFactory(slug="military", name="Military")
    record(CommitmentFactory(code="MIL-1", pillar=military))
    record(CommitmentFactory(code="POL-1"))

    feed = read_feed(client, f"{FEED}?pillar=military")

    assert [title.split(":")[0] for title in entry_titles(feed)] == ["MIL-1"]
    assert text(feed, "atom:title") == "Paris Roadmap tracker: status updates, Military"
    assert text(feed, "atom:id") == "http://testserver/feeds/updates/?pillar=military"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/?pillar=military"


def test_an_unknown_pillar_is_not_found(client):
    assert client.get(f"{FEED}?pillar=no-such-pillar").status_code == 404


@pytest.mark.usefixtures("review_required")
def test_pending_and_returned_updates_never_appear_not_even_to_staff(
    client, record, commitment, reviewer, editor
):
    approved = record(commitment, status="at_risk", as_of=datetime.date(2024, 3, 1))
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    returned = record(commitment, status="off_track", as_of=datetime.date(2024, 3, 2))
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Which source?")
    record(commitment, status="completed", as_of=datetime.date(2024, 3, 3))  # pending
    client.force_login(editor)

    titles = entry_titles(read_feed(client))

    assert titles == [f"{commitment.code}: At risk (as of 1 Mar 2024)"]


def test_with_private_reads_only_signed_in_users_get_the_feed(settings, client, viewer):
    settings.ROADMAP_PUBLIC_READ = False

    assert client.get(FEED).status_code == 403

    client.force_login(viewer)

    assert client.get(FEED).status_code == 200


@pytest.mark.parametrize(("query", "queries"), [("", 1), ("?pillar=military", 2)])
def test_the_feed_takes_one_query_and_one_more_for_a_pillar(
    client, record, django_assert_num_queries, query, queries
):
    military = PillarFactory(slug="military")
    for code in ["MIL-1", "MIL-2", "MIL-3"]:
        record(CommitmentFactory(code=code, pillar=military))

    with django_assert_num_queries(queries):
        assert len(entries(read_feed(client, FEED + query))) == 3


def test_an_update_approved_late_is_news_when_it_is_approved(
    client, record, reviewer, commitment, review_required
):
    early = record(commitment, status="at_risk", summary="Recorded first, approved last.")
    later = record(commitment, status="on_track", summary="Recorded last, approved first.")
    approve_or_return(later, reviewer=reviewer, decision="approve")
    approve_or_return(early, reviewer=reviewer, decision="approve")

    feed = read_feed(client)

    assert [title.split(": ")[1].split(" (")[0] for title in entry_titles(feed)] == [
        "At risk",
        "On track",
    ]
    entry = feed.find(f"{ATOM}entry")
    decided = Review.objects.get(update=early).decided_at
    assert text(entry, "atom:updated") == decided.isoformat()


def test_a_feed_reader_revalidates_the_feed_each_time(settings, client, viewer):
    public = client.get(FEED)
    settings.ROADMAP_PUBLIC_READ = False
    client.force_login(viewer)
    private = client.get(FEED)

    assert public["Cache-Control"] == "no-cache"
    assert private["Cache-Control"] == "private, no-cache, no-store"


def test_a_member_signed_in_reads_the_updates_of_their_clearance_each_marked(
    client, record, commitment, cleared_analyst
):
    record(commitment, status="on_track", summary="For everyone.")
    record(commitment, status="at_risk", summary="For members.", releasability="coalition")
    record(
        commitment, status="off_track", summary="For the secretariat.", releasability="secretariat"
    )
    member = UserFactory(is_staff=False)
    member.groups.add(Group.objects.get(name=COALITION))

    public = client.get(FEED)
    client.force_login(member)
    members = client.get(FEED)

    assert [title.split(": ")[1] for title in entry_titles(ET.fromstring(public.content))] == [
        "On track (as of 15 Jan 2024)"
    ]
    feed = ET.fromstring(members.content)
    assert [title.split(": ")[1] for title in entry_titles(feed)] == [
        "At risk (as of 15 Jan 2024) · COALITION",
        "On track (as of 15 Jan 2024)",
    ]
    categories = [
        [category.get("term") for category in entry.findall(f"{ATOM}category")]
        for entry in entries(feed)
    ]
    assert categories == [["coalition"], []]
    # What a member reads is theirs: no shared cache keeps it.
    assert public["Cache-Control"] == "no-cache"
    assert members["Cache-Control"] == "private, no-cache, no-store"


def test_the_feed_speaks_the_readers_language(client, record):
    commitment = CommitmentFactory(code="MIL-1")
    record(commitment, status="at_risk", as_of=datetime.date(2024, 3, 1), summary="Retard.")

    response = client.get(FEED, HTTP_ACCEPT_LANGUAGE="fr")

    feed = ET.fromstring(response.content)
    assert response["Content-Language"] == "fr"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert text(feed, "atom:title") == (
        "Suivi de la Feuille de route de Paris\N{NO-BREAK SPACE}: mises à jour de statut"
    )
    assert text(feed, "atom:subtitle").startswith("Évaluations approuvées des engagements")
    [entry] = entries(feed)
    assert text(entry, "atom:title").startswith("MIL-1\N{NO-BREAK SPACE}: ")
    assert text(entry, "atom:title").endswith(" (au 1 mars 2024)")
    assert text(entry, "atom:summary") == "Retard."  # the analyst's words, as written
