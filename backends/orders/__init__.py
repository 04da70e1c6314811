"""Reference order system of the served shop (borderless.profile; the demo shop by default).

Owns: the order/customer/product store (SQLAlchemy 2; SQLite by default, PostgreSQL via
DATABASE_URL), the import of shop data, the policy rules of the facts page (cancel, address change,
returns, shipping zones, duties/VAT, currencies) and the JSON HTTP API the assistant's actions call.
A shop replaces this whole package with its own order system behind the same HTTP contract.
It never imports anything of the assistant; only the generic `svc` package.
"""
