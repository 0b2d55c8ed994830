"""Dialogue: from understanding to what the bot does and says."""
