"""Channels: how shoppers and agents reach the assistant.

Owns:
- the website widget (`static/widget.js`, one `<script>` tag, talks to Rasa's REST channel) and the demo shop
  page that hosts it;
- Rasa input channels for messaging apps (`messaging.py`, `whatsapp_cloud.py`: Telegram, WhatsApp through
  Twilio or Meta's Cloud API, Facebook Messenger) with per-channel degradation of rich replies and webhook
  signature checks — these modules import `rasa` and are loaded by the Rasa server (Python 3.10 venv);
- the human-handoff queue (`queue.py`: SQL by default, Redis when REDIS_URL is set) and the agents' console
  (`console.py`, an aiohttp service on CONSOLE_PORT 8100, with login, roles, CSRF and expiring sessions).

The console side never imports rasa (it talks to the Rasa HTTP API) and never imports backends (it calls
the orders, knowledge and models services over HTTP).
"""
