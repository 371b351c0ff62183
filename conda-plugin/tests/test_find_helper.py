"""How the plugin finds the helper binary and reads its time limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from conda_credential_helper import auth


def make_executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def write_helper_path_file(package_dir: Path, content: str) -> Path:
    package_dir.mkdir(parents=True, exist_ok=True)
    path_file = package_dir / auth.HELPER_PATH_FILE
    path_file.write_text(content)
    return path_file


def test_find_helper_env_variable_wins(tmp_path):
    configured = make_executable(tmp_path / "configured" / "helper")
    recorded = make_executable(tmp_path / "recorded" / "helper")
    on_path = make_executable(tmp_path / "path" / auth.BINARY_NAME)
    package_dir = tmp_path / "package"
    write_helper_path_file(package_dir, f"{recorded}\n")
    environ = {auth.BIN_ENV: str(configured), "PATH": str(on_path.parent)}

    assert auth.find_helper(environ, package_dir) == str(configured)


def test_find_helper_env_variable_bare_name_uses_path(tmp_path):
    on_path = make_executable(tmp_path / "path" / "my-helper")
    environ = {auth.BIN_ENV: "my-helper", "PATH": str(on_path.parent)}

    assert auth.find_helper(environ, tmp_path / "package") == str(on_path)


def test_find_helper_env_variable_missing_file(tmp_path):
    missing = tmp_path / "nowhere" / "helper"
    environ = {auth.BIN_ENV: str(missing), "PATH": ""}

    with pytest.raises(auth.HelperFailure) as raised:
        auth.find_helper(environ, tmp_path / "package")

    message = raised.value.message
    assert auth.BIN_ENV in message
    assert str(missing) in message
    assert "unset it" in message


def test_find_helper_empty_env_variable_counts_as_unset(tmp_path):
    on_path = make_executable(tmp_path / "path" / auth.BINARY_NAME)
    environ = {auth.BIN_ENV: "  ", "PATH": str(on_path.parent)}

    assert auth.find_helper(environ, tmp_path / "package") == str(on_path)


def test_find_helper_reads_helper_path_file(tmp_path):
    recorded = make_executable(tmp_path / "recorded" / "helper")
    on_path = make_executable(tmp_path / "path" / auth.BINARY_NAME)
    package_dir = tmp_path / "package"
    write_helper_path_file(package_dir, f"{recorded}\n")

    found = auth.find_helper({"PATH": str(on_path.parent)}, package_dir)

    assert found == str(recorded)


def test_find_helper_path_file_names_missing_binary(tmp_path):
    package_dir = tmp_path / "package"
    moved = tmp_path / "moved" / "helper"
    path_file = write_helper_path_file(package_dir, f"{moved}\n")

    with pytest.raises(auth.HelperFailure) as raised:
        auth.find_helper({"PATH": ""}, package_dir)

    message = raised.value.message
    assert str(path_file) in message
    assert str(moved) in message
    assert "install` again" in message


def test_find_helper_empty_path_file(tmp_path):
    package_dir = tmp_path / "package"
    path_file = write_helper_path_file(package_dir, "\n")

    with pytest.raises(auth.HelperFailure) as raised:
        auth.find_helper({"PATH": ""}, package_dir)

    assert f"`{path_file}` is empty" in raised.value.message


def test_find_helper_falls_back_to_path(tmp_path):
    on_path = make_executable(tmp_path / "path" / auth.BINARY_NAME)

    found = auth.find_helper({"PATH": str(on_path.parent)}, tmp_path / "package")

    assert found == str(on_path)


def test_find_helper_nothing_found(tmp_path):
    package_dir = tmp_path / "package"

    with pytest.raises(auth.HelperFailure) as raised:
        auth.find_helper({"PATH": str(tmp_path / "empty")}, package_dir)

    message = raised.value.message
    assert message.startswith(f"{auth.BINARY_NAME} was not found")
    assert auth.BIN_ENV in message
    assert str(package_dir / auth.HELPER_PATH_FILE) in message
    assert "on PATH" in message
    assert f"`{auth.BINARY_NAME} install`" in message


def test_helper_timeout_default():
    assert auth.helper_timeout({}) == auth.DEFAULT_TIMEOUT_SECONDS


def test_helper_timeout_from_env_variable():
    assert auth.helper_timeout({auth.TIMEOUT_ENV: "2.5"}) == 2.5


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "nan", "inf"])
def test_helper_timeout_rejects_invalid_value(raw):
    with pytest.raises(auth.HelperFailure) as raised:
        auth.helper_timeout({auth.TIMEOUT_ENV: raw})

    message = raised.value.message
    assert f"{auth.TIMEOUT_ENV} is set to `{raw}`" in message
    assert "positive number of seconds" in message
