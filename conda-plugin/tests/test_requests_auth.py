"""CredentialHelperAuth with the real requests library against loopback HTTP servers.

The real binary returns a header only for https://repo.anaconda.cloud, which these
plain-HTTP servers cannot be, so a stand-in helper that returns headers for every host
is used here.
tests/plugin.rs covers the real binary behind TLS.
"""

from __future__ import annotations

import json

import pytest
import requests

from conda_credential_helper import auth

KEY = "loopback-test-key-0123456789"
FINGERPRINT = "****6789"


@pytest.fixture
def session():
    """Return a requests session that ignores proxy variables and .netrc."""
    with requests.Session() as session:
        session.trust_env = False
        yield session


@pytest.fixture
def helper_for_every_host(write_helper):
    """Write a stand-in helper that returns ``headers`` for any URL."""

    def write(headers: dict, source: str = "env ANACONDA_AUTH_API_KEY", kind: str = "API key"):
        document = json.dumps({"headers": headers, "source": source, "kind": kind})
        write_helper(f"cat > /dev/null\nprintf '%s' '{document}'\n")

    return write


def test_auth_header_reaches_server(session, http_server, helper_for_every_host):
    helper_for_every_host({"Authorization": [f"Bearer {KEY}"]})
    server = http_server()
    url = server.route("/repo/main/noarch/repodata.json")

    response = session.get(url, auth=auth.CredentialHelperAuth())

    assert response.status_code == 200
    assert server.headers_for("/repo/main/noarch/repodata.json")[0]["Authorization"] == (
        f"Bearer {KEY}"
    )


def test_auth_without_headers_leaves_request_alone(session, http_server, helper_for_every_host):
    helper_for_every_host({})
    server = http_server()
    url = server.route("/public", status=401)

    response = session.get(url, auth=auth.CredentialHelperAuth())

    assert response.status_code == 401
    assert "Authorization" not in server.headers_for("/public")[0]


def test_auth_401_names_host_status_source_and_fingerprint(
    session, http_server, helper_for_every_host
):
    helper_for_every_host({"Authorization": [f"Bearer {KEY}"]}, source="secret file /s/KEY")
    server = http_server()
    url = server.route("/repo/main/noarch/repodata.json", status=401)

    with pytest.raises(auth.CredentialHelperError) as raised:
        session.get(url, auth=auth.CredentialHelperAuth())

    message = str(raised.value)
    assert message.startswith(f"{server.url} rejected {url} with HTTP 401 Unauthorized.")
    assert f"The API key {FINGERPRINT} (from secret file /s/KEY)" in message
    assert "expired, revoked or not a valid key" in message
    assert "Create a new API key" in message
    assert KEY not in message
    assert KEY not in repr(vars(raised.value))


def test_auth_403_names_host_status_source_and_fingerprint(
    session, http_server, helper_for_every_host
):
    helper_for_every_host({"Authorization": [f"Bearer {KEY}"]})
    server = http_server()
    url = server.route("/repo/private/noarch/repodata.json", status=403)

    with pytest.raises(auth.CredentialHelperError) as raised:
        session.get(url, auth=auth.CredentialHelperAuth())

    message = str(raised.value)
    assert message.startswith(f"{server.url} rejected {url} with HTTP 403 Forbidden.")
    assert f"{FINGERPRINT} (from env ANACONDA_AUTH_API_KEY)" in message
    assert "no access to this channel" in message
    assert "organization" in message
    assert KEY not in message


def test_auth_error_class_hook(session, http_server, helper_for_every_host):
    class ChannelError(RuntimeError):
        pass

    helper_for_every_host({"Authorization": [f"Bearer {KEY}"]})
    server = http_server()
    url = server.route("/denied", status=403)

    with pytest.raises(ChannelError, match="403 Forbidden"):
        session.get(url, auth=auth.CredentialHelperAuth(error_class=ChannelError))


def test_auth_error_class_hook_for_helper_failure(monkeypatch, tmp_path):
    class ChannelError(RuntimeError):
        pass

    monkeypatch.setenv(auth.BIN_ENV, str(tmp_path / "missing"))
    request = requests.Request("GET", "https://repo.anaconda.cloud/a").prepare()

    with pytest.raises(ChannelError) as raised:
        auth.CredentialHelperAuth(error_class=ChannelError)(request)

    assert auth.BIN_ENV in str(raised.value)
    assert raised.value.__cause__ is None


def test_auth_default_error_class_is_plain_exception():
    assert issubclass(auth.CredentialHelperError, Exception)
    assert not issubclass(auth.CredentialHelperError, auth.HelperFailure)


@pytest.mark.parametrize("header", ["Authorization", "X-Api-Key"])
def test_auth_header_dropped_on_redirect_to_other_origin(
    session, http_server, helper_for_every_host, header
):
    # requests strips only Authorization on a host change; the plugin strips any name.
    value = f"Bearer {KEY}" if header == "Authorization" else KEY
    helper_for_every_host({header: [value]})
    repo = http_server()
    other = http_server()
    landing = other.route("/landing")
    start = repo.route("/start", status=302, headers={"Location": landing})

    response = session.get(start, auth=auth.CredentialHelperAuth())

    assert response.status_code == 200
    assert repo.headers_for("/start")[0][header] == value
    received = other.headers_for("/landing")
    assert len(received) == 1
    assert header not in received[0]
    assert KEY not in json.dumps(received[0])


def test_auth_ignores_401_from_other_origin(session, http_server, helper_for_every_host):
    helper_for_every_host({"Authorization": [f"Bearer {KEY}"]})
    repo = http_server()
    other = http_server()
    landing = other.route("/landing", status=401)
    start = repo.route("/start", status=302, headers={"Location": landing})

    response = session.get(start, auth=auth.CredentialHelperAuth())

    assert response.status_code == 401
    assert "Authorization" not in other.headers_for("/landing")[0]


def test_auth_header_kept_on_same_origin_redirect(session, http_server, helper_for_every_host):
    helper_for_every_host({"X-Api-Key": [KEY]})
    repo = http_server()
    repo.route("/landing")
    start = repo.route("/start", status=301, headers={"Location": "/landing"})

    response = session.get(start, auth=auth.CredentialHelperAuth())

    assert response.status_code == 200
    assert repo.headers_for("/landing")[0]["X-Api-Key"] == KEY


def test_auth_403_after_same_origin_redirect(session, http_server, helper_for_every_host):
    helper_for_every_host({"Authorization": [f"Bearer {KEY}"]})
    repo = http_server()
    repo.route("/denied", status=403)
    start = repo.route("/start", status=307, headers={"Location": "/denied"})

    with pytest.raises(auth.CredentialHelperError, match="403 Forbidden"):
        session.get(start, auth=auth.CredentialHelperAuth())


@pytest.mark.parametrize("status", [200, 404, 500])
def test_auth_masks_key_on_answered_request(session, http_server, helper_for_every_host, status):
    helper_for_every_host({"Authorization": [f"Bearer {KEY}"]})
    server = http_server()
    url = server.route("/repo/main/noarch/repodata.json", status=status)

    response = session.get(url, auth=auth.CredentialHelperAuth())

    assert response.status_code == status
    assert server.headers_for("/repo/main/noarch/repodata.json")[0]["Authorization"] == (
        f"Bearer {KEY}"
    )
    assert response.request.headers["Authorization"] == f"Bearer {FINGERPRINT}"


def test_auth_masks_custom_header(session, http_server, helper_for_every_host):
    helper_for_every_host({"X-Api-Key": [KEY]})
    server = http_server()
    url = server.route("/file")

    response = session.get(url, auth=auth.CredentialHelperAuth())

    assert server.headers_for("/file")[0]["X-Api-Key"] == KEY
    assert response.request.headers["X-Api-Key"] == FINGERPRINT


def test_auth_masks_key_after_same_origin_redirect(session, http_server, helper_for_every_host):
    helper_for_every_host({"Authorization": [f"Bearer {KEY}"]})
    repo = http_server()
    repo.route("/landing")
    start = repo.route("/start", status=302, headers={"Location": "/landing"})

    response = session.get(start, auth=auth.CredentialHelperAuth())

    assert repo.headers_for("/start")[0]["Authorization"] == f"Bearer {KEY}"
    assert repo.headers_for("/landing")[0]["Authorization"] == f"Bearer {KEY}"
    assert response.request.headers["Authorization"] == f"Bearer {FINGERPRINT}"
