"""Timing hooks for `benchmarks/load.py --profile`: runs the Rasa server or the action server with wrappers
around the calls that make up a turn, and writes their cumulative timings to a JSON file every half second.

    .venv-rasa/bin/python benchmarks/load_timing.py rasa OUT.json -- <bot.serve arguments>
    .venv/bin/python benchmarks/load_timing.py actions OUT.json -- <actions arguments>

Product code is untouched: the hooks wrap library methods in this process only, then start the same entry
point as `make run` (`python -m bot.serve`, `python -m actions`) with runpy.

Rasa process (Rasa 3.6.21):
- `graph:<node>`: every graph node run (`GraphNode.__call__`): each NLU component one by one (run_*), each
  policy, the ensemble, the tracker/featurisation nodes. The NLU and policy graphs run synchronously inside
  the request handler, so this time blocks the event loop for every conversation.
- `remote:<action>`: each action-server round trip (`RemoteAction.run`: HTTP call + response handling),
  including `action_validate_slot_mappings` (the frustration check) and form validations.
- `agent.handle_message` (lock wait + processing), `processor.handle_message` (processing inside the
  conversation lock), `processor.parse_message` (the NLU graph + Rasa's bookkeeping).
- `loop_lag`: a 20 ms ticker's overshoot: how long the event loop was blocked (sum over ticks).
Action-server process (rasa-sdk under Python 3.11):
- `action:<name>`: each action's run inside the action server (`ActionExecutor.run`).
- `http:<service> <METHOD> <path>`: each service call through aiohttp (port → service from the env).
- `loop_lag`: as above.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import runpy
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
LAG_TICK_S = 0.02

_stats: dict[str, list[float]] = {}  # name -> [count, total seconds, max seconds]
_lock = threading.Lock()
_lag_started = False


def record(name: str, seconds: float) -> None:
    with _lock:
        entry = _stats.setdefault(name, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += seconds
        entry[2] = max(entry[2], seconds)


def _dump_forever(path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    while True:
        with _lock:
            snapshot = {"pid": os.getpid(), "at": time.time(), "stats": {k: list(v) for k, v in _stats.items()}}
        tmp.write_text(json.dumps(snapshot))
        os.replace(tmp, path)
        time.sleep(0.5)


async def _lag_monitor() -> None:
    loop = asyncio.get_running_loop()
    while True:
        start = loop.time()
        await asyncio.sleep(LAG_TICK_S)
        overshoot = loop.time() - start - LAG_TICK_S
        if overshoot > 0.002:
            record("loop_lag", overshoot)


def _ensure_lag_monitor() -> None:
    global _lag_started
    if not _lag_started:
        _lag_started = True
        asyncio.get_running_loop().create_task(_lag_monitor())


def _wrap_async(owner: Any, attr: str, name_of: Any) -> None:
    original = getattr(owner, attr)

    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        _ensure_lag_monitor()
        start = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            record(name_of(*args, **kwargs), time.perf_counter() - start)

    setattr(owner, attr, wrapper)


def install_rasa_hooks() -> None:
    from rasa.core import agent, processor
    from rasa.core.actions import action
    from rasa.engine import graph

    original_call = graph.GraphNode.__call__

    def timed_call(self: Any, *inputs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original_call(self, *inputs)
        finally:
            record(f"graph:{self._node_name}", time.perf_counter() - start)

    graph.GraphNode.__call__ = timed_call  # type: ignore[method-assign]
    _wrap_async(action.RemoteAction, "run", lambda self, *a, **k: f"remote:{self.name()}")
    _wrap_async(agent.Agent, "handle_message", lambda *a, **k: "agent.handle_message")
    _wrap_async(processor.MessageProcessor, "handle_message", lambda *a, **k: "processor.handle_message")
    _wrap_async(processor.MessageProcessor, "parse_message", lambda *a, **k: "processor.parse_message")


def _service_names() -> dict[str, str]:
    names = {}
    for service in ("orders", "recommender", "knowledge", "models", "console"):
        port = os.environ.get(f"{service.upper()}_PORT")
        if port:
            names[port] = service
    return names


_ID_LIKE = re.compile(r"/(?=[^/]*\d)[^/]+")


def install_actions_hooks() -> None:
    import aiohttp
    from rasa_sdk import executor

    services = _service_names()
    _wrap_async(
        executor.ActionExecutor,
        "run",
        lambda self, action_call, *a, **k: f"action:{action_call.get('next_action')}",
    )

    def http_name(self: Any, method: str, url: Any, *a: Any, **k: Any) -> str:
        parsed = aiohttp.client.URL(str(url))
        service = services.get(str(parsed.port), f"port {parsed.port}")
        return f"http:{service} {method.upper()} {_ID_LIKE.sub('/{id}', parsed.path)}"

    _wrap_async(aiohttp.ClientSession, "_request", http_name)


def _per_pid(out: Path) -> Path:
    return out.with_name(f"{out.stem}-{os.getpid()}{out.suffix}")


def _start(which: str, out: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT))
    if which == "rasa":
        install_rasa_hooks()
    elif which == "actions":
        install_actions_hooks()
    else:
        raise SystemExit(f"unknown process {which!r}: rasa or actions")
    threading.Thread(target=_dump_forever, args=(out,), daemon=True).start()


def main() -> None:
    which, out = sys.argv[1], Path(sys.argv[2])
    rest = sys.argv[3:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    module = {"rasa": "bot.serve", "actions": "actions"}[which]
    sys.path.insert(0, str(REPO_ROOT))
    if which == "rasa":
        _start(which, out)
    else:
        # Sanic 25 (rasa-sdk 3.21) serves from a spawned worker process, which imports this file again as
        # __mp_main__ (sys.modules["__main__"] stays this file: alter_sys=False): the hooks go in there.
        # With a fork start method the hooks are inherited and the child starts the dump thread.
        os.environ["LOAD_TIMING_ACTIONS_OUT"] = str(out)
        install_actions_hooks()
        os.register_at_fork(
            after_in_child=lambda: threading.Thread(target=_dump_forever, args=(_per_pid(out),), daemon=True).start()
        )
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=False)


if __name__ == "__main__":
    main()
elif __name__ == "__mp_main__" and os.environ.get("LOAD_TIMING_ACTIONS_OUT"):
    # Sanic spawns more than one child (the server worker and its helpers): one file per process.
    _start("actions", _per_pid(Path(os.environ["LOAD_TIMING_ACTIONS_OUT"])))
