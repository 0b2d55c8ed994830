"""whatsbot: a conversational framework for businesses on WhatsApp (engine package)."""

__version__ = "0.1.0"
