"""The Rasa-compatible REST channel."""

from connectors.rest.channel import RestChannel

__all__ = ["RestChannel"]
