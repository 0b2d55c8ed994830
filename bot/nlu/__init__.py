"""Understanding: from a message to language, intent ranking and entities."""
