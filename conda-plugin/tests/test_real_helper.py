"""The plugin driving the real conda-credential-helper binary (no network needed)."""

from __future__ import annotations

import base64
import json
import logging
import os

import pytest
import requests
import urllib3

from conda_credential_helper import auth

KEY = "real-helper-test-key-0123456789"
REPO_URL = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json"


def prepare(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def test_real_helper_key_from_environment(real_helper, monkeypatch):
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", KEY)

    request = auth.CredentialHelperAuth()(prepare(REPO_URL))

    assert request.headers["Authorization"] == f"Bearer {KEY}"
    credential = auth.credential_for(REPO_URL)
    assert "ANACONDA_AUTH_API_KEY" in (credential.source or "")


def test_real_helper_key_from_secret_file(real_helper, tmp_path):
    secret = tmp_path / "secrets" / "ANACONDA_AUTH_API_KEY"
    secret.write_text(f"{KEY}\n")

    credential = auth.credential_for(REPO_URL)

    assert dict(credential.headers) == {"Authorization": f"Bearer {KEY}"}
    assert str(secret) in (credential.source or "")


def test_real_helper_other_host_gets_no_header(real_helper, monkeypatch):
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", KEY)

    request = auth.CredentialHelperAuth()(prepare("https://conda.anaconda.org/conda-forge/"))

    assert "Authorization" not in request.headers


def test_real_helper_http_gets_no_header(real_helper, monkeypatch):
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", KEY)

    request = auth.CredentialHelperAuth()(prepare("http://repo.anaconda.cloud/repo/main/"))

    assert "Authorization" not in request.headers


def test_real_helper_without_key_fails_clearly(real_helper):
    with pytest.raises(auth.CredentialHelperError) as raised:
        auth.CredentialHelperAuth()(prepare(REPO_URL))

    message = str(raised.value)
    assert message.startswith(f"{auth.BINARY_NAME} failed for https://repo.anaconda.cloud: no API key found")
    assert "ANACONDA_AUTH_API_KEY" in message


def test_real_helper_invalid_key_never_echoed(real_helper, monkeypatch):
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", "bad key-with inner-space-XYZ")

    with pytest.raises(auth.CredentialHelperError) as raised:
        auth.CredentialHelperAuth()(prepare(REPO_URL))

    message = str(raised.value)
    assert "ANACONDA_AUTH_API_KEY" in message
    assert "inner-space" not in message


def test_real_helper_debug_logs_never_contain_key(real_helper, monkeypatch, caplog):
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", KEY)
    caplog.set_level(logging.DEBUG, logger="conda_credential_helper")

    auth.credential_for(REPO_URL)

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "returned header(s) Authorization for https://repo.anaconda.cloud" in text
    assert KEY not in text


@pytest.mark.parametrize(
    "url",
    [
        "https://repo.anaconda.cloud/repo/main/x.json",
        "https://REPO.Anaconda.Cloud.:443/repo/main/x.json",
        "https://user:pw@repo.anaconda.cloud/repo/main/x.json",
        "https://repo.anaconda.cloud@evil.example/x.json",
        "https://evil.example\\@repo.anaconda.cloud/x.json",
        "https://repo.anaconda.cloud\\@evil.example/x.json",
        "https://evil.example#@repo.anaconda.cloud/x.json",
        "https://evil.example/repo.anaconda.cloud/x.json",
        "https://repo.anaconda.cloud:8443/x.json",
        "https://repo%2Eanaconda.cloud/x.json",
        "http://repo.anaconda.cloud/x.json",
    ],
)
def test_real_helper_header_only_where_requests_connects(real_helper, monkeypatch, url):
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", KEY)

    request = auth.CredentialHelperAuth()(prepare(url))

    # The host and port that urllib3 will connect to, from the prepared URL.
    target = urllib3.util.parse_url(request.url)
    connects_to_repo = (
        target.scheme == "https"
        and (target.host or "").lower().rstrip(".") == "repo.anaconda.cloud"
        and target.port in (None, 443)
    )
    assert ("Authorization" in request.headers) == connects_to_repo, request.url


def write_keyring(home, record: dict) -> None:
    encoded = base64.b64encode(json.dumps(record).encode()).decode()
    keyring = {"Anaconda Cloud": {"anaconda.com": encoded}}
    (home / ".anaconda").mkdir()
    (home / ".anaconda" / "keyring").write_text(json.dumps(keyring))


def test_real_helper_repo_tokens_per_org(real_helper, tmp_path):
    write_keyring(
        tmp_path / "home",
        {
            "api_key": "api-key-0123456789",
            "repo_tokens": [
                {"token": "token-a-0123456789", "org_name": "org-a"},
                {"token": "token-b-0123456789", "org_name": "org-b"},
            ],
        },
    )
    handler = auth.CredentialHelperAuth()
    base = "https://repo.anaconda.cloud/repo"

    def authorization(url: str) -> str:
        return handler(prepare(url)).headers["Authorization"]

    assert authorization(f"{base}/org-a/chan/noarch/repodata.json") == "token token-a-0123456789"
    assert authorization(f"{base}/org-b/chan/noarch/repodata.json") == "token token-b-0123456789"
    assert authorization(f"{base}/org-a/chan/linux-64/repodata.json") == "token token-a-0123456789"
    assert authorization(f"{base}/main-x/noarch/repodata.json") == "Bearer api-key-0123456789"
    scope = auth.credential_for(f"{base}/org-b/x/noarch/repodata.json").scope
    assert scope == "https://repo.anaconda.cloud/repo/org-b/"


def write_channel_config(server_url: str, table: str) -> str:
    """Write a ``[[channel]]`` table for every URL under ``server_url`` into the helper's
    config file, and return the channel's description in the helper's ``source``."""
    path = os.environ["CONDA_CREDENTIAL_HELPER_CONFIG"]
    pattern = f"{server_url}/*"
    with open(path, "w", encoding="utf-8") as config:
        config.write(f'[[channel]]\nurl = "{pattern}"\n{table}allow_insecure_http = true\n')
    return f"channel {pattern} in {path}, line 2"


def test_real_helper_custom_token_rejected(real_helper, monkeypatch, http_server):
    server = http_server()
    url = server.route("/chan/noarch/repodata.json", status=401)
    channel = write_channel_config(server.url, 'scheme = "Bearer"\nsecret = "CHANNEL_TOKEN"\n')
    monkeypatch.setenv("CHANNEL_TOKEN", KEY)

    with requests.Session() as session, pytest.raises(auth.CredentialHelperError) as raised:
        session.trust_env = False
        session.get(url, auth=auth.CredentialHelperAuth())

    message = str(raised.value)
    assert server.headers_for("/chan/noarch/repodata.json")[0]["Authorization"] == f"Bearer {KEY}"
    assert message.startswith(f"{server.url} rejected {url} with HTTP 401 Unauthorized.")
    assert (
        f"The token ****6789 (from environment variable CHANNEL_TOKEN ({channel})) was not accepted"
        in message
    )
    assert "check that the `scheme` of the channel's [[channel]] table" in message
    assert "API key" not in message
    assert KEY not in message


def test_real_helper_custom_password_forbidden(real_helper, monkeypatch, http_server):
    server = http_server()
    url = server.route("/chan/noarch/repodata.json", status=403)
    table = 'scheme = "Basic"\nusername = "builder"\nsecret = "CHANNEL_PASSWORD"\n'
    channel = write_channel_config(server.url, table)
    monkeypatch.setenv("CHANNEL_PASSWORD", KEY)

    with requests.Session() as session, pytest.raises(auth.CredentialHelperError) as raised:
        session.trust_env = False
        session.get(url, auth=auth.CredentialHelperAuth())

    message = str(raised.value)
    assert message.startswith(f"{server.url} rejected {url} with HTTP 403 Forbidden. The password ")
    assert f"(from environment variable CHANNEL_PASSWORD ({channel})) is valid" in message
    assert "Check that its account may read this channel on the server." in message
    assert "organization" not in message
    assert KEY not in message


def test_real_helper_repo_token_rejected(real_helper, tmp_path):
    write_keyring(
        tmp_path / "home",
        {"repo_tokens": [{"token": "token-a-0123456789", "org_name": "org-a"}]},
    )
    credential = auth.credential_for("https://repo.anaconda.cloud/repo/org-a/c/noarch/repodata.json")

    message = auth.rejection_message(
        401, "https://repo.anaconda.cloud/repo/org-a/c/noarch/repodata.json", credential
    )

    assert credential.kind == "repo token"
    assert "The repo token ****6789 (from keyring file " in message
    assert "repo token of org org-a)) was not accepted" in message
    assert "Store a new repo token for the organization" in message
