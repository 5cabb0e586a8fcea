"""The generation worker: its own process, the spec's Flask backend rebuilt on FastAPI."""
