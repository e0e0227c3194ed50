"""The thin layer that knows HTTP frameworks: Connexion routing and validation, ASGI glue."""
