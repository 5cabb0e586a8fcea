"""Configuration, one class per process over a shared base, so each reads only what it uses:
base (both), app (the web app) and worker (the generation worker); every env var is in README."""
