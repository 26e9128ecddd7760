import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.api.snapshot import filename, write_directory, write_zip


def _day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(
            _("--as-of must be a date as YYYY-MM-DD, not '%(text)s'.") % {"text": text}
        ) from error


class Command(BaseCommand):
    help = (
        "Writes the dated snapshot of the Roadmap (a Frictionless Data Package: datapackage.json "
        "and data/*.csv), as GET /api/v1/snapshot/ serves it: into a directory, or into a ZIP "
        "file when --output ends in .zip."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            type=_day,
            default=None,
            help="YYYY-MM-DD, not in the future; today by default.",
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=Path("var/snapshot"),
            help="A directory (created if need be), or a file ending in .zip "
            "(default: var/snapshot/).",
        )

    def handle(self, *args, as_of, output, **options):
        today = timezone.localdate()
        as_of = as_of or today
        if as_of > today:
            raise CommandError(
                _("--as-of cannot be in the future (today is %(today)s).")
                % {"today": f"{today:%Y-%m-%d}"}
            )
        if output.suffix == ".zip":
            output.parent.mkdir(parents=True, exist_ok=True)
            with output.open("wb") as file:
                write_zip(as_of, file)
            written = output
        else:
            written = write_directory(as_of, output)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote the snapshot as of {as_of:%Y-%m-%d} ({filename(as_of)}) to {written}."
            )
        )
