"""Reference recommender of the demo shop: a hybrid of collaborative filtering and content similarity.

Owns: reading the shop's products and implicit feedback (views, carts, purchases), training
(implicit ALS for collaborative filtering, all-MiniLM-L6-v2 or TF-IDF product embeddings, co-purchase
counts, popularity), the held-out evaluation, artefacts under var/recommender/, and the aiohttp
service the assistant's actions call. Replaceable by a shop's own recommender with the same HTTP
contract. It never imports anything of the assistant; only the generic `svc` package.
"""
