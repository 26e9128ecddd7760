import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

# Knox's own prefix, and the standard one that generated clients send.
PREFIXES = {b"token", b"bearer"}
# The attribute of the (Django) request that holds the (user, token) this class found for it
# already: the response cache's middleware authenticates before the view, which then does not
# look the token up again (two queries, and two more for the permissions of a new user object).
CHECKED_ATTRIBUTE = "checked_token"


class TokenAuthentication(KnoxTokenAuthentication):
    """django-rest-knox's hashed tokens, sent as `Authorization: Bearer <token>` (what generated
    clients send) or `Token <token>` (knox's own). A header that is not valid UTF-8 is an
    invalid token (401), where knox would fail with a server error. A token is checked once a
    request (CHECKED_ATTRIBUTE), however many times the request is authenticated."""

    def authenticate(self, request):
        django_request = getattr(request, "_request", request)
        if (checked := getattr(django_request, CHECKED_ATTRIBUTE, None)) is not None:
            return checked
        header = get_authorization_header(request).split()
        if not header or header[0].lower() not in PREFIXES:
            return None  # another scheme, or none: not ours to refuse
        if len(header) == 1:
            # "Bearer" and no token: what a generated client sends for a public read when it
            # was given no token (its operations all take one). Anonymous, as with no header.
            return None
        if len(header) != 2:
            raise AuthenticationFailed(
                gettext(
                    "Invalid token header: send 'Authorization: Bearer <token>', with no spaces "
                    "in the token."
                )
            )
        checked = self.authenticate_credentials(header[1])
        setattr(django_request, CHECKED_ATTRIBUTE, checked)
        return checked

    def _cleanup_token(self, auth_token):
        """Whether `auth_token` has expired (then deleted, as knox does). Knox also reads every
        other token of its user, on every request, to delete those that have expired: one query
        a request for housekeeping alone, since an expired token is refused (and deleted) when it
        is used. Left out: a token reader's cache hit costs one query less."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

    def authenticate_credentials(self, token):
        """Knox's, with the user's Preferences read with the token and its user (one query):
        every request reads the reader's language (commitments.languages)."""
        try:
            token = token.decode("utf-8")
        except UnicodeDecodeError as error:
            raise AuthenticationFailed(gettext("Invalid token.")) from error
        candidates = get_token_model().objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user__preferences"):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error) as error:
                raise AuthenticationFailed(gettext("Invalid token.")) from error
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise AuthenticationFailed(gettext("Invalid token."))


class TokenScheme(KnoxTokenScheme):
    """Documents the token in the OpenAPI schema as standard bearer authentication, which
    generated clients speak without hand-editing (drf-spectacular extension)."""

    target_class = "commitments.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created in the admin: `Authorization: Bearer <token>` "
            "(`Authorization: Token <token>` is accepted too).",
        }
