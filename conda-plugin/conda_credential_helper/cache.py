"""The per-process cache of the helper's responses, by scope, and of its failures, by host.

The helper runs at most once per scope per process, shared by every thread and auth object.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from .credential import Credential, HelperFailure
from .helper import run_helper
from .urls import HostKey, normalized_url, redact_url, scope_covers

log = logging.getLogger("conda_credential_helper")


@dataclass
class _HostEntry:
    """Responses of the helper for one host, by scope, or its failure for the host.

    ``lock`` is held while the helper runs for a URL of the host, so threads that ask for
    the same scope at once run it once.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    responses: dict[str, Credential] = field(default_factory=dict)
    failure: str | None = None

    def find(self, url: str) -> Credential | None:
        """Return the response whose scope covers the normalized ``url``, the narrowest first."""
        covering = [scope for scope in self.responses if scope_covers(scope, url)]
        if not covering:
            return None
        return self.responses[max(covering, key=len)]


_cache: dict[HostKey, _HostEntry] = {}
_cache_lock = threading.Lock()


def credential_for(url: str) -> Credential:
    """Return the helper's credential for ``url``.

    The helper runs at most once per scope per process, whichever thread or handler
    object calls: its response serves every URL its scope covers. A failure is cached for
    the whole host: later calls raise ``HelperFailure`` with the same message without
    running the helper again.
    """
    host = HostKey.from_url(url)
    target = normalized_url(url)
    with _cache_lock:
        entry = _cache.setdefault(host, _HostEntry())

    with entry.lock:
        if entry.failure is None:
            cached = entry.find(target)
            if cached is not None:
                return cached
            try:
                credential = run_helper(url)
            except HelperFailure as failure:
                entry.failure = failure.message
            else:
                entry.responses[checked_scope(credential.scope, host, target)] = credential
                return credential

    raise HelperFailure(entry.failure)


def checked_scope(scope: str | None, host: HostKey, url: str) -> str:
    """Return the scope to cache a response for the normalized ``url`` under.

    A missing scope, from a helper older than scopes, means the whole host. A scope
    that is not on the request's host or does not cover the URL is narrowed to the URL
    itself, so a response never serves another host.
    """
    origin = f"{host}/"
    if scope is None:
        return origin
    if scope.startswith(origin) and scope_covers(scope, url):
        return scope
    log.debug("ignoring scope %s for %s: it does not cover the URL", redact_url(scope), url)
    return url


def clear_cache() -> None:
    """Forget every cached credential and failure, so the next request runs the helper again."""
    with _cache_lock:
        _cache.clear()
