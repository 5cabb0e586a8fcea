"""The French catalogue: every string the user can see, keyed by its English text."""

from __future__ import annotations

FR: dict[str, str] = {
    # Page chrome (components/layout.py, components/i18n.py)
    "Switch to dark theme": "Passer au thème sombre",
    "Switch to light theme": "Passer au thème clair",
    "Dark theme": "Thème sombre",
    "Light theme": "Thème clair",
    "Sign out": "Se déconnecter",
    "Studio": "Studio",
    "Albums": "Albums",
    "Menu": "Menu",
    "Skip to content": "Aller au contenu",
    "Skip to gallery": "Aller à la galerie",
    "imagegen home": "Accueil d’imagegen",
    "Pages": "Pages",
    "Language": "Langue",
}
