import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "For local development only (DEBUG=true): creates a superuser 'admin' with a random "
        "password and prints it, once. Does nothing if the user exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError(
                _(
                    "create_local_admin only runs with DEBUG=true. In production, use "
                    "`manage.py createsuperuser`."
                )
            )
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Log in at http://127.0.0.1:8000/admin/ as '{username}' (forgot the password? "
                f"`.venv/bin/python manage.py changepassword {username}`)."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created a local superuser. Log in at http://127.0.0.1:8000/admin/ as "
                f"'{username}' with password: {password}"
            )
        )
