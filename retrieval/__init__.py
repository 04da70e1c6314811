"""Borderless retrieval library: embedders, chunking, FAISS dense index, BM25 lexical ranking,
reciprocal-rank fusion, metadata filters and versioned on-disk snapshots.

Owns only the maths and files of search. It never imports Rasa, HTTP or SQL code: the knowledge
service (knowledge/) feeds it documents and serves its results.
"""

from retrieval.types import Chunk, Hit, SearchFilters

__all__ = ["Chunk", "Hit", "SearchFilters"]
