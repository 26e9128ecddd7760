from django.core.management.base import BaseCommand

from commitments.roles import ROLE_PERMISSIONS, sync_roles


class Command(BaseCommand):
    help = (
        "Creates the Viewer, Analyst and Editor groups and sets their permissions. "
        "`migrate` already does this; run it after changing commitments/roles.py."
    )

    def handle(self, *args, **options):
        sync_roles()
        for name, codenames in ROLE_PERMISSIONS.items():
            self.stdout.write(f"  {name}: {', '.join(sorted(codenames))}")
        self.stdout.write(self.style.SUCCESS("Roles are up to date."))
