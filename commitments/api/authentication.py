from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class TokenAuthentication(KnoxTokenAuthentication):
    """django-rest-knox's hashed tokens. A header that is not valid UTF-8 is an invalid token
    (401), where knox would fail with a server error."""

    def authenticate_credentials(self, token):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as error:
            raise AuthenticationFailed("Invalid token.") from error
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """Documents the token in the OpenAPI schema as knox's own (drf-spectacular extension)."""

    target_class = "commitments.api.authentication.TokenAuthentication"
