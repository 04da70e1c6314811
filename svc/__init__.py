"""Shared shape of every Borderless HTTP service (aiohttp).

Owns: the structured error type and middleware with the status-code table, JSON body parsing into
pydantic models, the `/health` route, bearer authentication, default ports and URLs of every process,
secrets, client addresses behind proxies, environment-variable readers and the runner used by each
service's `__main__` (see README.md). It knows nothing about shops, Rasa or models, so the reference
backends may use it too without depending on the assistant.
"""
