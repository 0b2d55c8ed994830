"""Responses in Rasa's ``responses:`` format, with per-language variations."""
