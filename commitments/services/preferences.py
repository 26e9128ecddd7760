"""A person's own settings (models.Preferences)."""

from django.db import transaction

from commitments.models import Preferences


@transaction.atomic
def choose_language(*, user, language: str) -> Preferences:
    """Saves `language` (a code of settings.LANGUAGES; blank: as the browser asks) as the
    language `user` reads the tracker in, from their next request on. Raises ValidationError,
    with nothing written, for a language the tracker does not speak."""
    Preferences(user=user, language=language).clean_fields(exclude=["user"])
    preferences, _created = Preferences.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return preferences
