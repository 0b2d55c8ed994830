"""Channel connectors: one package per channel."""
