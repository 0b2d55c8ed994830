"""Real rasa_sdk actions the action tests run in-process and on a real action server."""
