"""The bulk import's speed: `manage.py import_updates` of a 200,000-row CSV file, in rows/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python bench/import_updates.py
    .venv/bin/python bench/import_updates.py DB [--rows N]

The database must be migrated and hold commitments (the Roadmap's, after load_roadmap). The
file is deterministic for a given database: the same seed, the commitments taken by code, the
dates between each one's source document and the end of 2025. Every run adds its rows to the
database's history, recorded by a user `bench-importer` that it creates if need be.
"""

import argparse
import csv
import datetime
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

from generate import SEED, STATUSES, WORDS  # the read benchmark's data, same vocabulary

ROOT = Path(__file__).resolve().parent.parent
LAST_DAY = datetime.date(2025, 12, 31)
REPORTS = [f"https://reports.example.org/{year}/{n:03d}.pdf" for year in range(2019, 2026) for n in range(40)]  # fmt: skip


def write_csv(path, commitments, rows):
    """`rows` status updates of `commitments` [(code, first possible date)], as a file a
    spreadsheet might give: columns in its own order, quoted cells, a few empty ones."""
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["commitment", "as_of", "status", "progress", "summary", "evidence_url", "evidence_source", "confidence"]
        )  # fmt: skip
        for n in range(rows):
            code, first_day = rng.choice(commitments)
            as_of = first_day + datetime.timedelta(rng.randrange((LAST_DAY - first_day).days + 1))
            status = rng.choice(STATUSES)
            progress = rng.choice(["", "100"] if status == "completed" else ["", *range(0, 101, 5)])
            summary = " ".join(rng.choices(WORDS, k=rng.randint(8, 30))).capitalize() + "."
            if not n:
                # A file is imported once: each run's is its own.
                summary += f" Run {secrets.token_hex(4)}."
            if not n % 50:
                summary += '\nPartners said: "more, and sooner".'  # a quoted, multi-line cell
            kind = rng.random()
            # A third without evidence, a third citing a few hundred reports, a third a page
            # of their own.
            if kind < 1 / 3:
                url = source = ""
            elif kind < 2 / 3:
                url, source = rng.choice(REPORTS), "Coalition progress report"
            else:
                url, source = f"https://news.example.org/{as_of:%Y/%m}/item-{n}", "Press"
            confidence = rng.choice(["", "low", "medium", "high"])
            writer.writerow([code, as_of, status, progress, summary, url, source, confidence])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", help="a PostgreSQL database on 127.0.0.1:5432")
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    if args.database:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    if "DATABASE_URL" not in os.environ:
        parser.error("name a database, or set DATABASE_URL")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from commitments.models import Commitment
    from commitments.roles import ANALYST

    commitments = list(
        Commitment.objects.order_by("code").values_list("code", "source_document__issued_on")
    )
    if not commitments:
        sys.exit("The database has no commitments: run migrate and load_roadmap first.")
    importer, _ = get_user_model().objects.get_or_create(
        username="bench-importer", defaults={"is_staff": True}
    )
    # The author of an import must be allowed to record status updates.
    importer.groups.add(Group.objects.get(name=ANALYST))

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "updates.csv"
        write_csv(path, commitments, args.rows)
        size = path.stat().st_size
        started = time.monotonic()
        call_command("import_updates", str(path), author="bench-importer")
        seconds = time.monotonic() - started

    print(
        f"import_updates: {args.rows:,} rows ({size / 2**20:.1f} MiB) for {len(commitments)} "
        f"commitments on {connection.vendor} {connection.settings_dict['NAME']}: "
        f"{seconds:.2f} s, {args.rows / seconds:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
