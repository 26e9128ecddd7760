"""/metrics: the Prometheus text format, for Prometheus only.

Refused unless one of two ways in is configured and used: a bearer token (METRICS_TOKEN,
`Authorization: Bearer <token>`, as Prometheus' `authorization` scrape setting sends it) or a
client address in METRICS_ALLOWED_ADDRESSES (addresses or networks, judged as the rate limits
judge them: commitments.client_address, which believes X-Forwarded-For only as far as
TRUSTED_PROXY_COUNT says). With neither configured the page does not exist (404, as before it
did): nothing tells a stranger that there is something to unlock. Configured but not satisfied,
it is a 403.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from commitments import db_router
from commitments.client_address import client_address
from commitments.metrics.collector import DomainCollector


@require_safe
def metrics(request):
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_ADDRESSES:
        raise Http404
    if not (_has_token(request) or _from_allowed_address(request)):
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain")
    # The figures of the domain are the primary's, even for a request a replica would serve.
    db_router.read_primary()
    domain = CollectorRegistry()
    domain.register(DomainCollector())
    body = generate_latest(_counts()) + generate_latest(domain)
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


def _counts():
    """The counters and histograms: of every worker of this server, added up from the files
    each writes under PROMETHEUS_MULTIPROC_DIR, else of this process."""
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    return registry


def _has_token(request):
    expected = settings.METRICS_TOKEN
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return bool(
        expected
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip().encode(), expected.encode())
    )


def _from_allowed_address(request):
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_ADDRESSES)
