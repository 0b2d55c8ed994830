"""The HTTP app: factory, lifespan, core routes, error shapes, body limit."""
