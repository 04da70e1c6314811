"""Custom actions for the Borderless assistant (rasa-sdk only; served by `python -m rasa_sdk`).

Owns: actions, forms and their validation, and thin typed HTTP clients (`actions/clients/`) for the
knowledge, models, orders and recommender services. Business logic only: no Rasa imports, no
backend code — services are reached through their HTTP contracts.
"""
