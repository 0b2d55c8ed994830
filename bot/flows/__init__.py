"""Flows: Rasa CALM flow files loaded, validated and run."""
