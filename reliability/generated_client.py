"""The API as a generated client sees it: the Python client that openapi-python-client
generates from docs/openapi.yaml (`make clients`), used as its users would, against gunicorn
with a fresh SQLite database, the Roadmap loaded and an Analyst's API token.

Each step is one thing a client relies on; each runs even when another failed, and each
failure is printed with its cause. The steps are written to the contract as it should be:
reads need no token, an absent value is null (never ""), every status the server answers is
one the schema declares (the client raises on any other), and errors parse into typed models.

Run by .ci/run (make client-test, after make clients). Exits non-zero when any step fails.
"""

import contextlib
import datetime
import enum
import importlib
import inspect
import io
import json
import socket
import sys
import tempfile
import time
import traceback
import typing
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml
from server import ROOT, environment, gunicorn, populate, robot_token

sys.path.insert(0, str(ROOT / "var" / "clients" / "python"))

from roadmap_client import AuthenticatedClient, Client
from roadmap_client.models import Problem


def operation(operation_id):
    """The generated module of an operation, in whichever tag's folder the generator put it."""
    api = ROOT / "var" / "clients" / "python" / "roadmap_client" / "api"
    (module,) = api.glob(f"*/{operation_id}.py")
    return importlib.import_module(f"roadmap_client.api.{module.parent.name}.{operation_id}")


commitments_list = operation("commitments_list")
commitments_matrix_retrieve = operation("commitments_matrix_retrieve")
events_list = operation("events_list")
commitments_retrieve = operation("commitments_retrieve")
commitments_updates_create = operation("commitments_updates_create")
summary_retrieve = operation("summary_retrieve")
updates_list = operation("updates_list")
updates_review_create = operation("updates_review_create")

# Status updates recorded before the steps run, over plain HTTP (not the generated client, so
# that a step does not depend on another): (code, status, progress). Their optional fields
# (confidence, evidence, corrects) are left out.
SEEDED = [("MIL-1", "on_track", 30), ("MIL-2", "at_risk", 30), ("MIL-3", "off_track", 80)]

STEPS = []


def step(function):
    STEPS.append(function)
    return function


class Run:
    """What the steps share: a client without a token, one with an Analyst's, and one with a
    Reviewer's."""

    def __init__(self, base, token, reviewer_token):
        self.base, self.token = base, token
        # Any status the schema does not declare for an operation is a failure, not a None.
        self.public = Client(base_url=base, raise_on_unexpected_status=True, timeout=10)
        # The generated client's own defaults (prefix "Bearer"): no hand-editing.
        self.analyst = AuthenticatedClient(
            base_url=base, token=token, raise_on_unexpected_status=True, timeout=10
        )
        self.reviewer = AuthenticatedClient(
            base_url=base, token=reviewer_token, raise_on_unexpected_status=True, timeout=10
        )


def schema():
    """The schema the client was generated from."""
    return yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())


def today():
    return datetime.datetime.now(datetime.UTC).date()


def typed_list(function, parameter, values):
    """`values` for a repeatable parameter, as the generated client types it: a list of its
    enum, a list of strings, or one comma-separated string."""
    hint = typing.get_type_hints(function)[parameter]
    for arg in typing.get_args(hint):
        if typing.get_origin(arg) is list:
            (item,) = typing.get_args(arg)
            return [item(value) for value in values]
    return ",".join(values)


def typed_enum(function, parameter, value):
    """`value` for a parameter of one of a few values, as the generated client types it: its
    enum."""
    hint = typing.get_type_hints(function)[parameter]
    (enum_type,) = [arg for arg in typing.get_args(hint) if isinstance(arg, enum.EnumMeta)]
    return enum_type(value)


def status_update(**fields):
    """The generated request body of a status update, from its JSON."""
    body = typing.get_type_hints(commitments_updates_create.sync_detailed)["body"]
    return body.from_dict({"as_of": today().isoformat(), **fields})


def all_pages(fetch, following):
    """Every item of a paginated list, following its `next` links with `following(query)`."""
    page = fetch()
    items = list(page.results)
    while page.next_:
        page = following(parse_qs(urlsplit(page.next_).query))
        items.extend(page.results)
    return items


@step
def reads_need_no_token(run):
    """Every GET of the schema lists anonymous access ({}) among its security requirements,
    and a Client without a token reads. (openapi-python-client types every operation that has
    security requirements as taking an AuthenticatedClient, even with {} among them.)"""
    demanding = [
        spec["operationId"]
        for path in schema()["paths"].values()
        for method, spec in path.items()
        if method == "get" and {} not in spec.get("security", [{}])
    ]
    assert not demanding, f"the schema demands a token to read: {', '.join(demanding)}"
    assert summary_retrieve.sync_detailed(client=run.public).status_code == 200


@step
def a_list_filtered_by_pillar_status_and_place(run):
    """Repeated filters, each as the generated client sends it; a place includes the places
    within it."""
    status = typed_list(commitments_list.sync_detailed, "status", ["at_risk", "off_track"])
    page = commitments_list.sync(
        client=run.public, pillar=["military"], status=status, page_size=200
    )
    assert sorted(c.code for c in page.results) == ["MIL-2", "MIL-3"], page.results
    assert {c.status.value for c in page.results} == {"at_risk", "off_track"}
    syria = commitments_list.sync(client=run.public, place=["syria"], page_size=200)
    places = {ref.slug for c in syria.results for ref in c.places}
    assert syria.count == len(syria.results) > 0
    assert places - {"syria"}, f"syria should find the places within it too, found {places}"


@step
def a_list_ordered_by_two_keys(run):
    """`ordering` with two keys, as the generated client types the parameter (a list, or a
    comma-separated string), is the order served."""
    keys = ["-progress", "-code"]
    ordering = typed_list(commitments_list.sync_detailed, "ordering", keys)
    served = commitments_list.sync(client=run.public, ordering=ordering, page_size=200).results
    # Never-assessed commitments last in either direction (their progress is null).
    expected = sorted(served, key=lambda c: c.code, reverse=True)
    expected.sort(key=lambda c: (c.progress is None, -(c.progress or 0)))
    assert [c.code for c in served] == [c.code for c in expected], (
        f"asked for ordering {keys} as {ordering!r}, served "
        f"{[(c.code, c.progress) for c in served[:5]]}..."
    )


@step
def a_list_paged_through_its_next_links(run):
    """Page after page, from each `next` link, every commitment exactly once."""
    codes = [
        c.code
        for c in all_pages(
            lambda: commitments_list.sync(client=run.public, page_size=7),
            lambda query: commitments_list.sync(
                client=run.public, page=int(query["page"][0]), page_size=7
            ),
        )
    ]
    count = commitments_list.sync(client=run.public).count
    assert len(codes) == len(set(codes)) == count, (len(codes), len(set(codes)), count)


@step
def a_commitment_with_an_update_whose_optional_fields_were_left_out(run):
    """Its latest update, recorded without confidence, has it null."""
    detail = commitments_retrieve.sync(client=run.public, code="MIL-1")
    latest = detail.latest_updates[0]
    assert (latest.status.value, latest.progress) == ("on_track", 30)
    assert latest.confidence is None, f"confidence is {latest.confidence!r}"


@step
def the_feed_followed_through_its_cursor(run):
    """The feed, two a page, from each `next` cursor: every update once, newest first."""
    updates = all_pages(
        lambda: updates_list.sync(client=run.public, page_size=2),
        lambda query: updates_list.sync(client=run.public, cursor=query["cursor"][0], page_size=2),
    )
    recorded = [u.created_at for u in updates]
    assert len({u.id for u in updates}) == len(updates)
    assert recorded == sorted(recorded, reverse=True)
    seeded = [u for u in updates if u.commitment in {code for code, _, _ in SEEDED}]
    assert len(seeded) == len(SEEDED)
    blanks = [(u.commitment, u.confidence) for u in seeded]
    assert {blank[1:] for blank in blanks} == {(None,)}, blanks


@step
def the_summary(run):
    """Totals that agree with the list."""
    summary = summary_retrieve.sync(client=run.public)
    total = commitments_list.sync(client=run.public).count
    by_status = summary.by_status.to_dict()
    assert summary.total == total == sum(by_status.values()), (summary.total, total, by_status)
    assert by_status["at_risk"] >= 1


@step
def a_status_update_posted_with_a_token(run):
    """201 with the update as recorded, and its Location; sent again with its Idempotency-Key,
    as after a dropped connection, the same update, not a second one."""
    body = status_update(
        status="completed",
        summary="Recorded through the generated client.",
        progress=100,
        confidence="high",
    )
    key = str(uuid.uuid4())
    response = commitments_updates_create.sync_detailed(
        client=run.analyst, code="FTF-1", body=body, idempotency_key=key
    )
    retry = commitments_updates_create.sync_detailed(
        client=run.analyst, code="FTF-1", body=body, idempotency_key=key
    )
    assert response.status_code == 201, response.content
    assert retry.status_code == 201, retry.content
    assert retry.parsed.to_dict() == response.parsed.to_dict()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in response.headers
    update = response.parsed
    assert update.commitment == "FTF-1"
    # Parsed into the generated enums, not left as strings.
    assert isinstance(update.status, enum.Enum), repr(update.status)
    assert isinstance(update.confidence, enum.Enum), repr(update.confidence)
    assert (update.status.value, update.confidence.value) == ("completed", "high")
    assert response.headers["Location"] == update.url
    assert update.review_state.value == "pending", update.review_state


@step
def a_pending_update_approved_by_a_reviewer(run):
    """The reviewer's decision (201, typed), after which the update counts; a second decision
    is a 409 parsed into the generated error model."""
    created = commitments_updates_create.sync(
        client=run.analyst,
        code="HUM-1",
        body=status_update(status="at_risk", summary="Awaiting a reviewer.", progress=20),
    )
    body_type = typing.get_type_hints(updates_review_create.sync_detailed)["body"]
    approve = body_type.from_dict({"decision": "approve"})
    key = str(uuid.uuid4())
    response = updates_review_create.sync_detailed(
        client=run.reviewer, id=created.id, body=approve, idempotency_key=key
    )
    assert response.status_code == 201, response.content
    assert (response.parsed.update, response.parsed.decision.value) == (created.id, "approve")
    # A retry with the key is the decision made, not a 409.
    retry = updates_review_create.sync_detailed(
        client=run.reviewer, id=created.id, body=approve, idempotency_key=key
    )
    assert retry.status_code == 201, retry.content
    assert retry.parsed.to_dict() == response.parsed.to_dict()
    assert retry.headers["Idempotent-Replayed"] == "true"
    detail = commitments_retrieve.sync(client=run.public, code="HUM-1")
    assert (detail.status.value, detail.progress) == ("at_risk", 20)
    again = updates_review_create.sync_detailed(client=run.reviewer, id=created.id, body=approve)
    assert again.status_code == 409, again.status_code
    assert "already" in again.parsed.detail


@step
def a_400_parsed_as_a_typed_error(run):
    """A progress over 100 is a 400 whose body parses into a generated model naming the field."""
    response = commitments_updates_create.sync_detailed(
        client=run.analyst,
        code="FTF-1",
        body=status_update(status="on_track", summary="Too much progress.", progress=101),
    )
    assert response.status_code == 400, response.content
    assert response.headers["Content-Type"] == "application/problem+json", response.headers
    error = response.parsed
    assert type(error).__module__.startswith("roadmap_client.models"), f"parsed as {error!r}"
    assert (error.status, error.code) == (400, "invalid"), error.to_dict()
    assert "progress" in error.errors.to_dict(), error.to_dict()


@step
def an_unknown_parameter_is_a_400_naming_it(run):
    """A misspelt filter (which the generated client cannot send: sent by hand) is refused,
    with a problem that the generated model reads, naming it and what was meant."""
    response = run.public.get_httpx_client().get("/api/v1/commitments/", params={"pilar": "x"})
    assert response.status_code == 400, response.content
    problem = Problem.from_dict(response.json())
    assert problem.code == "unknown_parameter", problem.to_dict()
    assert "did you mean 'pillar'" in problem.errors.to_dict()["pilar"][0], problem.to_dict()


@step
def a_page_links_to_the_next_and_says_the_rate_limit(run):
    """The Link header's next page is the body's `next`; RateLimit headers on every answer."""
    response = commitments_list.sync_detailed(client=run.public, page_size=7)
    assert response.headers["Link"] == f'<{response.parsed.next_}>; rel="next"', response.headers
    assert response.headers["RateLimit-Policy"].startswith('"anon";q='), response.headers
    assert response.headers["RateLimit"].startswith('"anon";r='), response.headers


@step
def the_events_stream_read_on_from_where_it_stopped(run):
    """The events, oldest first, through their cursor: an anonymous reader sees HUM-1's
    approval (a step above) and no review work in progress; the Analyst sees the submissions
    too; since= the last id seen gives only what came after."""
    public = all_pages(
        lambda: events_list.sync(client=run.public, page_size=2),
        lambda query: events_list.sync(client=run.public, cursor=query["cursor"][0], page_size=2),
    )
    types = [event.type_.value for event in public]
    ids = [event.id for event in public]
    assert ids == sorted(ids), ids
    assert len(set(ids)) == len(ids), ids
    assert "update.approved" in types, types
    assert "update.submitted" not in types, types
    approved = next(
        e for e in public if e.type_.value == "update.approved" and e.commitment == "HUM-1"
    )
    assert approved.subject_url.startswith("/api/v1/updates/"), approved.subject_url
    assert approved.data.to_dict()["status"] == "at_risk", approved.data.to_dict()
    staff = events_list.sync(
        client=run.analyst, type_=typed_list(events_list.sync, "type_", ["update.submitted"])
    )
    assert staff.results, staff.to_dict()
    assert {e.type_.value for e in staff.results} == {"update.submitted"}
    later = events_list.sync(client=run.public, since=ids[-2])
    assert [event.id for event in later.results] == ids[-1:], later.to_dict()


@step
def a_heatmap_in_one_read(run):
    """The matrix: each commitment's status at the end of each month, typed; its last column
    agrees with the list as it is today."""
    start = (today().replace(day=1) - datetime.timedelta(days=60)).replace(day=1)
    matrix = commitments_matrix_retrieve.sync(
        client=run.public,
        from_=start,
        to=today(),
        interval=typed_enum(commitments_matrix_retrieve.sync, "interval", "month"),
    )
    assert matrix.dates[-1] == today(), matrix.dates
    assert len(matrix.dates) == 3, matrix.dates
    last = {row.code: row.cells[-1].status.value for row in matrix.commitments}
    listed = all_pages(
        lambda: commitments_list.sync(client=run.public, page_size=100),
        lambda query: commitments_list.sync(
            client=run.public, page=int(query["page"][0]), page_size=100
        ),
    )
    assert last == {c.code: c.status.value for c in listed}, (last, listed)


@step
def an_idempotency_key_reused_for_another_body_is_a_typed_422(run):
    """The same key with another request is refused, with a message, and writes nothing."""
    key = str(uuid.uuid4())
    first = commitments_updates_create.sync_detailed(
        client=run.analyst,
        code="STB-1",
        body=status_update(status="on_track", summary="First.", progress=10),
        idempotency_key=key,
    )
    reused = commitments_updates_create.sync_detailed(
        client=run.analyst,
        code="STB-1",
        body=status_update(status="on_track", summary="Another.", progress=10),
        idempotency_key=key,
    )
    assert first.status_code == 201, first.content
    assert reused.status_code == 422, reused.content
    assert "Idempotency-Key" in reused.parsed.detail, reused.parsed


@step
def a_304_when_the_etag_still_holds(run):
    """The ETag of a read, sent back in If-None-Match, gets a 304 with no body."""
    first = summary_retrieve.sync_detailed(client=run.public)
    etag = first.headers["ETag"]
    if "if_none_match" in inspect.signature(summary_retrieve.sync_detailed).parameters:
        again = summary_retrieve.sync_detailed(client=run.public, if_none_match=etag)
    else:
        client = run.public.with_headers({"If-None-Match": etag})
        again = summary_retrieve.sync_detailed(client=client)
    assert again.status_code == 304, again.status_code
    assert again.parsed is None
    assert again.content == b""


# The README's recipe for a client of one's own: the fenced python block after this comment
# (README.md), with these placeholders in it.
README_MARKER = "<!-- client-test: the python block below runs in make client-test"
README_PLACEHOLDERS = ("https://roadmap.example.org", "your-api-token")


def readme_recipe(base, token):
    """The README's recipe, its placeholders replaced by `base` and `token`."""
    readme = (ROOT / "README.md").read_text()
    assert readme.count(README_MARKER) == 1, "README.md should mark its recipe once"
    after = readme.split(README_MARKER, 1)[1]
    opening = after.index("```python\n")
    assert not after[:opening].split("-->", 1)[1].strip(), "the recipe should follow its marker"
    code = after[opening:].split("\n", 1)[1].split("\n```", 1)[0]
    for placeholder, value in zip(README_PLACEHOLDERS, (base, token), strict=True):
        assert f'"{placeholder}"' in code, f"the recipe should name {placeholder}"
        code = code.replace(f'"{placeholder}"', repr(value))
    return code


@step
def the_readmes_recipe_runs_as_written(run):
    """The README's recipe: an anonymous read with a plain Client, and a status update posted
    with an Analyst's token, pending review. Last, so that its update is there for no other
    step."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(readme_recipe(run.base, run.token), "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert any(line.startswith("MIL-1 ") for line in lines), lines
    assert lines[-1].endswith(" pending"), lines


def explain(error):
    """The error, and the line of this script or of the generated client that raised it."""
    frames = traceback.extract_tb(error.__traceback__)
    where = [frame for frame in frames if frame.filename.startswith(str(ROOT))][-1]
    message = "".join(traceback.format_exception_only(error)).strip()
    lines = [f"{Path(where.filename).relative_to(ROOT)}:{where.lineno}: {where.line}"]
    lines += message.splitlines()
    return "\n".join(f"     {line}" for line in lines if line.strip())


def seed(base, token, reviewer_token):
    """Records SEEDED through the API, as any client would, but not through the one under test,
    and has a reviewer approve each (review is required, as in production)."""
    for code, status, progress in SEEDED:
        body = {
            "status": status,
            "progress": progress,
            "as_of": today().isoformat(),
            "summary": f"{code} assessed with its optional fields left out.",
        }
        update = post(base, f"/api/v1/commitments/{code}/updates/", body, token)
        assert update["review_state"] == "pending", update
        post(
            base, f"/api/v1/updates/{update['id']}/review/", {"decision": "approve"}, reviewer_token
        )


def post(base, path, body, token):
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'db.sqlite3'}"
        env = {**environment(None, database_url), "ROADMAP_PUBLIC_READ": "true"}
        token = populate(env, role="Analyst")
        reviewer_token = robot_token(env, role="Reviewer")
        with gunicorn(env, free_port(), "generated-client-gunicorn.log", workers=1) as base:
            seed(base, token, reviewer_token)
            run = Run(base, token, reviewer_token)
            failed = []
            for function in STEPS:
                try:
                    function(run)
                except Exception as error:
                    failed.append(function.__name__)
                    print(f"FAIL {function.__name__}\n{explain(error)}")
                else:
                    print(f"ok   {function.__name__}")
    seconds = time.monotonic() - started
    print(f"{len(STEPS) - len(failed)} passed, {len(failed)} failed in {seconds:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
