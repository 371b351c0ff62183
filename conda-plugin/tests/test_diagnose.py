"""The health check and error hint text, with the real binary and stand-in helpers."""

from __future__ import annotations

import pytest

from conda_credential_helper import auth, diagnose

KEY = "diagnose-test-key-0123456789-WXYZ"
REPO_URL = "https://repo.anaconda.cloud/repo/main/noarch/repodata.json"


@pytest.fixture
def no_conda(monkeypatch, tmp_path):
    """Make ``doctor`` look for conda in an empty folder, so the machine's conda is ignored."""
    monkeypatch.setenv("CONDA_ROOT", str(tmp_path / "no-conda"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_health_lines_report_credential():
    report = {
        "credential": {
            "kind": "API key",
            "fingerprint": "****WXYZ",
            "source": "environment variable ANACONDA_AUTH_API_KEY",
            "expires_at": None,
        },
        "problems": [],
        "warnings": [{"code": "deprecated_source", "message": "rename it"}],
    }

    lines = diagnose.health_lines(report, ["https://repo.anaconda.cloud/*"])

    assert lines == [
        diagnose.HealthLine(True, "channels sent to conda-credential-helper: https://repo.anaconda.cloud/*"),
        diagnose.HealthLine(
            True,
            "credential available: API key ****WXYZ from environment variable ANACONDA_AUTH_API_KEY",
        ),
    ]


def test_health_lines_list_problems_and_verbose_warnings():
    report = {
        "credential": None,
        "problems": [{"code": "no_credential", "message": "no API key found. Set it"}],
        "warnings": [{"code": "condarc_skipped", "message": "conda skips x. Fix it"}],
    }

    quiet = diagnose.health_lines(report, [])
    verbose = diagnose.health_lines(report, [], verbose=True)

    assert quiet == [diagnose.HealthLine(False, "no API key found. Set it")]
    assert verbose[-1] == diagnose.HealthLine(False, "warning: conda skips x. Fix it")


def test_run_doctor_real_helper(real_helper, monkeypatch, no_conda):
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", KEY)

    report = diagnose.run_doctor()

    assert report["credential"]["fingerprint"] == "****WXYZ"
    assert report["ok"] is False
    assert "prefix_not_found" in [problem["code"] for problem in report["problems"]]
    assert KEY not in repr(report)


def test_run_doctor_without_key_reports_problem(real_helper, no_conda):
    report = diagnose.run_doctor()

    assert report["credential"] is None
    assert report["problems"][0]["code"] == "no_credential"


def test_run_doctor_rejects_garbage(write_helper):
    write_helper("echo 'not json'\nexit 1\n")

    with pytest.raises(auth.HelperFailure) as raised:
        diagnose.run_doctor()

    assert "printed no report (exit code 1)" in raised.value.message


def test_run_doctor_reports_crash(write_helper):
    write_helper("echo 'error: broken. Fix it' >&2\nexit 3\n")

    with pytest.raises(auth.HelperFailure) as raised:
        diagnose.run_doctor()

    assert "printed no report (broken. Fix it)" in raised.value.message


def test_error_hint_names_source(real_helper, monkeypatch):
    monkeypatch.setenv("ANACONDA_AUTH_API_KEY", KEY)

    hint = diagnose.error_hint("401", REPO_URL)

    assert hint.startswith(
        "conda sent this request to repo.anaconda.cloud without the credential from "
        "conda-credential-helper, so another auth handler or none applies to it. "
        "conda-credential-helper would send the API key ****WXYZ from environment "
        "variable ANACONDA_AUTH_API_KEY."
    )
    assert hint.endswith(diagnose.DIAGNOSE_COMMANDS)
    assert KEY not in hint


def test_error_hint_without_key(real_helper):
    hint = diagnose.error_hint(403, REPO_URL)

    assert "has no usable credential either: conda-credential-helper failed for" in hint
    assert "no API key found" in hint


@pytest.mark.parametrize(
    ("status", "url"),
    [
        (404, REPO_URL),
        ("000", REPO_URL),
        (None, REPO_URL),
        (401, "https://conda.anaconda.org/conda-forge/noarch/repodata.json"),
        (401, None),
    ],
)
def test_error_hint_ignores_other_errors(status, url, write_helper):
    write_helper("echo 'must not run' >&2\nexit 1\n")

    assert diagnose.error_hint(status, url) is None
