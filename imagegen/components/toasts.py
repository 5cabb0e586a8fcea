"""Feedback pinned to the viewport: a state-driven bridge to sonner's toasts, in compiled
code, because a toast sent from the server would run through eval, which the CSP forbids."""

from __future__ import annotations

import json

import reflex as rx
from reflex.utils.imports import ImportVar
from reflex_base.constants import Hooks
from reflex_base.vars import VarData
from reflex_base.vars.base import Var
from reflex_base.vars.function import FunctionStringVar
from reflex_base.vars.sequence import LiteralArrayVar
from reflex_components_core.base.fragment import Fragment
from reflex_components_core.core.banner import (
    WebsocketTargetURL,
    connect_errors,
    has_hydration_payload_error,
    has_too_many_connection_errors,
)
from reflex_components_sonner.toast import Toaster, toast_ref

from imagegen.i18n import LANGS, tr
from imagegen.state.session import SessionState


class ToastBridge(rx.Component):
    """Shows `toast` (id, kind, message, action, handler, duration) each time its id changes;
    its action button sends the named event back to the server."""

    tag = "ImagegenToasts"
    toast: rx.Var[dict]

    def add_imports(self) -> dict:
        return {
            "react": [ImportVar(tag="useEffect")],
            "$/utils/context": [ImportVar(tag="addEvents")],
            "$/utils/state": [ImportVar(tag="ReflexEvent")],
            Toaster.library or "sonner": [ImportVar(tag="toast", install=False)],
        }

    def add_custom_code(self) -> list[str]:
        return [
            """function ImagegenToasts({ toast: t }) {
  useEffect(() => {
    if (!t || !t.id || !t.message) return;
    // A reload hydrates the tab's last toast again: each is shown once per tab.
    const key = "imagegen-toast-shown";
    try {
      if (sessionStorage.getItem(key) === t.id) return;
      sessionStorage.setItem(key, t.id);
    } catch (e) {}
    const opts = { id: t.group || t.id, duration: t.duration || 5000, closeButton: true };
    if (t.action && t.handler) {
      opts.action = {
        label: t.action,
        onClick: () => addEvents([ReflexEvent(t.handler, t.payload || {}, {})], [], {}),
      };
    }
    const show = { error: toast.error, success: toast.success }[t.kind] || toast;
    show(t.message, opts);
  }, [t && t.id]);
  return null;
}"""
        ]


def toasts() -> rx.Component:
    """The one place a page's toasts come from."""
    return ToastBridge.create(toast=SessionState.toast_event)


# What Reflex's connection toasts say, ours, in every language (Reflex's own are English).
CONNECTION_TEXTS = (
    "Cannot reach the server.",
    "Check that imagegen is running at {url}; this page keeps trying.",
    "This page's data is too large to load. Reload it; if that fails, ask your administrator.",
)


def _by_lang(text: str) -> str:
    """A JS expression: `text` in the document's language, {url} filled from `url`."""
    table = json.dumps({lang: tr(text, lang) for lang in LANGS}, ensure_ascii=False)
    return f"({table}[document.documentElement.lang] || {table}.en).replace('{{url}}', url)"


class ConnectionToasts(Fragment):
    """Reflex's connection-error toasts (the same triggers, ids and dismissal), in the
    document's language."""

    def add_hooks(self) -> list[str | Var]:
        url = WebsocketTargetURL.create()
        lost, check, too_large = (_by_lang(text) for text in CONNECTION_TEXTS)
        effect = f"""() => {{
    const url = {url!s};
    if ({has_hydration_payload_error!s}) {{
        toast?.error({too_large}, {{id: "hydration-payload-error", closeButton: true,
            duration: Infinity}});
    }} else if ({has_too_many_connection_errors!s}) {{
        if (!userDismissed) toast?.error({lost}, {{id: "websocket-error", description: {check},
            closeButton: true, duration: 120000, onDismiss: () => setUserDismissed(true)}});
    }} else {{
        toast?.dismiss("websocket-error");
        setUserDismissed(false);
    }}
}}"""
        imports = {"react": ("useEffect", "useState")}
        url_data = url._get_all_var_data()
        if url_data is not None:
            imports.update(dict(url_data.imports))
        return [
            Hooks.CONNECT_ERRORS,
            Var(f"const toast = {toast_ref};"),
            "const [userDismissed, setUserDismissed] = useState(false);",
            FunctionStringVar("useEffect", _var_data=VarData(imports=imports)).call(
                Var(_js_expr=effect), LiteralArrayVar.create([connect_errors])
            ),
        ]
