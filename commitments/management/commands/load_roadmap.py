from django.core.management.base import BaseCommand, CommandError

from commitments.roadmap import DEFAULT_DATA_FILE, RoadmapDataError, load_roadmap


class Command(BaseCommand):
    help = (
        "Loads the Roadmap's documents, pillars, themes, places, partners and commitments from "
        "its data file. Safe to run again: it creates what is missing, keeps rows as editors left "
        "them (saying where they differ from the file) and never touches status history."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            default=DEFAULT_DATA_FILE,
            help=f"Data file to load (default: {DEFAULT_DATA_FILE}).",
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Bring rows that differ from the file back to it, overwriting editors' changes "
            "(each change is recorded in the object's history).",
        )

    def handle(self, *args, file, sync, **options):
        try:
            report = load_roadmap(file, sync=sync)
        except RoadmapDataError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if report.changed_anything:
            self.stdout.write(self.style.SUCCESS(f"Loaded {file}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{file}: already up to date, nothing changed."))
