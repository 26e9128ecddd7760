from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = "Roadmap commitments"

    def ready(self):
        from django.conf import settings
        from django.core import checks

        from commitments import db_deadlines
        from commitments.briefing import check_logo
        from commitments.roles import sync_roles_after_migrate

        checks.register(check_logo, checks.Tags.staticfiles)

        if settings.DATABASE_CLIENT_DEADLINES:
            db_deadlines.install()

        # Roles need this app's permissions, which Django creates after each migrate; syncing
        # right after it means every database, including each test database, has the roles.
        post_migrate.connect(sync_roles_after_migrate, sender=self)

        # The API's representations, which services write into events (services.events).
        import commitments.api.event_data  # noqa: F401
        from commitments.api import readers

        # Token readers remembered for the response cache are forgotten when rights change.
        readers.connect_signals()
