"""The agents' console and the handoff API: an aiohttp service (CONSOLE_PORT, default 8100).

Three audiences, each its own sub-application with its authentication as middleware (see `app`):
agents and admins (`/api/...`, session cookie + CSRF), the action server (`/v1/handoff/...`, bearer token),
the website widget (`/widget/...`, signed widget sessions). Pages and assets live on the root and are public.

Agent replies reach the shopper on their own channel: appended to the Rasa tracker as bot events with
`output_channel=latest` (Telegram, WhatsApp, Messenger...), and for the website widget (REST channel) also
written to an outbox the widget polls.

Modules: app (factory), state (shared state, request helpers), models (request bodies), middlewares (auth, CORS),
agents (agents' and admin API), handoff_api, widget, pages, delivery (to the shopper through Rasa),
translation (cache), throttle (logins, rate limits), counters (SQL/Redis), audit (access rule, audit log).
"""

from channels.console.app import create_app, iter_routes
from channels.console.state import QUEUE, SM, STATE

__all__ = ["QUEUE", "SM", "STATE", "create_app", "iter_routes"]
