"""`Idempotency-Key` on the API's POSTs, as Stripe has it: a client that sends a POST with a key
of its choosing (a UUID) and loses the answer, a dropped connection, sends it again with the
same key and gets the first response (its status, body and Location) instead of a second
permanent record.

- The key is the user's own (token holders and signed-in users alike): another user's same key
  is another key.
- The same key with another request (method, path or JSON body) is a 422; while the first
  request with a key is still running, a second is a 409 with Retry-After (on PostgreSQL; on
  SQLite, which runs one write at a time, the second waits and gets the first's response).
- Only a success (2xx) is kept: it is the only answer that wrote something. Whatever else
  happens (a 400, a 409, a 503) leaves nothing behind, the key stays free, and a retry, a
  corrected body included, runs again. (Stripe keeps 4xx results too; here every write path
  writes nothing on failure, so running a refused request again is harmless and gets today's
  answer.)
- The POST's write and its key are one transaction: no key without its write, no write without
  its key, whatever the connection does.
- A key is kept for 24 hours (IdempotencyKey.KEPT_FOR), after which it is a new key. Each
  keyed write deletes its user's expired keys; `manage.py prune_idempotency_keys` deletes
  everyone's.

Without the header a POST behaves as it always did."""

import hashlib
import json

from django.db import connections, router, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from commitments.api.exceptions import Conflict
from commitments.models import IdempotencyKey

HEADER = "Idempotency-Key"
# On a response given again: Stripe's name for it.
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_LENGTH = IdempotencyKey._meta.get_field("key").max_length


class KeyInUse(Conflict):
    wait = 1  # Retry-After, in seconds (DRF's exception handler sends it)


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


class Replay(Exception):
    """The request was made before: its response is given again (by handle_exception)."""

    def __init__(self, stored):
        super().__init__()
        self.stored = stored

    def response(self):
        response = HttpResponse(bytes(self.stored.body), status=self.stored.status)
        for name, value in self.stored.headers:
            response[name] = value
        response[REPLAYED_HEADER] = "true"
        return response


class IdempotentPostMixin:
    """For the API views that take POSTs. The key is looked up once DRF has authenticated the
    request (initial), and the response recorded once it is rendered (dispatch), within the
    transaction that dispatch opens for the whole request."""

    idempotency = None  # (key, fingerprint) of a keyed POST that runs, to record on success

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic(using=router.db_for_write(IdempotencyKey)):
            response = super().dispatch(request, *args, **kwargs)
            if not status.is_success(response.status_code):
                # Nothing of a failed request stays, and its key stays free.
                transaction.set_rollback(True)
            elif self.idempotency is not None:
                response.render()
                self._record(response)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        if request.method == "POST" and HEADER in request.headers:
            self.idempotency = self._claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response()
        return super().handle_exception(exc)

    def _claim(self, request):
        """The key and the request's fingerprint, once no other request holds the key; a Replay
        when the same request was made with it before."""
        key = request.headers[HEADER]
        if not key.strip() or len(key) > MAX_LENGTH:
            raise ValidationError(
                {
                    HEADER: [
                        gettext(
                            "An idempotency key is 1 to %(max)s characters; a new UUID for each "
                            "request (and the same one for its retries) will do."
                        )
                        % {"max": MAX_LENGTH}
                    ]
                }
            )
        fingerprint = _fingerprint(request)
        if not _lock(request.user, key):
            raise KeyInUse(
                gettext(
                    "A request with this %(header)s is still being processed. Retry in a moment "
                    "to get its response."
                )
                % {"header": HEADER}
            )
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is None or stored.is_expired():
            return key, fingerprint  # (an expired one is deleted when this one is recorded)
        if stored.fingerprint != fingerprint:
            raise KeyReused(
                gettext(
                    "This %(header)s was used for another request (another address or body) in "
                    "the last %(hours)s hours. Send a new key with each new request, and the same "
                    "key only with its retries."
                )
                % {"header": HEADER, "hours": _hours(IdempotencyKey.KEPT_FOR)}
            )
        raise Replay(stored)

    def _record(self, response):
        key, fingerprint = self.idempotency
        user = self.request.user
        now = timezone.now()
        IdempotencyKey.objects.filter(user=user).expired(now).delete()  # the same key's too
        IdempotencyKey.objects.create(
            created_at=now,
            user=user,
            key=key,
            fingerprint=fingerprint,
            status=response.status_code,
            headers=[[name, value] for name, value in response.items()],
            body=response.content,
        )


def _fingerprint(request):
    """The method, the path with its query and the JSON body as parsed, in a canonical form: a
    retry that spells the same JSON with other spacing or key order is the same request."""
    request_as_parsed = [request.method, request.get_full_path(), request.data]
    canonical = json.dumps(request_as_parsed, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock(user, key):
    """Holds the key for this transaction, or says that another request holds it.

    PostgreSQL: a transaction-level advisory lock on a hash of the user and key, taken without
    waiting. SQLite runs one write transaction at a time (transaction_mode IMMEDIATE takes the
    write lock when the transaction begins): a second request with the key waits for the first
    to commit, then finds its response."""
    connection = connections[router.db_for_write(IdempotencyKey)]
    if connection.vendor != "postgresql":
        return True
    digest = hashlib.sha256(f"idempotency-key:{user.pk}:{key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )
        return cursor.fetchone()[0]


def _hours(duration):
    return int(duration.total_seconds() // 3600)
