"""The WhatsApp Cloud API channel (Meta's Graph API): webhook parsing, sending, routes."""
