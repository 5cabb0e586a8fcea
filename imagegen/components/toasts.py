"""Feedback pinned to the viewport: a state-driven bridge to sonner's toasts, in compiled
code, because a toast sent from the server would run through eval, which the CSP forbids."""

from __future__ import annotations

import reflex as rx
from reflex.utils.imports import ImportVar
from reflex_components_sonner.toast import Toaster

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
