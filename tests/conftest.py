"""Fixtures for every test folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest


@pytest.fixture
async def process_clients() -> AsyncIterator[Any]:
    """The process's service clients (clients/registry.py: what every action uses), closed after the test, so
    each test starts with fresh pools and breakers and the URLs its environment names."""
    from clients.registry import close_process_clients, process_clients

    await close_process_clients()
    yield process_clients()
    await close_process_clients()
