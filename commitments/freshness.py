"""What the site tells browsers and proxies about keeping its reads (Cache-Control).

A read that carries a validator (ETag or Last-Modified) but no Cache-Control may be reused
without asking, for as long as the browser guesses: about a tenth of the time since
Last-Modified, hours after a quiet week. So the API's reads and the feed say `no-cache`: keep
it, but ask before each use (a 304 when nothing changed, which costs the server one query).
What a signed-in user or token holder reads may name people or show what is pending review: it
is kept by no cache at all (`private, no-cache, no-store`)."""

from django.utils.cache import patch_cache_control


def revalidate_each_time(response, *, personal):
    """`personal`: the response was made for a signed-in reader."""
    if personal:
        patch_cache_control(response, private=True, no_cache=True, no_store=True)
    else:
        patch_cache_control(response, no_cache=True)
