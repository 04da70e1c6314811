"""Rasa's NLU pipeline off its event loop: each message is parsed in a worker thread.

Rasa 3.6 parses a message synchronously inside its request handler (`MessageProcessor.parse_message` calls the NLU
graph directly), so while one message goes through the pipeline (e5, DIET, the other components: ~25 ms on 2
cores) the event loop can do nothing else. Under many shoppers that is what makes the turns with action-server
round trips slow: each answer from the action server waits in the loop's queue behind other conversations'
parsing (BENCHMARKS.md, "Load"). Here `parse_message` runs in one worker thread per Rasa process (components
see one message at a time, as before); the loop meanwhile answers sockets and resumes the round trips that
came back. TensorFlow and the e5 engine release the GIL while they compute, so the loop's own work and
a message's parsing also overlap on two cores.

The whole original coroutine runs in the thread, on that thread's own event loop, so nothing of Rasa's
parsing is copied here. Installed by bot/serve.py; `BORDERLESS_NLU_THREAD=0` turns it off.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop = getattr(_local, "loop", None)
    if loop is None:
        loop = _local.loop = asyncio.new_event_loop()
    return loop


def enabled() -> bool:
    return os.environ.get("BORDERLESS_NLU_THREAD", "1").strip().lower() not in ("0", "false", "no")


def install() -> None:
    """Wraps Rasa 3.6's MessageProcessor.parse_message so the NLU graph runs in a worker thread."""
    from rasa.core.processor import MessageProcessor

    if not enabled() or getattr(MessageProcessor, "_borderless_nlu_thread", False):
        return
    original = MessageProcessor.parse_message
    # One thread: the components keep seeing one message at a time, as on the event loop.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rasa-nlu")

    async def parse_in_thread(self: Any, message: Any, tracker: Any = None, only_output_properties: bool = True) -> Any:
        if self.http_interpreter:  # parsing by HTTP is already asynchronous
            return await original(self, message, tracker, only_output_properties)

        def parse() -> Any:
            return _thread_loop().run_until_complete(original(self, message, tracker, only_output_properties))

        return await asyncio.get_running_loop().run_in_executor(pool, parse)

    MessageProcessor.parse_message = parse_in_thread
    setattr(MessageProcessor, "_borderless_nlu_thread", True)  # noqa: B010 - a marker on Rasa's class
