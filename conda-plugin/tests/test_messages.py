"""Fingerprints, redacted URLs, host keys and the wording of rejection errors."""

from __future__ import annotations

import pytest

from conda_credential_helper import auth


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("", "****"),
        ("abc", "****"),
        ("12345678", "****"),
        ("123456789", "****6789"),
        ("a-long-api-key-WXYZ", "****WXYZ"),
    ],
)
def test_fingerprint_rules(key, expected):
    assert auth.fingerprint(key) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Authorization": "Bearer secret-key-ABCD"}, "****ABCD"),
        ({"authorization": "Bearer short"}, "****"),
        ({"Authorization": "token-without-scheme-WXYZ"}, "****WXYZ"),
        ({"X-Api-Key": "custom-header-key-LMNO"}, "****LMNO"),
        ({}, "****"),
    ],
)
def test_credential_fingerprint_uses_key(headers, expected):
    assert auth.Credential(headers=headers, source="s").fingerprint == expected


def test_credential_repr_hides_headers():
    credential = auth.Credential(headers={"Authorization": "Bearer secret-key-ABCD"}, source="s")

    assert "secret-key" not in repr(credential)
    assert "secret-key" not in str(credential)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://repo.anaconda.cloud/repo/main/", "https://repo.anaconda.cloud/repo/main/"),
        ("https://user:pw@repo.anaconda.cloud/a?token=x#frag", "https://repo.anaconda.cloud/a"),
        (
            "https://conda.anaconda.org/t/tk-123-abc/chan/noarch/repodata.json",
            "https://conda.anaconda.org/t/****/chan/noarch/repodata.json",
        ),
    ],
)
def test_redact_url(url, expected):
    assert auth.redact_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://repo.anaconda.cloud/x", "https://repo.anaconda.cloud"),
        ("HTTPS://Repo.Anaconda.Cloud.:443/x", "https://repo.anaconda.cloud"),
        ("https://repo.anaconda.cloud:8443/x", "https://repo.anaconda.cloud:8443"),
        ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080"),
        ("https://[::1]:8443/x", "https://[::1]:8443"),
    ],
)
def test_host_key_label(url, expected):
    assert str(auth.HostKey.from_url(url)) == expected


def test_rejection_message_401():
    credential = auth.Credential(
        headers={"Authorization": "Bearer expired-key-ABCD"},
        source="secret file /run/secrets/ANACONDA_AUTH_API_KEY",
        kind="API key",
    )

    message = auth.rejection_message(
        401, "https://repo.anaconda.cloud/repo/main/noarch/repodata.json", credential
    )

    assert message == (
        "https://repo.anaconda.cloud rejected "
        "https://repo.anaconda.cloud/repo/main/noarch/repodata.json with HTTP 401 "
        "Unauthorized. The API key ****ABCD (from secret file "
        "/run/secrets/ANACONDA_AUTH_API_KEY) was not accepted: it is expired, revoked or "
        "not a valid key. Create a new API key in your Anaconda account and pass it as "
        "the ANACONDA_AUTH_API_KEY secret."
    )


def test_rejection_message_403():
    credential = auth.Credential(
        headers={"Authorization": "Bearer other-org-key-WXYZ"},
        source="env ANACONDA_AUTH_API_KEY",
        kind="API key",
    )

    message = auth.rejection_message(
        403, "https://repo.anaconda.cloud/repo/private/linux-64/x.conda", credential
    )

    assert message == (
        "https://repo.anaconda.cloud rejected "
        "https://repo.anaconda.cloud/repo/private/linux-64/x.conda with HTTP 403 "
        "Forbidden. The API key ****WXYZ (from env ANACONDA_AUTH_API_KEY) is valid but "
        "has no access to this channel. Check that the key belongs to the organization "
        "that owns the channel and that the organization's subscription includes it."
    )


def test_rejection_message_short_key_shows_mask_only():
    credential = auth.Credential(
        headers={"Authorization": "Bearer shortkey"}, source="s", kind="API key"
    )

    message = auth.rejection_message(401, "https://repo.anaconda.cloud/a", credential)

    assert "The API key **** (from s)" in message
    assert "shortkey" not in message


def test_rejection_message_repo_token():
    credential = auth.Credential(
        headers={"Authorization": "token org-token-WXYZ"},
        source="keyring file /h/.anaconda/keyring (entry anaconda.com, repo token of org o)",
        kind="repo token",
    )

    unauthorized = auth.rejection_message(401, "https://repo.anaconda.cloud/repo/o/x", credential)
    forbidden = auth.rejection_message(403, "https://repo.anaconda.cloud/repo/o/x", credential)

    assert "The repo token ****WXYZ (from keyring file /h/.anaconda/keyring" in unauthorized
    assert "not a valid token. Store a new repo token for the organization" in unauthorized
    assert "pass it as the ANACONDA_AUTH_API_KEY secret" in unauthorized
    assert "API key ****" not in unauthorized
    assert "Check that the token belongs to the organization" in forbidden


CHANNEL_SOURCE = "environment variable CHANNEL_TOKEN (channel https://c.example/* in /c.toml, line 2)"


def test_rejection_message_channel_token():
    credential = auth.Credential(
        headers={"Authorization": "Bearer channel-token-WXYZ"}, source=CHANNEL_SOURCE, kind="token"
    )

    message = auth.rejection_message(401, "https://c.example/chan/noarch/repodata.json", credential)

    assert message == (
        "https://c.example rejected https://c.example/chan/noarch/repodata.json with HTTP "
        f"401 Unauthorized. The token ****WXYZ (from {CHANNEL_SOURCE}) was not accepted: it "
        "is expired, revoked or not valid for this server. Put a token that the server "
        "accepts there, and check that the `scheme` of the channel's [[channel]] table is "
        "the one the server expects."
    )


def test_rejection_message_channel_password():
    credential = auth.Credential(
        headers={"Authorization": "Basic YnVpbGRlcjpwYXNzd29yZA=="}, source="s", kind="password"
    )

    unauthorized = auth.rejection_message(401, "https://c.example/chan/x", credential)
    forbidden = auth.rejection_message(403, "https://c.example/chan/x", credential)

    assert "The password ****ZA== (from s) was not accepted" in unauthorized
    assert "Check the `username` of the channel's [[channel]] table" in unauthorized
    assert "Anaconda" not in unauthorized
    assert "is valid but has no access to this channel. Check that its account" in forbidden
    assert "organization" not in forbidden


def test_rejection_message_without_kind():
    credential = auth.Credential(headers={"Authorization": "Bearer older-helper-WXYZ"}, source="s")

    message = auth.rejection_message(401, "https://c.example/x", credential)

    assert "The credential ****WXYZ (from s) was not accepted" in message
    assert "Put one that the server accepts there." in message
