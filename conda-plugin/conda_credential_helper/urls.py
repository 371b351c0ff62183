"""URLs as the plugin compares and shows them: host keys, scopes and redaction.

Nothing here contains a credential: ``redact_url`` drops userinfo, query and fragment
and masks a conda ``/t/<token>`` before a URL reaches a message or a log record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HostKey:
    """Origin of a URL (scheme, lowercase host without trailing dot, port).

    Failures of the helper are cached per ``HostKey``, and its responses per scope. A
    scope never reaches beyond one ``HostKey``.
    """

    scheme: str
    host: str
    port: int | None

    @classmethod
    def from_url(cls, url: str) -> HostKey:
        """Build the key of ``url``, with the scheme's standard port when the URL has none."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        try:
            port = parts.port
        except ValueError:
            port = None
        if port is None:
            port = _DEFAULT_PORTS.get(scheme)
        return cls(scheme, host, port)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port is None or self.port == _DEFAULT_PORTS.get(self.scheme):
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"


def normalized_url(url: str) -> str:
    """Return ``url`` as ``scheme://host[:port]/path``, the form scopes are compared with.

    The host is normalized as in ``HostKey``; userinfo, query and fragment are dropped.
    """
    path = urlsplit(url).path or "/"
    return f"{HostKey.from_url(url)}{path}"


def scope_covers(scope: str, url: str) -> bool:
    """Tell whether a response for ``scope`` applies to the normalized ``url``.

    A scope that ends with ``/`` covers every URL that starts with it; another scope
    covers exactly that URL.
    """
    if scope.endswith("/"):
        return url.startswith(scope)
    return url == scope


def redact_url(url: str) -> str:
    """Return ``url`` without userinfo, query or fragment, with a conda ``/t/<token>`` masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    path = re.sub(r"^/t/[^/]+", "/t/****", parts.path)
    return urlunsplit((parts.scheme, netloc, path, "", ""))
