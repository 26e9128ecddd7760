from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

# Knox's own prefix, and the standard one that generated clients send.
PREFIXES = {b"token", b"bearer"}


class TokenAuthentication(KnoxTokenAuthentication):
    """django-rest-knox's hashed tokens, sent as `Authorization: Bearer <token>` (what generated
    clients send) or `Token <token>` (knox's own). A header that is not valid UTF-8 is an
    invalid token (401), where knox would fail with a server error."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() not in PREFIXES:
            return None  # another scheme, or none: not ours to refuse
        if len(header) == 1:
            # "Bearer" and no token: what a generated client sends for a public read when it
            # was given no token (its operations all take one). Anonymous, as with no header.
            return None
        if len(header) != 2:
            raise AuthenticationFailed(
                "Invalid token header: send 'Authorization: Bearer <token>', with no spaces in "
                "the token."
            )
        return self.authenticate_credentials(header[1])

    def authenticate_credentials(self, token):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as error:
            raise AuthenticationFailed("Invalid token.") from error
        return super().authenticate_credentials(token)


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
