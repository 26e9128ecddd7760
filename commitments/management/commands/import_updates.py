import gc
import time
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from commitments import dependencies
from commitments.imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, ImportRefused, read_csv
from commitments.services import import_status_updates


class Command(BaseCommand):
    help = (
        "Imports status updates from a CSV file, all or nothing: every row is checked first, and "
        "one bad row means nothing is written. UTF-8 (or Windows-1252, with a warning), the "
        "columns separated by commas, semicolons or tabs, with a header row naming them in any "
        f"order: {', '.join(REQUIRED_COLUMNS)} (a commitment code, a status, a date as "
        f"YYYY-MM-DD, a summary), and optionally {', '.join(OPTIONAL_COLUMNS)}. Rows are recorded "
        "by --author at the time of the import, in file order. A file is imported once, from "
        "here or the admin. Corrections (corrects) cannot be imported: record them in the admin "
        "or the API."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file of status updates.")
        parser.add_argument(
            "--author",
            required=True,
            metavar="USERNAME",
            help="The active user the updates are recorded as; they must be allowed to record "
            "status updates (an Analyst or an Editor).",
        )

    def handle(self, *args, file, author, **options):
        user = _active_user(author)
        bar = ProgressBar(self.stderr) if self.stderr.isatty() else None
        started = time.monotonic()
        try:
            with _no_cycle_collection():
                table = read_csv(file, progress=bar)
                self._warn(table.warnings, bar)
                result = import_status_updates(table, author=user, progress=bar)
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            if dependencies.database_fault(error) is not dependencies.Fault.DISK_FULL:
                raise
            # The import is one transaction, rolled back whole by the time this runs.
            raise CommandError(
                _(
                    "The database's disk is full: nothing was imported. Free some space on it "
                    "and import the file again."
                )
            ) from error
        finally:
            if bar:
                bar.close()
        seconds = time.monotonic() - started
        updates = _counted(result.updates, "status update")
        commitments = _counted(result.commitments, "commitment")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {updates} for {commitments} in {seconds:.1f} s "
                f"({result.updates / seconds:.0f} rows/s)."
            )
        )

    def _warn(self, warnings, bar):
        if warnings and bar:
            bar.close()
        for warning in warnings:
            self.stderr.write(f"Warning: {warning}", style_func=self.style.WARNING)


def _counted(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _active_user(username):
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        raise CommandError(
            _("Nothing imported: there is no user %(username)r (--author).")
            % {"username": username}
        )
    if not user.is_active:
        raise CommandError(
            _("Nothing imported: user %(username)r is inactive (--author).")
            % {"username": username}
        )
    # The same right as in the admin and the API: an update by someone who may not record one
    # would be published all the same.
    if not user.has_perm("commitments.add_statusupdate"):
        raise CommandError(
            _(
                "Nothing imported: user %(username)r may not record status updates (--author); "
                "choose an Analyst or an Editor."
            )
            % {"username": username}
        )
    return user


@contextmanager
def _no_cycle_collection():
    """A big file is read into millions of small lists and strings, none of them in a cycle,
    which Python's cycle collector would otherwise go through again and again: a third of the
    time of reading and checking."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ProgressBar:
    """`writing  [#######.............]  35%  70000/200000`, redrawn in place on a terminal when
    the percentage moves; a line per step (reading lines, checking rules, writing rows)."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.shown = None

    def __call__(self, step, done, total):
        done = min(done, total)
        percent = done * 100 // total
        if (step, percent) == self.shown:
            return
        if self.shown and self.shown[0] != step:
            self._write("\n")
        self.shown = (step, percent)
        filled = self.WIDTH * done // total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._write(f"\r{step:<8} [{bar}] {percent:3d}%  {done}/{total}")

    def close(self):
        """Ends the line drawn on, if any: what is written next starts a line of its own, and
        so does the bar, drawn again."""
        if self.shown:
            self._write("\n")
        self.shown = None

    def _write(self, text):
        # Plain, not in the error style that this stream gives what is written to it.
        self.stream.write(text, style_func=lambda text: text, ending="")
        self.stream.flush()
