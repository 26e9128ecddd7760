"""The client's network address, as the API's rate limits and the admin's login lockouts count it.

X-Forwarded-For is written by whoever sends the request, so only the addresses that the
operator's own proxies appended are believed: with TRUSTED_PROXY_COUNT proxies in front of the
app, the client is the TRUSTED_PROXY_COUNT-th address from the end (the one the outermost proxy
saw). With none (the default), the header is ignored and the connection's address is the client.
"""

from django.conf import settings


def client_address(request):
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote
