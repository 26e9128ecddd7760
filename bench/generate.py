"""Deterministic synthetic data for the benchmark, written to PostgreSQL with COPY.

    S: 1,000 commitments, about 10,000 status updates and 5,000 contributions
    M: 10,000 commitments, about 1,000,000 status updates and 50,000 contributions

Both have 5 pillars, 20 places (global, regions, countries, areas), 40 themes and 12 partners.
The history is skewed as a real one would be: a few "hot" commitments carry thousands of
updates, most carry tens, some none. Two commitments are named for the benchmark's scenarios:
HOT-1 has the longest history, FEW-1 exactly five updates. Contributions go to one commitment
in five, from the 12 partners: money pledged, committed and disbursed in three currencies (each
disbursement at most what was committed), and people, training and equipment counted in units;
one in fifty is corrected. One commitment in ten has an indicator with a few approved values;
HOT-1's has thousands.

The same seed always gives the same rows, so two runs measure the same data. The schema comes
from the project's own migrations; the rows are written as the services would leave them
(the current status is the latest assessment of each commitment).
"""

import contextlib
import datetime
import io
import random
import time
from dataclasses import dataclass

import psycopg2

SEED = 20190625
EPOCH = datetime.date(2019, 7, 1)  # the first assessments follow the Roadmap of 25 June 2019
LAST_DAY = datetime.date(2026, 10, 31)
STATUSES = ["not_started", "on_track", "at_risk", "off_track", "completed", "discontinued"]
PILLARS = ["military", "humanitarian", "stabilization", "political", "global-networks"]
REGIONS = {
    "middle-east": ["iraq", "syria", "jordan", "lebanon", "turkey"],
    "africa": ["nigeria", "mali", "somalia", "mozambique", "libya"],
    "asia": ["afghanistan", "philippines", "indonesia"],
}
AREAS = {"syria": ["northeast-syria"], "iraq": ["ninewa"]}
WORDS = [
    "coalition",
    "partners",
    "stabilization",
    "support",
    "funding",
    "detention",
    "camps",
    "returnees",
    "forces",
    "training",
    "border",
    "security",
    "prosecution",
    "reintegration",
    "humanitarian",
    "access",
    "reconstruction",
    "governance",
    "communications",
    "networks",
    "finance",
    "women",
    "inclusion",
    "assessment",
    "progress",
    "delayed",
    "report",
    "mission",
    "province",
    "council",
    "programme",
    "donors",
    "pledge",
    "delivered",
    "review",
    "monitoring",
]


@dataclass(frozen=True)
class Size:
    name: str
    commitments: int
    updates: int
    hot: int  # commitments with a long history
    hot_updates: int  # updates of each of them
    contributions: int


SIZES = {
    "S": Size("S", commitments=1_000, updates=10_000, hot=5, hot_updates=1_000,
              contributions=5_000),
    "M": Size("M", commitments=10_000, updates=1_000_000, hot=20, hot_updates=5_000,
              contributions=50_000),
}  # fmt: skip
CURRENCIES = ["USD", "EUR", "GBP"]
COUNTED = [("personnel", "advisers"), ("training", "courses"), ("equipment", "vehicles")]
HOT_CODE = "HOT-1"
FEW_CODE = "FEW-1"
FEW_UPDATES = 5


def sentence(rng, words):
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


class Copy:
    """Rows for one table, written with COPY in PostgreSQL's text format. The generated text
    has no tab, newline or backslash, so no value needs escaping."""

    def __init__(self, cursor, table, columns):
        self.cursor, self.table, self.columns = cursor, table, columns
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, *values):
        self.buffer.write("\t".join(r"\N" if value is None else str(value) for value in values))
        self.buffer.write("\n")
        self.rows += 1

    def send(self):
        self.buffer.seek(0)
        columns = ", ".join(self.columns)
        self.cursor.copy_expert(f"COPY {self.table} ({columns}) FROM STDIN", self.buffer)
        return self.rows

    def send_numbered(self):
        """Sends rows given ids 1, 2, ... in order, and moves the table's id sequence past the
        last, for rows inserted later; returns how many were sent."""
        count = self.send()
        self.cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{self.table}', 'id'), %s)", [count]
        )
        return count


def update_counts(size, rng):
    """How many updates each commitment gets: the hot ones first, FEW-1 five, about one in
    twenty none, the rest spread around the mean."""
    ordinary = size.commitments - size.hot - 1
    mean = (size.updates - size.hot * size.hot_updates - FEW_UPDATES) / ordinary
    counts = [size.hot_updates] * size.hot + [FEW_UPDATES]
    for _ in range(ordinary):
        counts.append(0 if rng.random() < 0.05 else rng.randint(1, round(2 * mean / 0.95) - 1))
    return counts


def code_of(index, size):
    if index < size.hot:
        return f"HOT-{index + 1}"
    if index == size.hot:
        return FEW_CODE
    return f"BEN-{index + 1}"


def generate(dsn, size, out=print):
    """Fills the (migrated, empty) database at `dsn` with data of `size`; returns the seconds
    it took, ANALYZE included."""
    rng = random.Random(SEED)
    started = time.perf_counter()
    now = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    connection = psycopg2.connect(dsn)
    with connection, connection.cursor() as cursor:
        # A bulk load, as pg_restore does it: the generated rows are consistent by
        # construction, so foreign keys are not checked row by row, and the indexes of the
        # status updates are built once at the end rather than kept up row by row.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined)"
            " VALUES ('!', false, 'bench-analyst', 'Bench', 'Analyst', '', true, true, %s)"
            " RETURNING id",
            [now],
        )
        author = cursor.fetchone()[0]
        reference = reference_data(cursor, now)
        counts = update_counts(size, rng)
        commitments = Copy(
            cursor,
            "commitments_commitment",
            ["id", "code", "title", "text", "paragraph", "current_status", "current_progress",
             "current_as_of", "last_recorded_at", "last_approved_at", "version", "created_at", "updated_at",
             "parent_id", "pillar_id", "source_document_id", "update_cadence_days"],
        )  # fmt: skip
        links = {
            kind: Copy(cursor, f"commitments_commitment_{kind}", ["commitment_id", f"{kind[:-1]}_id"])
            for kind in ("themes", "places")
        }  # fmt: skip
        links["partners"] = Copy(
            cursor, "commitments_commitment_partners", ["commitment_id", "partner_id", "role"]
        )
        updates = []
        # Created when the Roadmap was adopted, before their first assessment: a read as of a
        # date in the history finds them all (CommitmentQuerySet.as_of).
        created = datetime.datetime.combine(EPOCH, datetime.time(), datetime.UTC)
        summaries = [sentence(rng, rng.randint(8, 30)) for _ in range(2_000)]
        span = (LAST_DAY - EPOCH).days
        for index, count in enumerate(counts):
            commitment_id = index + 1
            history = []
            for _ in range(count):
                as_of = EPOCH + datetime.timedelta(days=rng.randrange(span))
                status = rng.choice(STATUSES)
                progress = 100 if status == "completed" else rng.choice([None, *range(0, 100, 5)])
                recorded = datetime.datetime.combine(
                    as_of, datetime.time(), datetime.UTC
                ) + datetime.timedelta(seconds=rng.randrange(3 * 86_400))
                history.append((recorded, commitment_id, status, progress, as_of))
            updates.extend(history)
            if history:
                latest = max(history, key=lambda row: (row[4], row[0]))
                # Recorded and approved at once (review off, as below).
                current = (latest[2], latest[3], latest[4], latest[0], latest[0])
            else:
                current = ("not_assessed", None, None, None, None)
            pillar = reference["pillar"][index % len(reference["pillar"])]
            # Every tenth commitment is one of the tools listed by the one before it.
            parent = commitment_id - 1 if index % 10 == 9 and index > size.hot + 1 else None
            commitments.add(
                commitment_id, code_of(index, size), sentence(rng, 6)[:200],
                " ".join(sentence(rng, 20) for _ in range(3)), index // 10 + 1, *current, 1,
                created, now, parent, pillar, rng.choice(reference["sourcedocument"]),
                rng.choice([None, None, 90, 180]),
            )  # fmt: skip
            for kind, many in (("themes", 3), ("places", 2), ("partners", 1)):
                for related in rng.sample(reference[kind[:-1]], rng.randint(0, many) or 1):
                    # A partner leads one commitment in four, as a file that says so would.
                    role = ["lead" if index % 4 == 0 else "support"] if kind == "partners" else []
                    links[kind].add(commitment_id, related, *role)
        commitments.send()
        for link in links.values():
            link.send()
        # Ids follow the order of recording, as they would in a live system.
        updates.sort()
        rows = Copy(
            cursor,
            "commitments_statusupdate",
            ["created_at", "commitment_id", "status", "progress", "as_of", "summary",
             "evidence_cited", "confidence", "author_id"],
        )  # fmt: skip
        for number, (recorded, commitment_id, status, progress, as_of) in enumerate(updates):
            rows.add(
                recorded.isoformat(), commitment_id, status, progress, as_of,
                summaries[number % len(summaries)], int(number % 3 == 0),
                ("", "low", "medium", "high")[number % 4], author,
            )  # fmt: skip
        with indexes_built_after(cursor, "commitments_statusupdate"):
            rows.send()
        pieces = evidence(cursor, author, created)
        cite(cursor, "statusupdate", "update_id", pieces)
        # Every generated update was approved when it was recorded (no reviewer), as with
        # REVIEW_REQUIRED off: the public reads see all of them.
        cursor.execute(
            "INSERT INTO commitments_review (update_id, decision, comment, decided_at)"
            " SELECT id, 'approve', '', created_at FROM commitments_statusupdate"
        )
        # Each commitment's search vector, weighed as models.search_vector weighs it; its summary
        # is that of its latest assessment (every update is approved, none corrects another).
        cursor.execute(
            """
            UPDATE commitments_commitment c SET search_vector =
                setweight(to_tsvector('english', c.code || ' ' || c.title), 'A')
                || setweight(to_tsvector('english', c.text), 'B')
                || setweight(to_tsvector('english', coalesce((
                    SELECT u.summary FROM commitments_statusupdate u WHERE u.commitment_id = c.id
                    ORDER BY u.as_of DESC, u.created_at DESC, u.id DESC LIMIT 1
                ), '')), 'C')
            """
        )
        contributed = contributions(cursor, size, rng, reference["partner"], author, now)
        cite(cursor, "contribution", "contribution_id", pieces)
        measured = indicators(cursor, size, rng, author)
        cite(cursor, "indicatorvalue", "value_id", pieces)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('commitments_commitment', 'id'), %s)",
            [len(counts)],
        )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics and visibility map, as autovacuum would
    connection.close()
    seconds = time.perf_counter() - started
    out(
        f"  size {size.name}: {len(counts):,} commitments, {len(updates):,} status updates, "
        f"{contributed:,} contributions, {measured:,} indicator values in {seconds:.1f} s"
    )
    return seconds


def contributions(cursor, size, rng, partners, author, now):
    """About `size.contributions` contributions to one commitment in five (FEW-1 and HOT-1
    among them), with ids in the order of recording; returns how many rows were written."""
    rows = Copy(
        cursor,
        "commitments_contribution",
        ["id", "partner_id", "commitment_id", "kind", "amount", "currency", "count", "unit",
         "date", "evidence_cited", "note", "corrects_id", "author_id", "created_at"],
    )  # fmt: skip
    span = (LAST_DAY - EPOCH).days
    # One commitment in each run of five, a different one each time: the pillars take turns.
    funded = [1 + 5 * run + run % 5 for run in range(size.commitments // 5)]
    per_commitment = size.contributions // len(funded)
    for commitment_id in funded:
        written = 0
        while written < per_commitment:
            partner = rng.choice(partners)
            day = EPOCH + datetime.timedelta(days=rng.randrange(span))
            if rng.random() < 0.7:
                # Money moves pledged -> committed -> disbursed, each at most the one before.
                amount = rng.randrange(10_000, 50_000_000) * 100 + rng.randrange(100)
                currency = rng.choice(CURRENCIES)
                for kind in ("funds_pledged", "funds_committed", "funds_disbursed"):
                    if written == per_commitment or rng.random() < 0.15:
                        break
                    rows.add(
                        rows.rows + 1, partner, commitment_id, kind, f"{amount // 100}.{amount % 100:02}",
                        currency, None, "", day, 1, "", None, author, now,
                    )  # fmt: skip
                    written += 1
                    amount = amount * rng.randint(60, 100) // 100
                    day = min(day + datetime.timedelta(days=rng.randint(30, 200)), LAST_DAY)
            else:
                kind, unit = rng.choice(COUNTED)
                rows.add(
                    rows.rows + 1, partner, commitment_id, kind, None, "", rng.randint(1, 400),
                    unit, day, 0, "", None, author, now,
                )  # fmt: skip
                written += 1
    # One in fifty is corrected by a later contribution saying the same with a note.
    originals = rows.rows
    for corrected in range(1, originals + 1, 50):
        rows.add(
            rows.rows + 1, rng.choice(partners), funded[corrected % len(funded)], "training",
            None, "", 1, "courses", LAST_DAY, 0, "Corrected.", corrected, author, now,
        )  # fmt: skip
    return rows.send_numbered()


def indicators(cursor, size, rng, author):
    """An indicator for one commitment in ten, in people, from a baseline toward a target, with
    up to ten approved values; HOT-1's has as many values as HOT-1 has updates (the indicator
    scenarios read it). Returns how many values were written."""
    rows = Copy(
        cursor,
        "commitments_indicator",
        ["id", "slug", "commitment_id", "name", "description", "unit", "unit_other", "measure",
         "direction", "baseline_value", "baseline_qualifier", "baseline_date", "baseline_quote",
         "target_value", "target_qualifier", "created_at", "updated_at"],
    )  # fmt: skip
    values = Copy(
        cursor,
        "commitments_indicatorvalue",
        ["id", "indicator_id", "value", "qualifier", "as_of", "evidence_cited", "confidence",
         "author_id", "created_at"],
    )  # fmt: skip
    span = (LAST_DAY - EPOCH).days
    adopted = datetime.datetime.combine(EPOCH, datetime.time(), datetime.UTC)
    for number, commitment_id in enumerate(range(1, size.commitments + 1, 10), start=1):
        baseline = rng.randrange(1_000, 100_000)
        rows.add(
            number, f"indicator-{number}", commitment_id, sentence(rng, 4)[:200], "", "people",
            "", "quantitative", "increase", baseline, "approximately", EPOCH, "", baseline * 2,
            "at_least", adopted, adopted,
        )  # fmt: skip
        for _ in range(size.hot_updates if commitment_id == 1 else rng.randint(0, 10)):
            as_of = EPOCH + datetime.timedelta(days=rng.randrange(span))
            recorded = datetime.datetime.combine(as_of, datetime.time(12), datetime.UTC)
            values.add(
                values.rows + 1, number, baseline + rng.randrange(0, baseline), "exactly",
                as_of, 1, "", author, recorded.isoformat(),
            )  # fmt: skip
    rows.send()
    count = values.send()
    # Approved when recorded, as the status updates are (review off).
    cursor.execute(
        "INSERT INTO commitments_indicatorvaluereview (value_id, decision, comment, decided_at)"
        " SELECT id, 'approve', '', created_at FROM commitments_indicatorvalue"
    )
    for table, last in (("indicator", rows.rows), ("indicatorvalue", count)):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('commitments_{table}', 'id'), %s)", [last]
        )
    return count


# The graded evidence the generated records cite: field reports of a few grades, public, each
# cited by many records (one status update in three, every pledge and indicator value, one
# piece each).
EVIDENCE_PIECES = 200
GRADES = ["B2", "C3", "A1", "B3", "F6", "D4"]


def evidence(cursor, author, recorded):
    """EVIDENCE_PIECES pieces of evidence, dated and recorded as the Roadmap was adopted;
    returns how many."""
    rows = Copy(
        cursor,
        "commitments_evidence",
        ["id", "source", "url", "reference", "date", "summary", "reliability", "credibility",
         "releasability", "author_id", "created_at"],
    )  # fmt: skip
    for number in range(1, EVIDENCE_PIECES + 1):
        reliability, credibility = GRADES[number % len(GRADES)]
        rows.add(
            number, "Field report", f"https://example.org/reports/{number}", "", EPOCH, "",
            reliability, credibility, "public", author, recorded.isoformat(),
        )  # fmt: skip
    return rows.send_numbered()


def cite(cursor, table, column, pieces):
    """Each record of commitments_`table` written to cite a piece of evidence (its
    evidence_cited) cites one of the `pieces`, chosen by its id, through its citation table,
    whose `column` names the record."""
    cursor.execute(
        f"INSERT INTO commitments_{table}evidence ({column}, evidence_id, position)"
        f" SELECT id, 1 + id %% %s, 0 FROM commitments_{table} WHERE evidence_cited = 1",
        [pieces],
    )


@contextlib.contextmanager
def indexes_built_after(cursor, table):
    """Drops the table's secondary indexes, runs the block, and creates them again."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        cursor.execute(definition)


def reference_data(cursor, now):
    """Documents, pillars, themes, places and partners; returns their ids by table."""
    ids = {}

    def insert(table, rows):
        columns = list(rows[0])
        cursor.execute(
            f"INSERT INTO commitments_{table} ({', '.join(columns)}, updated_at) VALUES "
            + ", ".join(["(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"] * len(rows))
            + " RETURNING id",
            [value for row in rows for value in [*row.values(), now]],
        )
        ids[table] = [row[0] for row in cursor.fetchall()]
        return ids[table]

    insert(
        "sourcedocument",
        [
            {"slug": f"bench-{n}", "short_name": f"Bench {n}", "title": f"Benchmark document {n}",
             "issuer": "Benchmark", "issued_on": datetime.date(2019, 6, 25),
             "url": "", "description": ""}
            for n in (1, 2, 3)
        ],
    )  # fmt: skip
    insert(
        "pillar",
        [
            {"slug": slug, "name": slug.replace("-", " ").title(), "description": "",
             "display_order": order}
            for order, slug in enumerate(PILLARS, start=1)
        ],
    )  # fmt: skip
    insert(
        "theme",
        [{"slug": f"theme-{n}", "name": f"Theme {n:02}", "description": ""} for n in range(1, 41)],
    )
    insert(
        "partner",
        [
            {"slug": f"partner-{n}", "name": f"Partner {n:02}", "kind": "member_state",
             "description": ""}
            for n in range(1, 13)
        ],
    )  # fmt: skip
    places = []
    (world,) = insert("place", [{"slug": "global", "name": "Global", "kind": "global"}])
    for region, countries in REGIONS.items():
        (region_id,) = insert(
            "place",
            [{"slug": region, "name": region.title(), "kind": "region", "parent_id": world}],
        )
        country_ids = insert(
            "place",
            [
                {"slug": c, "name": c.title(), "kind": "country", "parent_id": region_id}
                for c in countries
            ],
        )
        places += [world, region_id, *country_ids]
        for country, country_id in zip(countries, country_ids, strict=True):
            if country in AREAS:
                places += insert(
                    "place",
                    [
                        {"slug": a, "name": a.title(), "kind": "area", "parent_id": country_id}
                        for a in AREAS[country]
                    ],
                )
    ids["place"] = sorted(set(places))
    return ids
