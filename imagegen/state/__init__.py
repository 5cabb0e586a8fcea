"""Reflex state: small classes named for what the user sees; each is a view of the database."""
