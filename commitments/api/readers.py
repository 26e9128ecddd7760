"""Token readers remembered in the shared cache, so that a token reader's response-cache hit
costs what an anonymous one does: the data version, and no query of the token, its user or their
permissions (commitments.api.response_cache).

Per token (by a hash of it), Redis keeps who its user is, their visibility class and the token's
expiry, each entry stamped with the readers' version it was read under. Any change that can
move who may use a token or what they see, or the language they read (a token deleted: revoked in the admin or by
revoke_tokens, expired, or by any other delete through the ORM; a user saved (not a sign-in's
last_login) or deleted, their groups or own permissions changed, a group's permissions changed,
a group or permission deleted, a user's Preferences saved or deleted) gives the readers a new
version (forget_every_reader), which no entry is stamped with: every token reader is checked in
the database once more on their next request, as before, and remembered again. One version for
everyone rather than each token's entry found and deleted: a group's permissions reach every
member's tokens, and such changes are rare (people and roles, not data), so one re-check per
active token each time costs less than keeping a map from users and groups to tokens right.

The version is moved twice: at once, and again once the change is committed, so that a request
that read the rights before the commit cannot be remembered under the version after it. An
entry that holds a token's expiry is refused past it, and the token is then checked in the
database, which refuses (and deletes) it.

What no signal sees (a queryset's update(), a management command's raw SQL, a database shell) is
seen when the entry expires: at most TOKEN_READER_CACHE_SECONDS later (docs/reliability.md).
Readers are remembered only in a cache every process shares, and only while it answers: in
this process's memory (no CACHE_URL, or Redis down, coalition.redis_cache) another process's
change would never be seen, so every token is then checked in the database.

So that a token reader's hit costs the one round trip an anonymous hit does, each process also
keeps a hint: the reader it last found for each token (hinted). The response cache keys its
lookup by the hint's class, and reads the remembered reader and the readers' version in the
same round trip as the entry and the rate counts; the entry is served only when what Redis
holds, read in that trip, is the hinted reader, current (confirm). The hint decides nothing:
wrong (a role changed, the token revoked, the readers' version moved), the request goes the way
it would without one, from what that trip read (recognise), and no body of another class is
served."""

import datetime
import hashlib
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.authentication import get_authorization_header

from commitments import languages
from commitments.api.authentication import CHECKED_ATTRIBUTE, PREFIXES
from commitments.models import Preferences

# Entries are pickled RememberedReader objects: a new shape of it needs a new prefix.
# (2: with the reader's language.)
KEY_PREFIX = "api-reader:2"
VERSION_KEY = "api-readers-version"
# The request attribute that holds (entry key, readers' version) as recognise() read them,
# before the database was asked: what remember() stamps an entry with.
LOOKUP_ATTRIBUTE = "token_reader_lookup"
# The request attribute that holds the key of its token's entry, hashed once a request.
KEY_ATTRIBUTE = "token_reader_key"

# This process's hints: by entry key, the RememberedReader last found for the token. Bounded
# (emptied when full: each token then costs one round trip more, once); a token is a user's
# dashboard or script, so a process sees few.
MAX_HINTS = 10_000
_hints = {}


@dataclass(frozen=True)
class RememberedReader:
    """What a cache hit needs of a token's user: who they are (the user rate counts them by id,
    the access log names the id), what they may see, and the language they chose (the
    response cache keys bodies by it). It stands as request.user on a hit
    only: a request that goes on to a view is authenticated in the database first, and the view
    is given the real user."""

    pk: int
    visibility_class: str
    expiry: datetime.datetime | None  # the token's
    readers_version: str
    language: str | None = None  # languages.preferred_language of the user

    is_authenticated = True
    is_anonymous = False

    @property
    def id(self):
        return self.pk

    @property
    def preferences(self):
        """What languages.preferred_language reads of a user."""
        return SimpleNamespace(language=self.language or "")

    def is_current(self, readers_version):
        return self.readers_version == readers_version and (
            self.expiry is None or timezone.now() <= self.expiry
        )


def hinted(request):
    """The reader this process last found for `request`'s token, or None (no token, none found
    yet, or none would be looked for: recognise). A guess, before any round trip, for the
    response cache to key its lookup by and count the request in its user's rate; it reads
    lookup_keys() in the same trip and serves nothing unless confirm() agrees."""
    key = _entry_key(request)
    return None if key is None else _hints.get(key)


def lookup_keys(request):
    """What confirm() needs read of the cache, in the round trip of the response lookup."""
    return [VERSION_KEY, getattr(request, KEY_ATTRIBUTE)]


def confirm(request, hint, found):
    """The RememberedReader that the cache holds for `request`'s token, from `found` (what the
    cache held at lookup_keys()), when it is the reader `hint` guessed (their user and class),
    current: what recognise() would have returned. Otherwise None, and the hint is dropped."""
    key = getattr(request, KEY_ATTRIBUTE)
    reader, version = found.get(key), found.get(VERSION_KEY)
    if (
        reader is None
        or version is None
        or (reader.pk, reader.visibility_class, reader.language)
        != (hint.pk, hint.visibility_class, hint.language)
        or not reader.is_current(version)
        or not cache.is_shared()  # Redis stopped answering during the trip
    ):
        _hints.pop(key, None)
        return None
    setattr(request, LOOKUP_ATTRIBUTE, (key, version))
    return reader


def recognise(request, found=None):
    """The RememberedReader of `request`'s token, or None: no token, none remembered, or
    remembered under another readers' version or past its expiry; then the request is
    authenticated in the database, and remember() keeps what it found. One cache round trip,
    none when `found` holds what the cache held at lookup_keys() (a hint's lookup read it)."""
    if (key := _entry_key(request)) is None:
        return None
    if found is None:
        found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or _first_version()
    if not cache.is_shared():
        return None  # Redis stopped answering during the call: it came from this process
    setattr(request, LOOKUP_ATTRIBUTE, (key, version))
    reader = found.get(key)
    if reader is None or not reader.is_current(version):
        return None
    _hint(key, reader)
    return reader


def remember(request, visibility):
    """Keeps the token reader that the database has just authenticated (CHECKED_ATTRIBUTE) as of
    `visibility`, their visibility class, under the readers' version recognise() read."""
    lookup = getattr(request, LOOKUP_ATTRIBUTE, None)
    checked = getattr(request, CHECKED_ATTRIBUTE, None)
    if lookup is None or checked is None:
        return
    (key, version), (user, auth_token) = lookup, checked
    language = languages.preferred_language(user)
    reader = RememberedReader(user.pk, visibility, auth_token.expiry, version, language)
    cache.set(key, reader, timeout=settings.TOKEN_READER_CACHE_SECONDS)
    _hint(key, reader)


def forget_every_reader():
    """A new readers' version, now and once the change being made is committed."""
    _new_version()
    transaction.on_commit(_new_version, robust=True)


def _entry_key(request):
    """The cache key of `request`'s token's entry; None when it has no token, or when readers
    are not remembered (TOKEN_READER_CACHE_SECONDS=0, or no cache every process shares)."""
    if not settings.TOKEN_READER_CACHE_SECONDS or not cache.is_shared():
        return None
    if (key := getattr(request, KEY_ATTRIBUTE, None)) is None:
        if (token := _token_of(request)) is None:
            return None
        key = f"{KEY_PREFIX}:{hashlib.sha256(token).hexdigest()}"
        setattr(request, KEY_ATTRIBUTE, key)
    return key


def _hint(key, reader):
    if len(_hints) >= MAX_HINTS:
        _hints.clear()
    _hints[key] = reader


def _token_of(request):
    header = get_authorization_header(request).split()
    if len(header) != 2 or header[0].lower() not in PREFIXES:
        return None
    return header[1]


def _new_version():
    # Never a number that counts: an evicted version would start again at a value that entries
    # made before the changes since were stamped with.
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _first_version():
    cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    return cache.get(VERSION_KEY)


def _user_saved(sender, update_fields=None, **kwargs):
    # A sign-in saves last_login alone, which changes nobody's rights.
    if update_fields is None or set(update_fields) != {"last_login"}:
        forget_every_reader()


def _rights_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        forget_every_reader()


def _deleted(sender, **kwargs):
    forget_every_reader()


def _preferences_saved(sender, **kwargs):
    # A remembered reader carries their language.
    forget_every_reader()


def connect_signals():
    """Forgets every reader on each change named in the module's docstring (AppConfig.ready)."""
    User = get_user_model()
    post_save.connect(_user_saved, sender=User, dispatch_uid="readers-user-saved")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_rights_changed, sender=through, dispatch_uid=f"readers-{through}")
    post_save.connect(
        _preferences_saved, sender=Preferences, dispatch_uid="readers-preferences-saved"
    )
    for model in (AuthToken, User, Group, Permission, Preferences):
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"readers-{model}-deleted")
