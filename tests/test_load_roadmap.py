"""The Roadmap ships as data: every commitment quoted verbatim, loaded idempotently, and a bad
data file rejected whole with the entry at fault named."""

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import (
    Commitment,
    Partner,
    Pillar,
    Place,
    SourceDocument,
    StatusUpdate,
    Theme,
)
from commitments.roadmap import DEFAULT_DATA_FILE, RoadmapDataError, load_roadmap
from commitments.selectors import data_version
from commitments.services import save_commitment
from commitments.source_texts import SHIPPED_TEXTS, paragraphs_of

pytestmark = pytest.mark.django_db

STATEMENT = SHIPPED_TEXTS["paris-roadmap-2019"]
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "paris-roadmap-2019-06-25.txt"


def paragraphs():
    """The statement's paragraphs, numbered from "We, the Political Directors ..." = 1."""
    return paragraphs_of("paris-roadmap-2019")


def sentences(paragraph):
    return re.split(r"(?<=\.) (?=[A-Z])", paragraph)


def test_the_shipped_statement_is_the_roadmap_verbatim():
    if not SEED.exists():
        pytest.skip("the shared seed folder is not beside this checkout")
    seed = SEED.read_text(encoding="utf-8")
    body = seed[
        seed.index("The Global Coalition Post-Territorial") : seed.index("Join the GlobalSecurity")
    ]

    assert STATEMENT.read_text(encoding="utf-8").strip() == body.strip()
    assert paragraphs()[1].startswith("We, the Political Directors")
    assert len(paragraphs()) == 11


def test_it_loads_the_roadmap_with_its_reference_data(roadmap):
    assert Commitment.objects.count() == 29
    assert list(Pillar.objects.values_list("slug", flat=True)) == [
        "military",
        "humanitarian",
        "stabilization",
        "political",
        "global-networks",
    ]
    assert set(SourceDocument.objects.values_list("short_name", flat=True)) >= {
        "Paris Roadmap",
        "Guiding Principles",
        "UNSCR 2254",
    }
    assert Place.objects.get(slug="northeast-syria").parent.slug == "syria"
    assert {"nato", "european-union", "united-nations", "interpol"} <= set(
        Partner.objects.values_list("slug", flat=True)
    )
    assert {"foreign-terrorist-fighters", "communications", "gender-and-womens-inclusion"} <= set(
        Theme.objects.values_list("slug", flat=True)
    )


def test_every_commitment_quotes_its_paragraph_verbatim(roadmap):
    statement = paragraphs()
    for commitment in Commitment.objects.all():
        assert commitment.text in statement[commitment.paragraph], commitment.code
        if commitment.parent:
            assert commitment.text in commitment.parent.text, commitment.code


def test_every_undertaking_of_the_roadmap_is_a_commitment(roadmap):
    undertaking = re.compile(r"\b(must|should|could|we continue to|will continue)\b", re.IGNORECASE)
    missing = []
    for number, paragraph in paragraphs().items():
        quoted = list(Commitment.objects.filter(paragraph=number).values_list("text", flat=True))
        for sentence in sentences(paragraph):
            if undertaking.search(sentence) and not any(
                sentence in text or text in sentence for text in quoted
            ):
                missing.append((number, sentence))
    assert missing == []
    assert set(Commitment.objects.values_list("paragraph", flat=True)) == set(range(5, 12))


def test_a_list_of_tools_becomes_a_parent_with_a_child_per_tool(roadmap):
    civilian_tools = Commitment.objects.get(code="GLB-2")

    assert list(civilian_tools.children.values_list("text", flat=True)) == [
        "information sharing",
        "border, maritime and aviation security",
        "countering terrorist financing",
        "countering radicalization and recruitment",
        "arresting, prosecuting and imprisoning terrorists",
    ]


def test_loading_again_changes_nothing_and_keeps_status_history(roadmap, record):
    commitment = Commitment.objects.get(code="MIL-1")
    update = record(commitment, status="at_risk", progress=30)

    report = load_roadmap()

    assert not report.changed_anything
    assert report.unchanged["commitments"] == 29
    commitment.refresh_from_db()
    assert (commitment.current_status, commitment.current_progress, commitment.version) == (
        "at_risk",
        30,
        1,
    )
    assert list(StatusUpdate.objects.all()) == [update]


def edit_mil_1():
    commitment = Commitment.objects.get(code="MIL-1")
    original_title = commitment.title
    commitment.title = "Renamed by an editor"
    commitment.update_cadence_days = 30
    save_commitment(commitment, themes=[Theme.objects.get(slug="communications")])
    return original_title


def test_loading_again_keeps_what_editors_changed_and_says_where_it_differs(roadmap):
    edit_mil_1()

    report = load_roadmap()

    commitment = Commitment.objects.get(code="MIL-1")
    assert (commitment.title, commitment.update_cadence_days, commitment.version) == (
        "Renamed by an editor",
        30,
        2,
    )
    assert report.differing == {"commitments": ["MIL-1 (title, update_cadence_days, themes)"]}
    assert not report.changed_anything
    assert "  kept as edited: commitments MIL-1 (title, update_cadence_days, themes)" in list(
        report.lines()
    )


def test_loading_with_sync_brings_an_edited_commitment_back_to_the_file(roadmap):
    original_title = edit_mil_1()

    report = load_roadmap(sync=True)

    assert report.updated["commitments"] == 1
    commitment = Commitment.objects.get(code="MIL-1")
    assert (commitment.title, commitment.update_cadence_days, commitment.version) == (
        original_title,
        None,
        3,
    )
    assert not commitment.themes.filter(slug="communications").exists()
    assert commitment.history.first().history_change_reason == "load_roadmap"


def loading_writes(**options):
    """The statements a load sends that write (not reads, not savepoints)."""
    with CaptureQueriesContext(connection) as queries:
        call_command("load_roadmap", stdout=StringIO(), **options)
    return [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT"))
        and query["sql"] not in ("BEGIN", "COMMIT")
    ]


@pytest.mark.parametrize("sync", [False, True])
def test_loading_again_writes_nothing_and_leaves_the_data_version(db, sync):
    """A deploy runs load_roadmap every time: were the data version to move, every cached API
    response would be computed again."""
    call_command("load_roadmap", stdout=StringIO())
    loaded = data_version()[0]

    assert loading_writes(sync=sync) == []
    assert data_version()[0] == loaded


def add_a_theme(data):
    data["themes"].append({"slug": "maritime", "name": "Maritime security", "description": ""})


def rename_a_pillar(data):
    data["pillars"][0]["name"] = "Military, renamed"


@pytest.mark.parametrize(
    ("change", "sync"), [(add_a_theme, False), (rename_a_pillar, True)], ids=["added", "synced"]
)
def test_what_the_file_changes_moves_the_data_version_on(roadmap, tmp_path, change, sync):
    data = shipped_data()
    change(data)
    changed_file = tmp_path / "roadmap.yaml"
    changed_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    before = data_version()[0]

    call_command("load_roadmap", file=changed_file, sync=sync, stdout=StringIO())

    assert data_version()[0] != before


def test_the_command_reports_what_it_did(db):
    out = StringIO()
    call_command("load_roadmap", stdout=out)
    assert "commitments: 29 created, 0 updated, 0 unchanged" in out.getvalue()

    out = StringIO()
    call_command("load_roadmap", stdout=out)
    assert "already up to date, nothing changed" in out.getvalue()


def shipped_data():
    return yaml.safe_load(DEFAULT_DATA_FILE.read_text(encoding="utf-8"))


def break_code(data, which, **fields):
    entry = next(entry for entry in data["commitments"] if entry["code"] == which)
    for name, value in fields.items():
        if value is KeyError:
            del entry[name]
        else:
            entry[name] = value
    return data


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (
            lambda d: break_code(d, "MIL-2", text=KeyError),
            "commitments[2] (MIL-2): missing field 'text'",
        ),
        (
            lambda d: break_code(d, "MIL-2", pillar="navy"),
            "commitments[2] (MIL-2): pillar 'navy' is not listed in 'pillars'",
        ),
        (
            lambda d: break_code(d, "MIL-2", paragraph="six"),
            "commitments[2] (MIL-2): paragraph: “six” value must be an integer.",
        ),
        (
            lambda d: break_code(d, "MIL-2", paragraph=0),
            "commitments[2] (MIL-2): paragraph: Ensure this value is greater than or equal to 1.",
        ),
        (
            lambda d: break_code(d, "MIL-2", code="mil-2"),
            "commitments[2] (mil-2): code: Use an uppercase prefix",
        ),
        (
            lambda d: break_code(d, "MIL-2", code="MIL-1"),
            "commitments[2] (MIL-1): code 'MIL-1' is listed twice",
        ),
        (
            lambda d: break_code(d, "MIL-2", text=""),
            "commitments[2] (MIL-2): text: This field cannot be blank.",
        ),
        (
            lambda d: break_code(d, "MIL-2", colour="red"),
            "commitments[2] (MIL-2): unknown field 'colour'",
        ),
        (
            lambda d: break_code(d, "MIL-2", themes=["weather"]),
            "commitments[2] (MIL-2): themes 'weather' is not listed in 'themes'",
        ),
        (
            lambda d: break_code(d, "POL-3.1", parent="POL-9"),
            "commitments[13] (POL-3.1): parent 'POL-9' is not listed before it",
        ),
        (
            lambda d: {
                **d,
                "documents": [
                    {**d["documents"][0], "issued_on": "2019-13-45"},
                    *d["documents"][1:],
                ],
            },
            "documents[0] (paris-roadmap-2019): issued_on:",
        ),
        (lambda d: {**d, "pillars": "military"}, "section 'pillars' is missing or is not a list"),
        (
            lambda d: break_code(d, "MIL-2", code=["MIL-2"]),
            "commitments[2]: code must be text (a slug or code)",
        ),
        (
            lambda d: break_code(d, "MIL-2", pillar={"slug": "military"}),
            "commitments[2] (MIL-2): pillar must be text",
        ),
        (
            lambda d: break_code(d, "MIL-2", themes=[["governance"]]),
            "commitments[2] (MIL-2): themes must be text",
        ),
    ],
)
def test_a_bad_data_file_is_rejected_whole_naming_the_entry(tmp_path, breakage, message):
    bad_file = tmp_path / "roadmap.yaml"
    bad_file.write_text(yaml.safe_dump(breakage(shipped_data()), sort_keys=False), encoding="utf-8")

    with pytest.raises(RoadmapDataError) as rejected:
        load_roadmap(bad_file)

    assert any(error.startswith(message) for error in rejected.value.errors), rejected.value.errors
    # Entries before and after the bad one were valid; none of them is kept.
    assert SourceDocument.objects.count() == 0
    assert Pillar.objects.count() == 0
    assert Commitment.objects.count() == 0


def test_a_bad_data_file_leaves_a_loaded_roadmap_as_it_was(roadmap, tmp_path):
    data = break_code(shipped_data(), "MIL-3", paragraph=-1)
    data["commitments"][0]["title"] = "A new title that must not be saved"
    bad_file = tmp_path / "roadmap.yaml"
    bad_file.write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(
        CommandError, match=r"nothing was written:\n  - commitments\[3\] \(MIL-3\): paragraph"
    ):
        call_command("load_roadmap", file=bad_file)

    assert Commitment.objects.get(code="POL-1").title != "A new title that must not be saved"


def test_a_file_that_is_not_yaml_is_rejected(tmp_path):
    bad_file = tmp_path / "roadmap.yaml"
    bad_file.write_text("commitments: [unclosed\n", encoding="utf-8")

    with pytest.raises(RoadmapDataError, match="not valid YAML"):
        load_roadmap(bad_file)


def test_a_missing_file_is_rejected(tmp_path):
    with pytest.raises(RoadmapDataError, match="cannot read the file"):
        load_roadmap(tmp_path / "nowhere.yaml")
