"""Work in progress: French entries by area, merged into fr.py."""
