"""The shop bot's custom actions (rasa_sdk), added with the flows."""
