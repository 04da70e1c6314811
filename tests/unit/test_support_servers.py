"""tests/support.require_server: an unreachable server skips a test locally and fails it under CI=true."""

from __future__ import annotations

import socket

import pytest

from tests.support import free_port, require_server


def test_an_unreachable_server_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Redis not reachable"):
        require_server(url, "Redis")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_server(url, "Redis")


def test_a_listening_server_is_returned_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"postgresql://postgres@127.0.0.1:{server.getsockname()[1]}/test"
        assert require_server(url, "PostgreSQL") == url
