"""The wording of the error for a server that rejects the helper's credential.

The words and the fix depend on the kind of credential that ``get --with-source``
reports: an Anaconda API key or repo token, or the token or password of a custom
channel from the helper's config file.
"""

from __future__ import annotations

from .credential import Credential
from .urls import HostKey, redact_url

REJECTED_STATUSES = {401: "401 Unauthorized", 403: "403 Forbidden"}

# Reason a server rejects a credential with 401, and the fix, by kind of credential.
_UNAUTHORIZED = {
    "API key": (
        "it is expired, revoked or not a valid key. Create a new API key in your Anaconda "
        "account and pass it as the ANACONDA_AUTH_API_KEY secret."
    ),
    # An API key in the variable, secret file or .env comes before every keyring.
    "repo token": (
        "it is expired, revoked or not a valid token. Store a new repo token for the "
        "organization in that keyring, or create an API key in your Anaconda account and "
        "pass it as the ANACONDA_AUTH_API_KEY secret, which the helper uses instead of the "
        "keyring."
    ),
    "token": (
        "it is expired, revoked or not valid for this server. Put a token that the server "
        "accepts there, and check that the `scheme` of the channel's [[channel]] table is "
        "the one the server expects."
    ),
    "password": (
        "the username or the password is wrong for this server. Check the `username` of "
        "the channel's [[channel]] table, and put the right password there."
    ),
}
_UNAUTHORIZED_OTHER = (
    "it is expired, revoked or not valid for this server. Put one that the server accepts there."
)

# The fix when a server rejects a valid credential with 403, by kind of credential.
_FORBIDDEN = {
    "API key": (
        "Check that the key belongs to the organization that owns the channel and that the "
        "organization's subscription includes it."
    ),
    "repo token": (
        "Check that the token belongs to the organization that owns the channel and that the "
        "organization's subscription includes it."
    ),
}
_FORBIDDEN_OTHER = "Check that its account may read this channel on the server."


def rejection_message(status: int, url: str, credential: Credential) -> str:
    """Word the error for a server that responded with 401 or 403 to a request with our key.

    The message names the kind of credential, its fingerprint and its source, and a fix
    that suits the kind.
    """
    host = HostKey.from_url(url)
    kind = credential.describe_kind()
    sent = f"The {kind} {credential.fingerprint} (from {credential.describe_source()})"
    rejected = f"{host} rejected {redact_url(url)} with HTTP {REJECTED_STATUSES[status]}."
    if status == 401:
        reason = _UNAUTHORIZED.get(kind, _UNAUTHORIZED_OTHER)
        return f"{rejected} {sent} was not accepted: {reason}"
    fix = _FORBIDDEN.get(kind, _FORBIDDEN_OTHER)
    return f"{rejected} {sent} is valid but has no access to this channel. {fix}"
