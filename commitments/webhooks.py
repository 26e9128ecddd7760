"""Sending a webhook: which URLs an endpoint may have, and one signed POST to one of them.

No server-side request forgery: an endpoint's URL is https, and its host must resolve to public
addresses only (not private, loopback, link-local, shared or reserved ones), checked when the
endpoint is saved (a literal address) and again at each delivery (what the name resolves to
then). The request goes to the very address that was checked, with the name for TLS and the Host
header, so a name that resolves elsewhere a moment later (DNS rebinding) changes nothing. In
development (WEBHOOKS_ALLOW_PRIVATE, on with DEBUG) private addresses are allowed, and plain
http on loopback."""

import ipaddress
import socket
from datetime import datetime
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from standardwebhooks import Webhook

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class DeliveryError(Exception):
    """The request could not be made or got no answer: refused address, DNS, TLS, timeout."""


def _literal_address(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_public(address):
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    return address.is_global and not address.is_multicast


def check_endpoint_url(url):
    """Raises ValidationError unless `url` may be an endpoint's, as far as can be told without
    resolving its name (which delivery does, each time)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise ValidationError({"url": _("Enter a URL with a host name.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("A webhook URL carries no user name or password.")})
    address = _literal_address(host)
    loopback = host in LOOPBACK_NAMES or (address is not None and address.is_loopback)
    if parts.scheme == "http" and not (settings.WEBHOOKS_ALLOW_PRIVATE and loopback):
        raise ValidationError({"url": _("Webhooks are sent over https only.")})
    if parts.scheme not in ("https", "http"):
        raise ValidationError({"url": _("Webhooks are sent over https only.")})
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return
    if loopback or (address is not None and not _is_public(address)):
        raise ValidationError({"url": _("Webhooks are not sent to private or local addresses.")})


def resolve_public_address(host, port):
    """The address to connect to for `host`: every address it resolves to must be public
    (unless WEBHOOKS_ALLOW_PRIVATE), or none is used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise DeliveryError(f"Cannot resolve {host}: {error}") from error
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not settings.WEBHOOKS_ALLOW_PRIVATE:
        refused = [address for address in addresses if not _is_public(address)]
        if refused:
            raise DeliveryError(f"Refused: {host} resolves to a non-public address ({refused[0]}).")
    return str(addresses[0])


def signed_headers(*, secret, message_id, timestamp: datetime, body: str):
    return {
        "Content-Type": "application/json",
        "User-Agent": "RoadmapTracker-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, body),
    }


def post(url, *, headers, body: str, timeout):
    """POSTs `body` to `url` and returns the answer's status code; redirects are not followed
    (a 3xx is a failed attempt). Raises DeliveryError when there is no answer."""
    try:
        check_endpoint_url(url)
    except ValidationError as error:
        raise DeliveryError(" ".join(error.messages)) from error
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = resolve_public_address(parts.hostname, port)
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False}
    if https:
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=parts.hostname,
            assert_hostname=parts.hostname,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                target,
                body=body.encode(),
                headers={**headers, "Host": parts.netloc.rpartition("@")[2]},
                redirect=False,
                assert_same_host=False,
                preload_content=False,
            )
            # What it says is not used: a little is read, so that a huge answer costs nothing.
            response.read(64 * 1024)
            return response.status
    except urllib3.exceptions.HTTPError as error:
        raise DeliveryError(str(error)[:300]) from error
