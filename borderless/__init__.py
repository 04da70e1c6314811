"""Borderless shop profiles: the one place code learns about the shop it serves.

A shop is data (`shops/<name>/`: `shop.yml`, content, rule tables, optional data exports); this package
reads, checks and scaffolds it, and generates the shop-specific NLU data. It depends only on the standard
library and PyYAML, so every service (both virtualenvs) can import it without pulling in another's code.
"""
