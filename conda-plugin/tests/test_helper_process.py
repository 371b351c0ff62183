"""How the plugin runs the helper and reacts when the helper is missing or misbehaves.

Shell scripts stand in for the helper here, because the real binary never prints
invalid JSON, hangs or crashes.
"""

from __future__ import annotations

import json
import logging
import textwrap
import time

import pytest
import requests

from conda_credential_helper import auth

URL = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json"
HOST = "https://repo.anaconda.cloud"
KEY = "stand-in-key-0123456789"


def print_headers(headers: dict, source: str | None = "stand-in script") -> str:
    """Return shell lines that drain stdin and print ``headers`` as the helper's output."""
    document = {"headers": headers}
    if source is not None:
        document["source"] = source
    return f"cat > /dev/null\nprintf '%s\\n' '{json.dumps(document)}'\n"


def failure_message() -> str:
    with pytest.raises(auth.HelperFailure) as raised:
        auth.credential_for(URL)
    return raised.value.message


def test_helper_missing(monkeypatch, tmp_path):
    missing = tmp_path / "gone" / auth.BINARY_NAME
    monkeypatch.setenv(auth.BIN_ENV, str(missing))

    message = failure_message()

    assert auth.BIN_ENV in message
    assert str(missing) in message


def test_helper_not_executable(write_helper):
    helper = write_helper(print_headers({}))
    helper.chmod(0o644)

    message = failure_message()

    assert f"failed to run `{helper}`: permission denied" in message
    assert f"chmod +x {helper}" in message


def test_helper_not_a_program(write_helper):
    helper = write_helper("")
    helper.write_bytes(b"\x7fELF\x00garbage")

    message = failure_message()

    assert f"failed to run `{helper}`" in message
    assert "built for this machine" in message


def test_helper_hanging_is_stopped(write_helper, monkeypatch):
    # The script does not exec, so killing it leaves `sleep` holding the pipes open.
    # The plugin must still return at the time limit.
    helper = write_helper("sleep 20\n")
    monkeypatch.setenv(auth.TIMEOUT_ENV, "0.5")

    started = time.monotonic()
    message = failure_message()
    elapsed = time.monotonic() - started

    assert elapsed < 5, f"the helper was stopped after {elapsed:.1f} s, not 0.5 s"
    assert f"`{helper} get` timed out after 0.5 seconds for {HOST}" in message
    assert auth.TIMEOUT_ENV in message


def test_helper_exit_status_with_message(write_helper):
    write_helper(
        """\
        cat > /dev/null
        echo 'error: ANACONDA_AUTH_API_KEY is not set. Pass the key as a build secret.' >&2
        exit 1
        """
    )

    message = failure_message()

    assert message == (
        f"{auth.BINARY_NAME} failed for {HOST}: ANACONDA_AUTH_API_KEY is not set. "
        "Pass the key as a build secret."
    )


def test_helper_exit_status_skips_log_lines(write_helper):
    write_helper(
        """\
        cat > /dev/null
        echo 'DEBUG reading the secrets dir' >&2
        echo 'error: the secret file is empty.' >&2
        echo 'hint: write the key into it.' >&2
        exit 1
        """
    )

    message = failure_message()

    assert "DEBUG" not in message
    assert message.endswith(": the secret file is empty.\nhint: write the key into it.")


def test_helper_exit_status_without_message(write_helper):
    helper = write_helper("cat > /dev/null\nexit 3\n")

    message = failure_message()

    assert f"`{helper} get` exited with code 3 for {HOST} without an error message" in message


def test_helper_killed_by_signal(write_helper):
    helper = write_helper("cat > /dev/null\nkill -9 $$\n")

    message = failure_message()

    assert f"`{helper} get` was killed by signal 9 for {HOST}" in message


def test_helper_invalid_json_is_not_quoted(write_helper):
    helper = write_helper(f"cat > /dev/null\necho 'Authorization: Bearer {KEY}'\n")

    message = failure_message()

    assert f"`{helper} get` returned invalid output for {HOST}" in message
    assert "not valid JSON" in message
    assert KEY not in message


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([], "the output is not a JSON object"),
        ({"source": "x"}, 'the output has no "headers" field'),
        ({"headers": ["Authorization"]}, '"headers" is not a JSON object'),
        ({"headers": {"Authorization": f"Bearer {KEY}"}}, "is not a list of strings"),
        ({"headers": {"Authorization": [1]}}, "is not a list of strings"),
    ],
)
def test_helper_output_with_wrong_shape(write_helper, document, reason):
    write_helper(f"cat > /dev/null\nprintf '%s' '{json.dumps(document)}'\n")

    message = failure_message()

    assert reason in message
    assert KEY not in message


@pytest.mark.parametrize("value", [f"Bearer {KEY}\r\nX-Injected: 1", f"Bearer {KEY}\n", "a\x00b"])
def test_helper_header_value_with_line_break(write_helper, value):
    write_helper(print_headers({"Authorization": [value]}))

    message = failure_message()

    assert "header `Authorization` contains a line break (CR or LF) or NUL" in message
    assert KEY not in message


@pytest.mark.parametrize("name", ["X-Key\r\nInjected", "X-Key\n", "X\x00Key"])
def test_helper_header_name_with_line_break(write_helper, name):
    write_helper(print_headers({name: [KEY]}))

    message = failure_message()

    assert "a header name contains a line break (CR or LF) or NUL" in message
    assert KEY not in message


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Bad Name": [KEY]}, "a header name is not a valid HTTP field name"),
        ({"": [KEY]}, "a header name is not a valid HTTP field name"),
        ({"X-Key": [f"{KEY}\u00e9"]}, "contains a control or non-ASCII character"),
        ({"X-Key": [f"{KEY}\x07"]}, "contains a control or non-ASCII character"),
        ({"X-Key": [f" {KEY}"]}, "starts or ends with whitespace"),
        ({"X-Key": [KEY], "x-key": [KEY]}, "header `x-key` appears more than once"),
    ],
)
def test_helper_header_rejected(write_helper, headers, reason):
    write_helper(print_headers(headers))

    message = failure_message()

    assert reason in message
    assert KEY not in message


def test_helper_headers_joined_and_empty_dropped(write_helper):
    write_helper(print_headers({"X-Multi": ["a", "b"], "X-Empty": []}))

    credential = auth.credential_for(URL)

    assert dict(credential.headers) == {"X-Multi": "a, b"}


def test_helper_source_is_kept(write_helper):
    write_helper(print_headers({"Authorization": [f"Bearer {KEY}"]}, source="secret file /s/KEY"))

    credential = auth.credential_for(URL)

    assert dict(credential.headers) == {"Authorization": f"Bearer {KEY}"}
    assert credential.source == "secret file /s/KEY"


def test_helper_without_source(write_helper):
    write_helper(print_headers({"Authorization": [f"Bearer {KEY}"]}, source=None))

    credential = auth.credential_for(URL)

    assert credential.source is None
    assert credential.describe_source() == "a source the helper did not name"


def test_helper_request_on_stdin_not_argv(write_helper, tmp_path):
    argv_file = tmp_path / "argv"
    stdin_file = tmp_path / "stdin"
    write_helper(
        f"""\
        printf '%s\\n' "$@" > '{argv_file}'
        cat > '{stdin_file}'
        printf '%s' '{{"headers":{{}}}}'
        """
    )

    auth.credential_for("https://user:pass@repo.anaconda.cloud/repo/main/x.json?token=q#frag")

    assert argv_file.read_text().splitlines() == ["get", "--with-source"]
    request = json.loads(stdin_file.read_text())
    assert request == {"uri": "https://repo.anaconda.cloud/repo/main/x.json"}


def test_helper_inherits_environment_and_cwd(write_helper, tmp_path, monkeypatch):
    seen = tmp_path / "seen"
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", KEY)
    write_helper(
        f"""\
        cat > /dev/null
        pwd > '{seen}'
        printf '%s\\n' "$ANACONDA_AUTH_API_KEY" >> '{seen}'
        printf '%s' '{{"headers":{{}}}}'
        """
    )

    auth.credential_for(URL)

    assert seen.read_text().splitlines() == [str(tmp_path / "work"), KEY]


def record_log_variable(write_helper, tmp_path):
    seen = tmp_path / "seen"
    write_helper(
        f"""\
        cat > /dev/null
        printf '%s' "${{{auth.LOG_ENV}-unset}}" > '{seen}'
        printf '%s' '{{"headers":{{}}}}'
        """
    )
    return seen


def test_helper_log_level_follows_debug_logging(write_helper, tmp_path, caplog):
    seen = record_log_variable(write_helper, tmp_path)
    caplog.set_level(logging.DEBUG, logger="conda_credential_helper")

    auth.credential_for(URL)

    assert seen.read_text() == "debug"


def test_helper_log_level_unset_by_default(write_helper, tmp_path, caplog):
    seen = record_log_variable(write_helper, tmp_path)
    caplog.set_level(logging.WARNING, logger="conda_credential_helper")

    auth.credential_for(URL)

    assert seen.read_text() == "unset"


def test_helper_log_level_from_environment_wins(write_helper, tmp_path, caplog, monkeypatch):
    seen = record_log_variable(write_helper, tmp_path)
    monkeypatch.setenv(auth.LOG_ENV, "trace")
    caplog.set_level(logging.DEBUG, logger="conda_credential_helper")

    auth.credential_for(URL)

    assert seen.read_text() == "trace"


def test_helper_warning_on_success_is_logged(write_helper, caplog):
    write_helper(
        "echo 'warning: ANACONDA_CLOUD_API_KEY is deprecated' >&2\n"
        + print_headers({"Authorization": [f"Bearer {KEY}"]})
    )
    caplog.set_level(logging.WARNING, logger="conda_credential_helper")

    auth.credential_for(URL)

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"{auth.BINARY_NAME}: warning: ANACONDA_CLOUD_API_KEY is deprecated"]


def test_debug_log_never_contains_key(write_helper, caplog):
    write_helper(print_headers({"Authorization": [f"Bearer {KEY}"]}))
    caplog.set_level(logging.DEBUG, logger="conda_credential_helper")

    auth.credential_for(URL)

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "returned header(s) Authorization for https://repo.anaconda.cloud" in text
    assert "****6789" in text
    assert KEY not in text


# A fault for one host leaves other hosts working.

FAULTS_FOR_REPO_HOST = {
    "hang": ("sleep 20\n", "timed out after 0.5 seconds"),
    "killed by a signal": ("kill -9 $$\n", "was killed by signal 9"),
    "invalid JSON": (f"echo 'Bearer {KEY}'\nexit 0\n", "not valid JSON"),
    "CR/LF in a header": (
        print_headers({"Authorization": [f"Bearer {KEY}\r\nX-Injected: 1"]}) + "exit 0\n",
        "contains a line break (CR or LF) or NUL",
    ),
    "exit status": ("echo 'error: no key found. Set it.' >&2\nexit 1\n", "failed for https://repo.anaconda.cloud: no key found. Set it."),
}


@pytest.mark.parametrize("fault", FAULTS_FOR_REPO_HOST)
def test_fault_on_one_host_spares_others(fault, write_helper, http_server, monkeypatch):
    script, cause = FAULTS_FOR_REPO_HOST[fault]
    monkeypatch.setenv(auth.TIMEOUT_ENV, "0.5")
    write_helper(
        f"""\
        request=$(cat)
        case "$request" in
        *repo.anaconda.cloud*)
        {textwrap.indent(script, "    ").strip()}
        ;;
        esac
        printf '%s' '{{"headers":{{}}}}'
        """
    )
    server = http_server()
    other_url = server.route("/channel/noarch/repodata.json")
    handler = auth.CredentialHelperAuth()

    with requests.Session() as session:
        with pytest.raises(auth.CredentialHelperError) as raised:
            session.get(URL, auth=handler, timeout=5)
        response = session.get(other_url, auth=handler, timeout=5)

    message = str(raised.value)
    assert cause in message
    assert KEY not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__, "the error must not chain a traceback"
    assert response.status_code == 200
    assert "Authorization" not in server.headers_for("/channel/noarch/repodata.json")[0]


@pytest.mark.parametrize("fault", ["missing", "not executable"])
def test_start_failure_is_one_error_without_chain(fault, write_helper, monkeypatch, tmp_path):
    if fault == "missing":
        monkeypatch.setenv(auth.BIN_ENV, str(tmp_path / "gone" / auth.BINARY_NAME))
        cause = "which was not found"
    else:
        write_helper(print_headers({})).chmod(0o644)
        cause = "permission denied"

    with pytest.raises(auth.CredentialHelperError) as raised:
        auth.CredentialHelperAuth()(requests.Request("GET", URL).prepare())

    assert cause in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__, "the error must not chain a traceback"
