from rest_framework import throttling


class UserRateThrottle(throttling.UserRateThrottle):
    """Counts signed-in users and token holders only. AnonRateThrottle counts everyone else;
    DRF's own UserRateThrottle would count an anonymous client a second time, at the user rate,
    which costs two more cache round trips a request and limits nothing."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)
