"""The public share page and its "gone" page: full-resolution images, a title, Download,
the app's name and theme (the visitor's system preference, as the app's default), and
OpenGraph tags for link previews."""

from __future__ import annotations

from html import escape

from fastapi import Request

from imagegen.i18n import DEFAULT, LANG_COOKIE, pick_language, tr
from imagegen.services import links
from imagegen.services import shares as svc

_STYLE = """
:root{color-scheme:dark;--bg:#111113;--panel:#18191b;--text:#edeef0;--muted:#b0b4ba;
--accent:#6e56cf;--accent-text:#fff;--line:#2e3135;--focus:#fff}
@media (prefers-color-scheme:light){:root{color-scheme:light;--bg:#fcfcfd;--panel:#fff;
--text:#1c2024;--muted:#60646c;--line:#e0e1e6;--focus:#1c2024}}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:var(--bg);
color:var(--text);line-height:1.5}
header,main,footer{max-width:1200px;margin:0 auto;padding:16px 20px}
header{display:flex;align-items:center;gap:8px;font-weight:700;font-size:1.15rem}
header a{color:var(--text);text-decoration:none}
h1{font-size:1.5rem;line-height:1.3;margin:4px 0 16px;overflow-wrap:anywhere}
p.prompt{color:var(--muted);white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 20px}
.images{display:grid;gap:20px}
figure{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:12px;
padding:12px}
figure img{display:block;width:100%;height:auto;max-height:70vh;object-fit:contain;
border-radius:8px;background:#000}
figcaption{display:flex;justify-content:space-between;align-items:center;gap:12px;
margin-top:10px;color:var(--muted);font-size:.9rem}
a.button{display:inline-flex;align-items:center;min-height:44px;padding:0 18px;
border-radius:8px;background:var(--accent);color:var(--accent-text);font-weight:600;
text-decoration:none}
a.button:focus-visible,a:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
footer{color:var(--muted);font-size:.85rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)}
.gone{min-height:60vh;display:flex;flex-direction:column;justify-content:center;
align-items:flex-start}
"""


def language(request: Request) -> str:
    """The visitor's language: the app's remembered switch, else the browser's."""
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def _shell(title: str, head: str, body: str, lang: str) -> str:
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(title)}</title>
{head}<style>{_STYLE}</style></head>
<body>
<header><a href="/" aria-label="imagegen">&#10022; imagegen</a></header>
{body}
<footer>{escape(tr("Shared from imagegen", lang))}</footer>
</body></html>"""


def page(view: svc.SharedView, base: str, lang: str = DEFAULT) -> str:
    """A live share: each image at full resolution with its own Download button."""
    title = view.prompt if len(view.prompt) <= 90 else view.prompt[:89] + "…"
    first = links.shared_image_url(view.token, view.images[0].id, base_url=base)
    head = f"""<meta property="og:type" content="website">
<meta property="og:site_name" content="imagegen">
<meta property="og:title" content="{escape(title)}">
<meta property="og:description" content="{escape(view.prompt[:300])}">
<meta property="og:url" content="{links.share_url(view.token, base)}">
<meta property="og:image" content="{first}">
<meta property="og:image:width" content="{view.images[0].width}">
<meta property="og:image:height" content="{view.images[0].height}">
<meta property="og:image:alt" content="{escape(title)}">
<meta name="twitter:card" content="summary_large_image">
"""
    n = len(view.images)
    download = escape(tr("Download", lang))
    figures = "\n".join(
        f'<figure><img src="{links.shared_image_url(view.token, i.id)}" width="{i.width}" '
        f'height="{i.height}" alt="{escape(view.prompt)}" decoding="async">'
        f"<figcaption><span>{i.width}×{i.height}"
        f"{' · ' + escape(tr('image {k} of {n}', lang, k=k, n=n)) if n > 1 else ''}</span>"
        f'<a class="button" href="{links.shared_image_url(view.token, i.id)}" '
        f'download="imagegen-{view.token[:8]}-{k}.png">{download}'
        f'<span class="sr"> {escape(tr("image {k}", lang, k=k))}</span></a>'
        f"</figcaption></figure>"
        for k, i in enumerate(view.images, start=1)
    )
    # The whole prompt once: as the heading, or under a shortened heading when it is long.
    heading = (
        f'<h1 id="shared-prompt">{escape(title)}</h1>'
        if title == view.prompt
        else f'<h1>{escape(title)}</h1>\n<p class="prompt" id="shared-prompt">'
        f"{escape(view.prompt)}</p>"
    )
    body = f"""<main>
{heading}
<div class="images">{figures}</div>
</main>"""
    return _shell(f"{title} · imagegen", head, body, lang)


def gone(lang: str = DEFAULT) -> str:
    """An unknown or revoked link: said plainly, in the app's look."""
    body = f"""<main class="gone">
<h1>{escape(tr("This link no longer works", lang))}</h1>
<p id="shared-gone">{escape(tr(svc.GONE, lang))}</p>
<p><a class="button" href="/">{escape(tr("Open imagegen", lang))}</a></p>
</main>"""
    return _shell(tr("Link not found · imagegen", lang), "", body, lang)
