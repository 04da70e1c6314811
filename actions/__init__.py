"""Custom actions for the Borderless assistant (rasa-sdk only; served by `python -m rasa_sdk`).

Owns: actions, forms and their validation. Business logic only: no Rasa imports, no backend code —
services are reached through their HTTP contracts, with the process's clients from the `clients`
package (actions/services.py hands them out, with the actions' timeouts).
"""
