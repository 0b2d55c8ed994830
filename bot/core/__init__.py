"""Channel-neutral core types: messages, events, the conversation."""
