"""Dependencies between commitments: recorded by Editors with a note, never in a cycle (refused
with the path named), removals kept in the history; and slip alerts, when an approved update
moves a commitment to at risk or off track: its dependents' owners, to a depth of 3, are
emailed once, and webhooks are told by a dependency.slipped event."""

import datetime
import io
import itertools

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from commitments.imports import parse_csv
from commitments.models import Dependency, Event, EventType, SlipAlert, WebhookEndpoint
from commitments.roles import COALITION, SECRETARIAT
from commitments.services import (
    add_dependency,
    approve_or_return,
    import_status_updates,
    record_status_update,
    remove_dependency,
    send_slip_alerts,
)
from tests.factories import CommitmentFactory, UserFactory
from tests.threads import at_once


@pytest.fixture
def chain(db):
    """MIL-1 ← STB-1 ← RET-1 ← GOV-1 ← ECO-1: each depends on the one before it, and each
    has an owner of its own."""
    codes = ["MIL-1", "STB-1", "RET-1", "GOV-1", "ECO-1"]
    commitments = {}
    for code in codes:
        owner = UserFactory(username=f"owner-{code.lower()}", email=f"{code.lower()}@example.org")
        commitments[code] = CommitmentFactory(code=code, title=f"Title of {code}", owner=owner)
    for before, after in itertools.pairwise(codes):
        add_dependency(commitment=commitments[after], depends_on=commitments[before])
    return commitments


def test_an_editor_records_a_dependency_with_a_note(editor):
    stb, mil = CommitmentFactory(code="STB-1"), CommitmentFactory(code="MIL-1")
    dependency = add_dependency(
        commitment=stb, depends_on=mil, note="  Stabilization needs security. ", author=editor
    )
    assert str(dependency) == "STB-1 depends on MIL-1"
    assert dependency.note == "Stabilization needs security."
    assert dependency.history.get().history_user == editor


def test_a_commitment_cannot_depend_on_itself(db):
    mil = CommitmentFactory(code="MIL-1")
    with pytest.raises(ValidationError) as refusal:
        add_dependency(commitment=mil, depends_on=mil)
    assert refusal.value.message_dict == {"depends_on": ["A commitment cannot depend on itself."]}


def test_a_dependency_is_recorded_once(db):
    stb, mil = CommitmentFactory(code="STB-1"), CommitmentFactory(code="MIL-1")
    add_dependency(commitment=stb, depends_on=mil)
    with pytest.raises(ValidationError) as refusal:
        add_dependency(commitment=stb, depends_on=mil)
    assert refusal.value.message_dict == {"depends_on": ["STB-1 depends on MIL-1 already."]}


def test_a_direct_cycle_is_refused_with_its_path(db):
    stb, mil = CommitmentFactory(code="STB-1"), CommitmentFactory(code="MIL-1")
    add_dependency(commitment=mil, depends_on=stb)
    with pytest.raises(ValidationError) as refusal:
        add_dependency(commitment=stb, depends_on=mil)
    assert refusal.value.message_dict == {
        "depends_on": [
            "MIL-1 already depends on STB-1 (MIL-1 → STB-1): STB-1 cannot depend on MIL-1."
        ]
    }
    assert Dependency.objects.count() == 1


def test_a_longer_cycle_is_refused_with_its_path(chain):
    # ECO-1 depends on MIL-1 through three others: MIL-1 cannot depend on ECO-1.
    with pytest.raises(ValidationError) as refusal:
        add_dependency(commitment=chain["MIL-1"], depends_on=chain["ECO-1"])
    assert refusal.value.message_dict == {
        "depends_on": [
            "ECO-1 already depends on MIL-1 (ECO-1 → GOV-1 → RET-1 → STB-1 → MIL-1): MIL-1 "
            "cannot depend on ECO-1."
        ]
    }


def test_a_removal_is_kept_in_the_history(editor):
    stb, mil = CommitmentFactory(code="STB-1"), CommitmentFactory(code="MIL-1")
    dependency = add_dependency(commitment=stb, depends_on=mil, note="Needs it.", author=editor)
    remove_dependency(dependency, by=editor)
    assert not Dependency.objects.exists()
    removed, added = Dependency.history.all()
    assert (removed.history_type, removed.history_user, removed.note) == ("-", editor, "Needs it.")
    assert added.history_type == "+"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writers take turns")
@pytest.mark.django_db(transaction=True)
def test_two_adds_at_once_cannot_close_a_cycle():
    stb, mil = CommitmentFactory(code="STB-1"), CommitmentFactory(code="MIL-1")
    results = at_once(
        [
            lambda: add_dependency(commitment=stb, depends_on=mil),
            lambda: add_dependency(commitment=mil, depends_on=stb),
        ]
    )
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(refused) == 1
    assert "cannot depend on" in refused[0].message_dict["depends_on"][0]
    assert Dependency.objects.count() == 1


# Slips.


AS_OF = datetime.date(2024, 1, 15)


def _slip(commitment, analyst, reviewer, status="at_risk", **fields):
    """An update of `commitment` to `status`, approved by a reviewer."""
    update = record_status_update(
        commitment=commitment,
        author=analyst,
        status=status,
        as_of=fields.pop("as_of", AS_OF),
        summary=fields.pop("summary", "Security forces withdrew from two districts."),
        **fields,
    )
    approve_or_return(update, reviewer=reviewer, decision="approve")
    return update


def _slip_events():
    return list(Event.objects.filter(type=EventType.DEPENDENCY_SLIPPED))


def _send_queued():
    """Runs the slip alert tasks queued, as a worker would; returns how many were sent."""
    return sum(
        send_slip_alerts(*task.args_kwargs["args"])
        for task in DBTaskResult.objects.filter(task_path__endswith="send_slip_alerts")
    )


@pytest.fixture
def approve(review_required, analyst, reviewer, django_capture_on_commit_callbacks):
    # The secretariat's analyst and reviewer, who may mark and read an update of any marking.
    for person in (analyst, reviewer):
        person.groups.add(Group.objects.get(name=SECRETARIAT))

    def approve(commitment, status="at_risk", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return _slip(commitment, analyst, reviewer, status, **fields)

    return approve


def test_an_approval_to_at_risk_alerts_the_owners_of_dependents_to_depth_3(
    chain, approve, mailoutbox
):
    update = approve(chain["MIL-1"], "on_track")
    assert not _slip_events()
    update = approve(chain["MIL-1"], "at_risk", as_of=AS_OF + datetime.timedelta(days=1))
    (event,) = _slip_events()
    assert event.public
    assert event.subject_url == f"/api/v1/updates/{update.pk}/"
    assert event.data == {
        "commitment": "MIL-1",
        "title": "Title of MIL-1",
        "url": "/api/v1/commitments/MIL-1/",
        "from": "on_track",
        "from_label": "On track",
        "to": "at_risk",
        "to_label": "At risk",
        "update": {
            "id": update.pk,
            "url": f"/api/v1/updates/{update.pk}/",
            "as_of": "2024-01-16",
            "summary": "Security forces withdrew from two districts.",
            "releasability": "public",
        },
        "dependents": [
            {"code": "STB-1", "title": "Title of STB-1", "depth": 1, "via": []},
            {"code": "RET-1", "title": "Title of RET-1", "depth": 2, "via": ["STB-1"]},
            {"code": "GOV-1", "title": "Title of GOV-1", "depth": 3, "via": ["STB-1", "RET-1"]},
        ],
    }
    assert _send_queued() == 3
    # ECO-1, at depth 4, is not alerted.
    assert sorted(message.to[0] for message in mailoutbox) == [
        "gov-1@example.org",
        "ret-1@example.org",
        "stb-1@example.org",
    ]
    to_ret = next(message for message in mailoutbox if message.to == ["ret-1@example.org"])
    assert to_ret.subject == "Roadmap Tracker: MIL-1, which yours depends on, is now at risk"
    assert "MIL-1 Title of MIL-1 has slipped: it moved from On track to At risk" in to_ret.body
    assert '"Security forces withdrew from two districts."' in to_ret.body
    assert "- RET-1 Title of RET-1\n  It depends on it through STB-1." in to_ret.body


def test_an_owner_of_several_dependents_gets_one_email_listing_them(chain, approve, mailoutbox):
    owner = chain["STB-1"].owner
    for code in ["RET-1", "GOV-1"]:
        chain[code].owner = owner
        chain[code].save()
    approve(chain["MIL-1"], "off_track")
    assert _send_queued() == 1
    (message,) = mailoutbox
    assert message.subject == (
        "Roadmap Tracker: MIL-1, which 3 of yours depend on, is now off track"
    )
    assert (
        message.body.index("- STB-1")
        < message.body.index("- RET-1")
        < message.body.index("- GOV-1")
    )
    assert SlipAlert.objects.get().commitments == 3


def test_no_alert_is_sent_twice_for_the_same_slip(chain, approve, mailoutbox):
    approve(chain["MIL-1"], "at_risk")
    assert _send_queued() == 3
    # The task run again (a duplicate, a second worker), or the command: nothing more.
    assert _send_queued() == 0
    assert len(mailoutbox) == 3


def test_a_correction_with_the_same_status_is_not_a_new_slip(chain, approve, mailoutbox):
    slipped = approve(chain["MIL-1"], "at_risk")
    approve(chain["MIL-1"], "at_risk", corrects=slipped, summary="Three districts, not two.")
    assert len(_slip_events()) == 1


def test_a_correction_that_makes_it_worse_is_a_new_slip(chain, approve):
    slipped = approve(chain["MIL-1"], "at_risk")
    approve(chain["MIL-1"], "off_track", corrects=slipped)
    assert [(event.data["from"], event.data["to"]) for event in _slip_events()] == [
        ("not_assessed", "at_risk"),
        ("at_risk", "off_track"),
    ]


@pytest.mark.parametrize("status", ["on_track", "completed", "not_started"])
def test_no_alert_for_a_status_that_is_no_slip(chain, approve, status):
    approve(chain["MIL-1"], status)
    assert not _slip_events()


def test_off_track_to_at_risk_is_no_slip(chain, approve):
    approve(chain["MIL-1"], "off_track")
    approve(chain["MIL-1"], "at_risk", as_of=AS_OF + datetime.timedelta(days=1))
    assert [event.data["to"] for event in _slip_events()] == ["off_track"]


def test_an_older_assessment_that_changes_nothing_is_no_slip(chain, approve):
    approve(chain["MIL-1"], "on_track")
    approve(chain["MIL-1"], "off_track", as_of=AS_OF - datetime.timedelta(days=30))
    assert not _slip_events()


def test_a_commitment_nothing_depends_on_does_not_slip_for_anyone(chain, approve):
    approve(chain["ECO-1"], "off_track")
    assert not _slip_events()


def test_a_coalition_slip_alerts_only_owners_cleared_for_it(chain, approve, mailoutbox):
    chain["RET-1"].owner.groups.add(Group.objects.get(name=COALITION))
    approve(chain["MIL-1"], "on_track")
    approve(
        chain["MIL-1"],
        "off_track",
        as_of=AS_OF + datetime.timedelta(days=1),
        releasability="coalition",
    )
    (event,) = _slip_events()
    # For the coalition: the public (and webhooks of public clearance) read MIL-1 on track still.
    assert event.releasability == "coalition"
    assert (event.data["from"], event.data["to"]) == ("on_track", "off_track")
    assert _send_queued() == 1
    assert [message.to for message in mailoutbox] == [["ret-1@example.org"]]


def test_owners_who_left_or_have_no_email_are_not_alerted(chain, approve, mailoutbox):
    chain["STB-1"].owner.is_active = False
    chain["STB-1"].owner.save()
    chain["RET-1"].owner.email = ""
    chain["RET-1"].owner.save()
    approve(chain["MIL-1"], "at_risk")
    assert _send_queued() == 1
    assert [message.to for message in mailoutbox] == [["gov-1@example.org"]]


def test_an_update_approved_on_submission_slips_too(
    chain, analyst, mailoutbox, django_capture_on_commit_callbacks
):
    # Review off (the tests' default): approved as it is recorded.
    with django_capture_on_commit_callbacks(execute=True):
        record_status_update(
            commitment=chain["STB-1"],
            author=analyst,
            status="at_risk",
            as_of=AS_OF,
            summary="Funding shortfall.",
        )
    (event,) = _slip_events()
    assert [row["code"] for row in event.data["dependents"]] == ["RET-1", "GOV-1", "ECO-1"]
    assert _send_queued() == 3


def test_an_import_approved_on_submission_slips_once_per_commitment(
    chain, analyst, django_capture_on_commit_callbacks
):
    table = parse_csv(
        b"commitment,status,as_of,summary\n"
        b"MIL-1,at_risk,2024-01-10,First warning.\n"
        b"MIL-1,off_track,2024-01-12,Withdrawal.\n"
        b"ECO-1,off_track,2024-01-12,Nothing depends on it.\n",
        name="updates.csv",
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_status_updates(table, author=analyst)
    (event,) = _slip_events()
    assert (event.data["from"], event.data["to"]) == ("not_assessed", "off_track")
    assert event.data["update"]["summary"] == "Withdrawal."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writers take turns")
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_alerts_send_each_once(
    chain, review_required, analyst, reviewer, mailoutbox
):
    _slip(chain["MIL-1"], analyst, reviewer, "off_track")
    (event,) = _slip_events()
    sent = at_once([lambda: send_slip_alerts(event.pk), lambda: send_slip_alerts(event.pk)])
    assert sorted(sent) == [0, 3] or sum(sent) == 3
    assert len(mailoutbox) == 3
    assert SlipAlert.objects.count() == 3


def test_a_slip_is_delivered_to_webhooks_that_want_it_and_read_in_the_events_stream(
    chain, approve, editor, api
):
    wants = WebhookEndpoint.objects.create(
        url="https://hooks.example.org/slips", owner=editor, event_types=["dependency.slipped"]
    )
    WebhookEndpoint.objects.create(
        url="https://hooks.example.org/other", owner=editor, event_types=["commitment.changed"]
    )
    approve(chain["MIL-1"], "off_track")
    (event,) = _slip_events()
    assert [delivery.endpoint for delivery in event.webhook_deliveries.all()] == [wants]
    listed = api.get("/api/v1/events/", {"type": "dependency.slipped"}).json()["results"]
    assert [(row["type"], row["commitment"], row["data"]["to"]) for row in listed] == [
        ("dependency.slipped", "MIL-1", "off_track")
    ]


def test_a_coalition_slip_is_not_in_the_publics_events_nor_sent_to_webhooks(
    chain, approve, editor, api
):
    WebhookEndpoint.objects.create(url="https://hooks.example.org/all", owner=editor)
    approve(chain["MIL-1"], "off_track", releasability="coalition")
    (event,) = _slip_events()
    assert not event.webhook_deliveries.exists()
    assert api.get("/api/v1/events/", {"type": "dependency.slipped"}).json()["results"] == []


def test_the_command_sends_what_no_task_sent_and_nothing_twice(chain, approve, mailoutbox):
    approve(chain["MIL-1"], "at_risk")  # its task queued, never run (a lost queue)
    out = io.StringIO()
    call_command("send_slip_alerts", stdout=out)
    assert out.getvalue() == "3 slip alerts sent.\n"
    call_command("send_slip_alerts", stdout=out)
    assert len(mailoutbox) == 3
