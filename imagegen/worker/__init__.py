"""The generation worker: its own process, the seed's Flask backend rebuilt on FastAPI."""
