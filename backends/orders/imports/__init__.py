"""Reading what shops already have (Shopify and WooCommerce exports, the project's own files) into one
normalised form: the project's JSON contract (customers, products, orders; backends/orders/README.md).

`formats.py` names every format and its reader; each reader turns one file into `ShopRecords` and names file,
row and field for anything malformed. `normalised.py` writes the records as the folder every service's
bootstrap reads (products.jsonl, customers.jsonl, orders.jsonl, interactions.jsonl), like var/demo_shop.
"""
