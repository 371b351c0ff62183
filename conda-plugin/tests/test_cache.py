"""The per-process cache: one helper run per scope, shared by handlers and threads."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import requests

from conda_credential_helper import auth

KEY = "cache-test-key-0123456789"


@pytest.fixture
def counting_helper(write_helper, tmp_path):
    """Write a stand-in helper that appends a line to a file per run; return that file."""
    runs = tmp_path / "runs"
    runs.touch()

    def write(body: str):
        write_helper(f"echo run >> '{runs}'\n{body}")
        return runs

    return write


HEADERS_SCRIPT = (
    "cat > /dev/null\n"
    f"""printf '%s' '{{"headers":{{"Authorization":["Bearer {KEY}"]}},"source":"s"}}'\n"""
)
SLOW_HEADERS_SCRIPT = "sleep 0.5\n" + HEADERS_SCRIPT
FAILURE_SCRIPT = (
    "cat > /dev/null\necho 'error: no key found. Set ANACONDA_AUTH_API_KEY.' >&2\nexit 1\n"
)


def run_count(runs) -> int:
    return len(runs.read_text().splitlines())


def prepare(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def test_cache_shared_across_handler_objects(counting_helper):
    runs = counting_helper(HEADERS_SCRIPT)

    for _ in range(3):
        handler = auth.CredentialHelperAuth()
        request = handler(prepare("https://repo.anaconda.cloud/repo/main/a.json"))
        assert request.headers["Authorization"] == f"Bearer {KEY}"

    assert run_count(runs) == 1


def test_cache_normalizes_host(counting_helper):
    runs = counting_helper(HEADERS_SCRIPT)

    for url in (
        "https://repo.anaconda.cloud/a",
        "https://REPO.Anaconda.Cloud/b",
        "https://repo.anaconda.cloud./c",
        "https://repo.anaconda.cloud:443/d",
        "https://user@repo.anaconda.cloud/e",
    ):
        auth.credential_for(url)

    assert run_count(runs) == 1


def test_cache_separates_scheme_host_and_port(counting_helper):
    runs = counting_helper(HEADERS_SCRIPT)

    for url in (
        "https://repo.anaconda.cloud/a",
        "http://repo.anaconda.cloud/a",
        "https://repo.anaconda.cloud:8443/a",
        "https://other.example.test/a",
    ):
        auth.credential_for(url)

    assert run_count(runs) == 4


def test_cache_keeps_failure(counting_helper):
    runs = counting_helper(FAILURE_SCRIPT)

    messages = []
    for _ in range(3):
        with pytest.raises(auth.HelperFailure) as raised:
            auth.credential_for("https://repo.anaconda.cloud/a")
        messages.append(raised.value.message)

    assert run_count(runs) == 1
    assert messages == [messages[0]] * 3
    assert "no key found" in messages[0]


def test_cache_failure_raises_fresh_error_each_time(counting_helper):
    counting_helper(FAILURE_SCRIPT)
    handler = auth.CredentialHelperAuth()

    errors = []
    for _ in range(2):
        with pytest.raises(auth.CredentialHelperError) as raised:
            handler(prepare("https://repo.anaconda.cloud/a"))
        errors.append(raised.value)

    assert errors[0] is not errors[1]
    assert str(errors[0]) == str(errors[1])


def test_cache_clear_runs_helper_again(counting_helper):
    runs = counting_helper(HEADERS_SCRIPT)

    auth.credential_for("https://repo.anaconda.cloud/a")
    auth.clear_cache()
    auth.credential_for("https://repo.anaconda.cloud/a")

    assert run_count(runs) == 2


def ask_from_threads(count: int, url: str) -> list:
    """Let ``count`` threads, each with its own handler, prepare a request for ``url`` at once."""
    return ask_hosts_from_threads(count, [url])


def ask_hosts_from_threads(count: int, urls: list[str]) -> list:
    """Like ``ask_from_threads``, with thread i preparing a request for ``urls[i % len(urls)]``."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def ask(index: int) -> None:
        handler = auth.CredentialHelperAuth()
        url = urls[index % len(urls)]
        barrier.wait()
        try:
            outcomes[index] = handler(prepare(url)).headers.get("Authorization")
        except auth.CredentialHelperError as error:
            outcomes[index] = error

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_cache_sixteen_threads_run_helper_once(counting_helper):
    runs = counting_helper(SLOW_HEADERS_SCRIPT)

    outcomes = ask_from_threads(16, "https://repo.anaconda.cloud/repo/main/a.json")

    assert outcomes == [f"Bearer {KEY}"] * 16
    assert run_count(runs) == 1


def test_cache_sixteen_threads_share_failure(counting_helper):
    runs = counting_helper("sleep 0.5\n" + FAILURE_SCRIPT)

    outcomes = ask_from_threads(16, "https://repo.anaconda.cloud/repo/main/a.json")

    assert all(isinstance(outcome, auth.CredentialHelperError) for outcome in outcomes)
    assert len({str(outcome) for outcome in outcomes}) == 1
    assert run_count(runs) == 1


REPO_URL = "https://repo.anaconda.cloud/repo/main/a.json"
OTHER_URL = "https://other.example.test/channel/a.json"

# Logs each request, then returns a key for the repository and no header for other hosts.
PER_HOST_SCRIPT = """\
request=$(cat)
printf '%s\\n' "$request" >> '{log}'
sleep 0.3
case "$request" in
*repo.anaconda.cloud*) printf '%s' '{{"headers":{{"Authorization":["Bearer {key}"]}}}}' ;;
*) printf '%s' '{{"headers":{{}}}}' ;;
esac
"""


def requests_for(log: Path, host: str) -> int:
    return sum(f"https://{host}/" in line for line in log.read_text().splitlines())


def test_cache_64_threads_two_hosts_run_helper_once_each(write_helper, tmp_path):
    log = tmp_path / "requests"
    log.touch()
    write_helper(PER_HOST_SCRIPT.format(log=log, key=KEY))

    outcomes = ask_hosts_from_threads(64, [REPO_URL, OTHER_URL])

    assert outcomes[0::2] == [f"Bearer {KEY}"] * 32
    assert outcomes[1::2] == [None] * 32
    assert requests_for(log, "repo.anaconda.cloud") == 1
    assert requests_for(log, "other.example.test") == 1


CHILD_SCRIPT = textwrap.dedent(
    """\
    import sys
    sys.path.insert(0, sys.argv[1])
    from conda_credential_helper import auth
    for url in sys.argv[2:]:
        auth.credential_for(url)
    """
)


def test_cache_not_shared_with_second_process(write_helper, tmp_path):
    log = tmp_path / "requests"
    log.touch()
    write_helper(PER_HOST_SCRIPT.format(log=log, key=KEY))
    ask_hosts_from_threads(64, [REPO_URL, OTHER_URL])
    plugin_dir = str(Path(auth.__file__).resolve().parents[1])

    for process in (2, 3):
        subprocess.run(
            [sys.executable, "-c", CHILD_SCRIPT, plugin_dir, REPO_URL, OTHER_URL, REPO_URL],
            check=True,
            env=dict(os.environ),
            timeout=30,
        )

        assert requests_for(log, "repo.anaconda.cloud") == process
        assert requests_for(log, "other.example.test") == process


# A stand-in that responds like the real helper with repo tokens: one token per
# organization, each with the scope of its organization's folder.
PER_ORG_SCRIPT = """\
request=$(cat)
case "$request" in
  *"/repo/org-a/"*) org=org-a ;;
  *"/repo/org-b/"*) org=org-b ;;
  *) org=other ;;
esac
printf '{"headers":{"Authorization":["token %s-token"]},"source":"s","scope":"https://repo.anaconda.cloud/repo/%s/"}' "$org" "$org"
"""


def authorization_for(url: str) -> str:
    return auth.CredentialHelperAuth()(prepare(url)).headers["Authorization"]


def test_cache_keeps_one_answer_per_scope(counting_helper):
    runs = counting_helper(PER_ORG_SCRIPT)
    base = "https://repo.anaconda.cloud/repo"

    outcomes = [
        authorization_for(f"{base}/org-a/chan/noarch/repodata.json"),
        authorization_for(f"{base}/org-b/chan/noarch/repodata.json"),
        authorization_for(f"{base}/org-a/chan/linux-64/repodata.json"),
        authorization_for(f"{base}/org-b/other/noarch/x.conda"),
        authorization_for(f"https://REPO.anaconda.cloud:443{'/repo'}/org-a/x"),
    ]

    assert outcomes == [
        "token org-a-token",
        "token org-b-token",
        "token org-a-token",
        "token org-b-token",
        "token org-a-token",
    ]
    assert run_count(runs) == 2


def scope_script(scope: str) -> str:
    return (
        "cat > /dev/null\n"
        f"""printf '%s' '{{"headers":{{"Authorization":["Bearer {KEY}"]}},"scope":"{scope}"}}'\n"""
    )


def test_cache_scope_without_slash_covers_one_url(counting_helper):
    runs = counting_helper(scope_script("https://h.example/repo/a"))

    auth.credential_for("https://h.example/repo/a")
    auth.credential_for("https://h.example/repo/a?query=1")
    auth.credential_for("https://h.example/repo/ab")
    auth.credential_for("https://h.example/repo/a/x")

    assert run_count(runs) == 3


@pytest.mark.parametrize(
    "scope",
    [
        "https://",
        "https://other.example/",
        "http://h.example/",
        "https://h.example:8443/",
        "https://h.example/elsewhere/",
    ],
)
def test_cache_narrows_scope_that_does_not_cover_url(counting_helper, scope):
    runs = counting_helper(scope_script(scope))

    auth.credential_for("https://h.example/chan/a.json")
    auth.credential_for("https://h.example/chan/a.json")
    auth.credential_for("https://h.example/chan/b.json")
    auth.credential_for("https://other.example/chan/a.json")

    assert run_count(runs) == 3


def test_cache_prefers_narrowest_scope(counting_helper):
    runs = counting_helper(
        """\
request=$(cat)
case "$request" in
  *"/repo/a/"*) printf '{"headers":{"Authorization":["token narrow"]},"scope":"https://h.example/repo/a/"}' ;;
  *) printf '{"headers":{"Authorization":["Bearer wide"]},"scope":"https://h.example/"}' ;;
esac
"""
    )

    assert authorization_for("https://h.example/repo/a/1") == "token narrow"
    assert authorization_for("https://h.example/x") == "Bearer wide"
    assert authorization_for("https://h.example/repo/a/2") == "token narrow"
    assert authorization_for("https://h.example/repo/b/1") == "Bearer wide"
    assert run_count(runs) == 2


def test_cache_sixteen_threads_same_scope_run_helper_once(counting_helper):
    runs = counting_helper("sleep 0.5\n" + PER_ORG_SCRIPT)
    urls = [
        f"https://repo.anaconda.cloud/repo/org-a/chan/{subdir}/repodata.json"
        for subdir in ("noarch", "linux-64", "osx-arm64", "win-64")
    ] * 4
    barrier = threading.Barrier(len(urls))
    outcomes: list = [None] * len(urls)

    def ask(index: int) -> None:
        barrier.wait()
        outcomes[index] = authorization_for(urls[index])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == ["token org-a-token"] * len(urls)
    assert run_count(runs) == 1
