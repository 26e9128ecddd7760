"""Reads as of a date (?as_of=), as known on a day (?known_on=): the small 2026 history of
conftest.time_history, whose answers are written out here by hand."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.utils import timezone

from commitments.api.commitments import CommitmentSerializer
from commitments.models import Commitment, Contribution, Status, StatusUpdate
from commitments.selectors.raw_sql import read_values
from commitments.services import approve_or_return, record_contribution, withdraw
from tests.conftest import _noon, at
from tests.factories import CommitmentFactory, PartnerFactory
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
SUMMARY = "/api/v1/summary/"


def shown(response):
    """code -> (status, progress, as_of, is_stale) of a list's page."""
    assert response.status_code == 200, response.json()
    return {
        row["code"]: (row["status"], row["progress"], row["as_of"], row["is_stale"])
        for row in response.json()["results"]
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Today's knowledge: the back-dated off_track of A-1 and the correction of A-2 count;
        # B-1 was created on 1 Apr.
        (
            {"as_of": "2026-02-15"},
            {
                "A-1": ("off_track", 25, "2026-02-01", False),
                "A-2": ("on_track", 80, "2026-02-10", False),
                "A-3": ("not_assessed", None, None, True),
                "B-2": ("not_assessed", None, None, True),
            },
        ),
        # As seen on 31 Mar: neither the back-dated update nor the correction was recorded.
        (
            {"as_of": "2026-02-15", "known_on": "2026-03-31"},
            {
                "A-1": ("on_track", 20, "2026-01-10", True),  # 30-day cadence: due 9 Feb
                "A-2": ("completed", 100, "2026-02-10", False),
                "A-3": ("not_assessed", None, None, True),
                "B-2": ("not_assessed", None, None, True),
            },
        ),
        # Same day: of two updates dated 10 Mar, the later recorded wins; the returned one
        # never counts.
        (
            {"known_on": "2026-03-10"},
            {
                "A-1": ("at_risk", 30, "2026-03-01", False),
                "A-2": ("completed", 100, "2026-02-10", False),
                "A-3": ("on_track", 50, "2026-03-10", False),
                "B-2": ("not_assessed", None, None, True),
            },
        ),
        # Recorded on 10 Jan, approved on 11 Jan: not known on the 10th.
        (
            {"known_on": "2026-01-10"},
            {
                "A-1": ("not_assessed", None, None, True),
                "A-2": ("not_assessed", None, None, True),
                "A-3": ("not_assessed", None, None, True),
                "B-2": ("not_assessed", None, None, True),
            },
        ),
        (
            {"as_of": "2026-01-10", "known_on": "2026-01-11"},
            {
                "A-1": ("on_track", 20, "2026-01-10", False),
                "A-2": ("not_assessed", None, None, True),
                "A-3": ("not_assessed", None, None, True),
                "B-2": ("not_assessed", None, None, True),
            },
        ),
        (
            {"as_of": "2026-04-30"},
            {
                "A-1": ("at_risk", 30, "2026-03-01", True),
                "A-2": ("on_track", 80, "2026-02-10", False),
                "A-3": ("on_track", 60, "2026-04-20", False),
                "B-1": ("not_started", None, "2026-04-05", False),
                "B-2": ("not_assessed", None, None, True),
            },
        ),
    ],
)
def test_the_list_shows_each_commitment_as_it_stood_then(api, time_history, query, expected):
    assert shown(api.get(LIST, query)) == expected


@pytest.mark.parametrize(
    ("known_on", "a2"),
    [
        ("2026-05-01", ("completed", 100)),  # the correction was recorded, not yet approved
        ("2026-05-02", ("on_track", 80)),
    ],
)
def test_a_correction_replaces_what_it_corrects_once_approved(api, time_history, known_on, a2):
    rows = shown(api.get(LIST, {"as_of": "2026-03-01", "known_on": known_on}))
    assert rows["A-2"][:2] == a2


def test_without_a_date_the_list_is_todays(api, time_history):
    rows = shown(api.get(LIST))
    today = shown(api.get(LIST, {"as_of": timezone.localdate().isoformat()}))
    assert rows == today
    assert rows["B-1"] == ("discontinued", None, "2026-05-10", True)


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"as_of": "2026-02-15", "status": "off_track"}, ["A-1"]),
        ({"as_of": "2026-02-15", "known_on": "2026-03-31", "status": "off_track"}, []),
        ({"as_of": "2026-02-15", "known_on": "2026-03-31", "stale": "true"}, ["A-1", "A-3", "B-2"]),
        ({"as_of": "2026-04-30", "stale": "false"}, ["A-2", "A-3", "B-1"]),
        ({"as_of": "2026-04-30", "pillar": "beta"}, ["B-1", "B-2"]),
        ({"as_of": "2026-04-30", "ordering": "-progress"}, ["A-2", "A-3", "A-1", "B-1", "B-2"]),
        (
            {"as_of": "2026-04-30", "updated_since": "2026-04-15T00:00:00Z"},
            ["A-2", "A-3"],  # their updates in effect then were recorded on 1 May and 20 Apr
        ),
    ],
)
def test_every_filter_reads_the_status_then(api, time_history, query, codes):
    response = api.get(LIST, query)
    assert response.status_code == 200, response.json()
    assert [row["code"] for row in response.json()["results"]] == codes


def test_the_detail_shows_the_commitment_and_its_updates_as_known_then(api, time_history):
    response = api.get(f"{LIST}A-2/", {"as_of": "2026-03-01", "known_on": "2026-04-30"})
    body = response.json()
    assert (body["status"], body["progress"], body["as_of"]) == ("completed", 100, "2026-02-10")
    assert [(u["status"], u["corrected_by"]) for u in body["latest_updates"]] == [
        ("completed", None)
    ]
    today = api.get(f"{LIST}A-2/").json()
    assert [u["status"] for u in today["latest_updates"]] == ["on_track", "completed"]


def test_a_commitment_created_after_the_date_is_not_found(api, time_history):
    assert api.get(f"{LIST}B-1/", {"as_of": "2026-03-31"}).status_code == 404
    assert api.get(f"{LIST}B-1/", {"as_of": "2026-04-01"}).json()["status"] == "not_assessed"


def test_the_shipped_roadmap_stands_from_the_day_it_was_adopted(api, roadmap):
    adopted = set(
        Commitment.objects.filter(source_document__slug="paris-roadmap-2019").values_list(
            "code", flat=True
        )
    )

    def listed(day):
        response = api.get(LIST, {"as_of": day, "page_size": 200})
        return {row["code"] for row in response.json()["results"]}

    assert len(adopted) > 20
    assert adopted <= listed("2019-06-25")
    assert not adopted & listed("2019-06-24")


def test_the_csv_has_the_same_rows(api, time_history):
    response = api.get(LIST, {"as_of": "2026-02-15", "known_on": "2026-03-31", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["code"], r["status"], r["progress"], r["is_stale"]) for r in rows] == [
        ("A-1", "on_track", "20", "True"),
        ("A-2", "completed", "100", "False"),
        ("A-3", "not_assessed", "", "True"),
        ("B-2", "not_assessed", "", "True"),
    ]


def test_the_summary_counts_the_commitments_as_they_stood_then(api, time_history):
    body = api.get(SUMMARY, {"as_of": "2026-04-30"}).json()
    by_status = dict.fromkeys(Status.values, 0)
    assert (body["total"], body["average_progress"], body["stale"]) == (5, 56.7, 2)
    assert body["by_status"] == {
        **by_status,
        "at_risk": 1,
        "on_track": 2,
        "not_started": 1,
        "not_assessed": 1,
    }
    pillars = {
        p["slug"]: (
            p["commitments"]["total"],
            p["commitments"]["average_progress"],
            p["commitments"]["stale"],
        )
        for p in body["pillars"]
    }
    assert pillars == {"alpha": (3, 56.7, 1), "beta": (2, None, 1)}
    # The newest recording among the updates in effect: A-2's correction, recorded on 1 May
    # (known today, it is what A-2 stood at on 30 Apr).
    assert body["latest_update_at"] == "2026-05-01T12:00:00Z"


def test_the_summary_as_known_on_a_day(api, time_history):
    body = api.get(SUMMARY, {"as_of": "2026-02-15", "known_on": "2026-03-31"}).json()
    assert (body["total"], body["average_progress"], body["stale"]) == (4, 60.0, 3)
    assert {s: n for s, n in body["by_status"].items() if n} == {
        "on_track": 1,
        "completed": 1,
        "not_assessed": 2,
    }


def test_the_summary_takes_the_lists_filters_as_of_a_date(api, time_history):
    body = api.get(SUMMARY, {"as_of": "2026-04-30", "stale": "true"}).json()
    assert (body["total"], body["by_status"]["at_risk"], body["by_status"]["not_assessed"]) == (
        2,
        1,
        1,
    )


def test_the_summary_as_of_today_is_todays(api, time_history):
    today = api.get(SUMMARY).json()
    as_of = api.get(SUMMARY, {"as_of": timezone.localdate().isoformat()}).json()
    for body in (today, as_of):
        del body["generated_at"]
    # The latest update too: when the newest of the updates in effect (B-1's of 10 May) was
    # recorded, on either read.
    assert today["latest_update_at"] == "2026-05-10T12:00:00Z"
    assert as_of == today


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"as_of": "15/02/2026"}, {"as_of": ["Enter a date as YYYY-MM-DD."]}),
        ({"as_of": "2026-02-30"}, {"as_of": ["Enter a date as YYYY-MM-DD."]}),
        ({"as_of": "2999-01-01"}, {"as_of": ["as_of cannot be in the future (today is {today})."]}),
        (
            {"known_on": "2999-01-01"},
            {"known_on": ["known_on cannot be in the future (today is {today})."]},
        ),
        (
            {"as_of": "2026-03-01", "known_on": "2026-02-01"},
            {
                "known_on": [
                    "known_on cannot be before as_of: nothing recorded by then is dated later. "
                    "Ask for as_of=2026-02-01 instead."
                ]
            },
        ),
    ],
)
@pytest.mark.parametrize("path", [LIST, f"{LIST}A-1/", SUMMARY, "/api/v1/contributions/"])
def test_a_bad_date_is_a_400_naming_it(api, time_history, path, query, errors):
    response = api.get(path, query)
    assert response.status_code == 400
    today = timezone.localdate().isoformat()
    expected = {name: [m.format(today=today) for m in ms] for name, ms in errors.items()}
    assert refusal(response) == expected


def test_the_list_as_of_a_date_takes_a_constant_number_of_queries(
    api, time_history, django_assert_num_queries
):
    # Expect 4 queries, as today: the fingerprint, the count, the page (the update in effect
    # joined to each commitment), and the union of the relations.
    with django_assert_num_queries(4):
        api.get(LIST, {"as_of": "2026-04-30", "known_on": "2026-05-01"})


@pytest.mark.parametrize(
    ("query", "reading_updates"),
    [
        # The count of commitments created by then needs no update: the page alone reads them.
        ({"as_of": "2026-04-30"}, 1),
        # A filter by the status then is counted by it too.
        ({"as_of": "2026-04-30", "status": "on_track"}, 2),
    ],
)
def test_only_the_queries_that_need_the_update_in_effect_read_it(
    api, time_history, django_assert_num_queries, query, reading_updates
):
    with django_assert_num_queries(4) as captured:
        api.get(LIST, query)
    statements = [statement_run(q["sql"]) for q in captured.captured_queries]
    reads = [sql for sql in statements if "commitments_statusupdate" in sql]
    assert len(reads) == reading_updates


def statement_run(sql):
    """The SQL a captured statement ran: that of a statement prepared earlier on the connection
    (raw_sql.execute_prepared) for an EXECUTE of it, which names no table."""
    executed = re.match(r"EXECUTE (prepared_\d+)\b", sql)
    if executed is None:
        return sql
    _, names = connection._prepared_statements
    (prepared,) = [text for text, name in names.items() if name == executed[1]]
    return prepared


def test_the_list_as_of_a_day_is_counted_and_paged_by_statements_prepared_once(
    api, time_history, django_assert_num_queries
):
    api.get(LIST, {"as_of": "2026-02-15"})
    # Expect 4 queries: the fingerprint, the count, the page, the relations. On PostgreSQL
    # the count and the page are the statements that the read of another day prepared.
    with django_assert_num_queries(4) as captured:
        response = api.get(LIST, {"as_of": "2026-04-30"})
    assert shown(response) == {
        "A-1": ("at_risk", 30, "2026-03-01", True),
        "A-2": ("on_track", 80, "2026-02-10", False),
        "A-3": ("on_track", 60, "2026-04-20", False),
        "B-1": ("not_started", None, "2026-04-05", False),
        "B-2": ("not_assessed", None, None, True),
    }
    _, count, page, _ = (q["sql"] for q in captured.captured_queries)
    prepared = connection.vendor == "postgresql"
    assert count.startswith("EXECUTE prepared_") is prepared
    assert page.startswith("EXECUTE prepared_") is prepared


def test_only_the_commitments_as_of_a_day_alone_are_planned_alike_for_every_day(time_history):
    day = datetime.date(2026, 3, 1)
    alone = Commitment.objects.as_of(day, one_plan=True)
    assert alone.plans_alike
    assert alone.rows("code").order_by("-code")[:2].plans_alike
    # The best plan of a filter depends on its values; as_of() alone plans for its day.
    assert not alone.filter(pillar__slug="alpha").plans_alike
    assert not alone.stale().plans_alike
    assert not Commitment.objects.as_of(day).plans_alike
    assert not Commitment.objects.all().plans_alike


@pytest.fixture
def edge_history(time_history, record, reviewer, analyst):
    """Three more commitments of Alpha, created on 1 Jan, for the edges of the rule:

    C-1: on_track 10 as of 1 Mar (recorded and approved 1 Mar); at_risk 20 as of 10 Mar
      (recorded and approved 10 Mar), corrected by not_started as of 1 Apr, recorded and
      approved 20 Apr: a correction recorded after an as-of date, stating a later date still.
    C-2: on_track 40 as of 1 Mar, recorded 1 Mar, approved 5 Mar: approved after a date.
    C-3: two updates as of 1 Mar recorded at the same moment (noon 1 Mar), at_risk 50 then
      off_track 55, both approved; and completed as of 1 Mar, recorded 2 Mar and withdrawn."""
    day = datetime.date
    alpha = Commitment.objects.get(code="A-1").pillar
    document = Commitment.objects.get(code="A-1").source_document
    with at(_noon(1, 1)):
        c1, c2, c3 = (
            CommitmentFactory(code=code, pillar=alpha, source_document=document)
            for code in ("C-1", "C-2", "C-3")
        )

    def update(commitment, recorded, approved=None, **fields):
        with at(recorded):
            made = record(commitment, summary=f"{fields['status']}.", **fields)
        if approved is not None:
            with at(approved):
                approve_or_return(made, reviewer=reviewer, decision="approve")
        return made

    update(c1, _noon(3, 1), _noon(3, 1), status="on_track", progress=10, as_of=day(2026, 3, 1))
    wrong = update(
        c1, _noon(3, 10), _noon(3, 10), status="at_risk", progress=20, as_of=day(2026, 3, 10)
    )
    update(
        c1, _noon(4, 20), _noon(4, 20), status="not_started", as_of=day(2026, 4, 1), corrects=wrong
    )
    update(c2, _noon(3, 1), _noon(3, 5), status="on_track", progress=40, as_of=day(2026, 3, 1))
    for status, progress in (("at_risk", 50), ("off_track", 55)):
        update(
            c3, _noon(3, 1), _noon(3, 1), status=status, progress=progress, as_of=day(2026, 3, 1)
        )
    taken_back = update(c3, _noon(3, 2), status="completed", progress=100, as_of=day(2026, 3, 1))
    with at(_noon(3, 3)):
        withdraw(taken_back, author=analyst)


def then(response, code):
    """(status, progress, as_of, last_approved_at) of one commitment of a list's page."""
    assert response.status_code == 200, response.json()
    (row,) = [row for row in response.json()["results"] if row["code"] == code]
    return row["status"], row["progress"], row["as_of"], row["last_approved_at"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # As known now, the correction replaces at_risk from every date, and states 1 Apr: on
        # 15 Mar what stood is the update before the one it corrects.
        ({"as_of": "2026-03-15"}, ("on_track", 10, "2026-03-01", "2026-03-01T12:00:00Z")),
        # As known on 31 Mar, before the correction was recorded, at_risk stood.
        (
            {"as_of": "2026-03-15", "known_on": "2026-03-31"},
            ("at_risk", 20, "2026-03-10", "2026-03-10T12:00:00Z"),
        ),
        ({"as_of": "2026-04-05"}, ("not_started", None, "2026-04-01", "2026-04-20T12:00:00Z")),
    ],
)
def test_a_correction_recorded_after_the_date_counts_as_known_then(
    api, edge_history, query, expected
):
    assert then(api.get(LIST, query), "C-1") == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Approved on 5 Mar, it counts on 2 Mar as known now, and says when it was approved.
        ({"as_of": "2026-03-02"}, ("on_track", 40, "2026-03-01", "2026-03-05T12:00:00Z")),
        ({"as_of": "2026-03-02", "known_on": "2026-03-04"}, ("not_assessed", None, None, None)),
        (
            {"as_of": "2026-03-02", "known_on": "2026-03-05"},
            ("on_track", 40, "2026-03-01", "2026-03-05T12:00:00Z"),
        ),
    ],
)
def test_an_update_approved_after_the_date_counts_from_its_approval(
    api, edge_history, query, expected
):
    assert then(api.get(LIST, query), "C-2") == expected


def test_of_two_updates_of_the_same_date_and_moment_the_later_recorded_stands(api, edge_history):
    # The withdrawn one, recorded later, never counts.
    assert then(api.get(LIST, {"as_of": "2026-03-31"}), "C-3") == (
        "off_track",
        55,
        "2026-03-01",
        "2026-03-01T12:00:00Z",
    )


def test_an_as_of_read_used_as_a_subquery_chooses_the_same_commitments(edge_history):
    day = datetime.date(2026, 3, 15)
    off_track = Commitment.objects.as_of(day).filter(status_then="off_track").order_by("code")
    chosen = Commitment.objects.filter(pk__in=off_track.values("pk")).order_by("code")
    assert [c.code for c in chosen] == ["C-3"] == [row["code"] for row in off_track.rows("code")]


# Every day the history of edge_history moves, and a day on either side of most.
AS_OF_DAYS = [
    datetime.date(2026, month, day)
    for month, days in [
        (1, [9, 10, 11]),
        (2, [1, 10, 15]),
        (3, [1, 2, 4, 5, 10, 15, 31]),
        (4, [1, 5, 15, 20]),
        (5, [1, 2, 10]),
        (6, [30]),
    ]
    for day in days
]


def test_every_read_as_of_a_day_is_the_newest_update_that_counts_then(edge_history):
    """The join of as_of() against its rule read one commitment at a time: the first of
    in_effect_on(), for every day the history moves, as known now and on each later day."""
    columns = ["current_status", "current_progress", "current_as_of", "last_approved_at"]
    commitments = list(Commitment.objects.order_by("code"))
    joined, ruled = {}, {}
    for day in AS_OF_DAYS:
        for known_on in [None, *(known for known in AS_OF_DAYS if known >= day)]:
            read = Commitment.objects.as_of(day, known_on).order_by("code")
            joined[day, known_on] = [[row[c] for c in columns] for row in read.rows(*columns)]
            ruled[day, known_on] = [
                _in_effect(commitment, day, known_on)
                for commitment in commitments
                if commitment.created_at.date() <= day
            ]
    assert joined == ruled


def test_a_page_as_of_any_day_read_by_its_prepared_statement_is_what_the_orm_reads(
    edge_history,
):
    """The page and the count of the commitments as of a day alone are one statement each for
    every day, prepared once per connection (as_of's one_plan: on PostgreSQL a generic plan
    from the sixth run): for every day, what the ORM reads of as_of()."""
    columns = CommitmentSerializer.columns()
    for day in [datetime.date(2025, 12, 31), *AS_OF_DAYS]:
        for known_on in [None, day]:
            alone = Commitment.objects.as_of(day, known_on, one_plan=True)
            read = Commitment.objects.as_of(day, known_on)
            assert alone.count() == read.count()
            page = read_values(alone.rows(*columns)[1:5])
            assert page == list(read.rows(*columns)[1:5])
            assert len(page) == min(4, max(read.count() - 1, 0))


def _in_effect(commitment, day, known_on):
    update = (
        StatusUpdate.objects.in_effect_on(day, known_on)
        .filter(commitment=commitment)
        .select_related("review")
        .first()
    )
    if update is None:
        return [Status.NOT_ASSESSED, None, None, None]
    return [update.status, update.progress, update.as_of, update.review.decided_at]


def test_the_summary_as_of_a_date_takes_5_queries(api, time_history, django_assert_num_queries):
    # Expect 5 queries: the fingerprint, the check of the pillar's slug, the counts on the
    # day (one query, status_counts_on, whatever the history), those of them resting on B2
    # evidence then (summary.rests_on_evidence), the pillars.
    with django_assert_num_queries(5):
        api.get(SUMMARY, {"as_of": "2026-04-30", "pillar": "alpha"})


@pytest.fixture
def contributions(time_history, analyst):
    """Two pledges to A-1: 1,000 made 1 Feb (recorded then), corrected to 1,500 on 1 Apr;
    and 500 made 1 Mar, recorded 20 Mar."""
    partner = PartnerFactory(slug="donor")
    a1 = Commitment.objects.get(code="A-1")

    def pledge(amount, date, recorded, **fields):
        with at(datetime.datetime.combine(recorded, datetime.time(12), datetime.UTC)):
            return record_contribution(
                partner=partner,
                commitment=a1,
                author=analyst,
                kind=Contribution.Kind.FUNDS_PLEDGED,
                amount=amount,
                currency="USD",
                date=date,
                **fields,
            )

    first = pledge(1000, datetime.date(2026, 2, 1), datetime.date(2026, 2, 1))
    pledge(500, datetime.date(2026, 3, 1), datetime.date(2026, 3, 20))
    pledge(1500, datetime.date(2026, 2, 1), datetime.date(2026, 4, 1), corrects=first)


@pytest.mark.parametrize(
    ("query", "pledged"),
    [
        ({}, "2000.00"),
        ({"as_of": "2026-02-15"}, "1500.00"),
        ({"as_of": "2026-03-10"}, "2000.00"),
        ({"as_of": "2026-03-10", "known_on": "2026-03-10"}, "1000.00"),
        ({"known_on": "2026-03-31"}, "1500.00"),
    ],
)
def test_the_matrix_adds_up_what_was_made_and_known_then(api, contributions, query, pledged):
    response = api.get("/api/v1/contributions/matrix/", query)
    assert response.status_code == 200, response.json()
    assert response.json()["overall"]["funds"][0]["pledged"] == pledged


def test_the_contribution_list_as_known_on_a_day(api, contributions):
    response = api.get("/api/v1/contributions/", {"known_on": "2026-03-31"})
    rows = [(r["amount"], r["corrected_by"]) for r in response.json()["results"]]
    assert rows == [("500.00", None), ("1000.00", None)]
