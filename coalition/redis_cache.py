"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django's backend builds a new redis-py client for every cache call, and redis-py builds its
table of reply callbacks with each client: about 0.1 ms a call, several calls per API read
(throttle counts, the summary). The client is thread-safe; its pool is already shared.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
