import datetime
from collections import Counter

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from knox.models import AuthToken


class Command(BaseCommand):
    help = (
        "Revokes API tokens: all of them (--all), a user's (--user), or those created after a "
        "moment (--created-after). After a database restore, run it with --all --sessions: the "
        "restored database holds every token and browser session of the backup's moment, "
        "those revoked or signed out since included."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--all", action="store_true", dest="every_token", help="Every API token."
        )
        which.add_argument(
            "--user",
            action="append",
            dest="usernames",
            metavar="USERNAME",
            help="The tokens of this user (repeat for several).",
        )
        which.add_argument(
            "--created-after",
            metavar="WHEN",
            help="Tokens created after this moment, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] in the "
            "site's time zone (TIME_ZONE) unless it says its own, e.g. since a suspected leak.",
        )
        parser.add_argument(
            "--sessions",
            action="store_true",
            help="With --all: also end every browser session, so that everyone signs in again.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be revoked; revoke nothing."
        )

    def handle(self, *args, every_token, usernames, created_after, sessions, dry_run, **options):
        if sessions and not every_token:
            raise CommandError(_("--sessions ends every session: use it with --all."))
        tokens = AuthToken.objects.all()
        if usernames:
            tokens = tokens.filter(user__username__in=_existing(usernames))
        elif created_after:
            tokens = tokens.filter(created__gt=_moment(created_after))
        per_user = Counter(tokens.values_list("user__username", flat=True))
        session_count = Session.objects.count() if sessions else 0
        for username, count in sorted(per_user.items()):
            self.stdout.write(f"  {username}: {_counted(count, 'token')}")
        revoked = _counted(sum(per_user.values()), "API token")
        ended = f" and {_counted(session_count, 'browser session')}" if sessions else ""
        if dry_run:
            self.stdout.write(f"Dry run: would revoke {revoked}{ended}; nothing revoked.")
            return
        with transaction.atomic():
            tokens.delete()
            if sessions:
                Session.objects.all().delete()
        self.stdout.write(self.style.SUCCESS(f"Revoked {revoked}{ended}."))


def _existing(usernames):
    User = get_user_model()
    users = User._default_manager.filter(**{f"{User.USERNAME_FIELD}__in": usernames})
    known = set(users.values_list(User.USERNAME_FIELD, flat=True))
    unknown = [name for name in usernames if name not in known]
    if unknown:
        raise CommandError(
            _("Nothing revoked: there is no user %(usernames)s.")
            % {"usernames": ", ".join(map(repr, unknown))}
        )
    return known


def _moment(text):
    try:
        moment = parse_datetime(text)
        day = None if moment else parse_date(text)
    except ValueError:
        moment = day = None
    if day:
        moment = datetime.datetime.combine(day, datetime.time())
    if moment is None:
        raise CommandError(
            _(
                "--created-after %(text)r is not a date or a time: write YYYY-MM-DD or "
                "YYYY-MM-DDTHH:MM, e.g. 2026-03-01T14:30."
            )
            % {"text": text}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _counted(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"
