"""Conversation stores: conversations, event logs, dedupe, locks, inbox and outbox."""
