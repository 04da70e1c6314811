"""Shared shape of every Borderless HTTP service (aiohttp).

Owns: the structured error type and middleware, JSON body parsing into pydantic models,
the `/health` route, environment-variable readers and the runner used by each service's
`__main__`. It knows nothing about shops, Rasa or models, so the reference backends may use it
too without depending on the assistant.
"""
