"""Borderless knowledge base: documents and their versions in SQL, ingestion of Markdown / catalogs /
text, index builds into retrieval snapshots, the knowledge HTTP service and the admin CLI.

Never imports actions or channels; the action server reaches this package only over HTTP.
"""
