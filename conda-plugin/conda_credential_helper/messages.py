"""The wording of the error for a server that rejects the helper's credential."""

from __future__ import annotations

from .credential import Credential
from .urls import HostKey, redact_url

REJECTED_STATUSES = {401: "401 Unauthorized", 403: "403 Forbidden"}


def rejection_message(status: int, url: str, credential: Credential) -> str:
    """Word the error for a server that responded with 401 or 403 to a request with our key."""
    host = HostKey.from_url(url)
    key = f"The API key {credential.fingerprint} (from {credential.describe_source()})"
    rejected = f"{host} rejected {redact_url(url)} with HTTP {REJECTED_STATUSES[status]}."
    if status == 401:
        return (
            f"{rejected} {key} was not accepted: it is expired, revoked or not a valid "
            f"key. Create a new API key in your Anaconda account and pass it as the "
            f"ANACONDA_AUTH_API_KEY secret."
        )
    return (
        f"{rejected} {key} is valid but has no access to this channel. Check that "
        f"the key belongs to the organisation that owns the channel and that the "
        f"organisation's subscription includes it."
    )
