"""Two small browser behaviours Reflex lacks: keyboard shortcuts and an infinite-scroll sentinel.

Each is a tiny React component that only forwards to a Python event handler.
"""

from __future__ import annotations

import reflex as rx
from reflex.utils.imports import ImportVar

_EVENTS = {
    "react": [ImportVar(tag="useEffect"), ImportVar(tag="useRef")],
    "$/utils/context": [ImportVar(tag="addEvents")],
    "$/utils/state": [ImportVar(tag="ReflexEvent")],
}


class KeyboardNav(rx.Component):
    """While active, sends ArrowLeft/ArrowRight/Escape presses to a handler (not in text fields)."""

    tag = "ImagegenKeyboardNav"
    handler: rx.Var[str]
    active: rx.Var[bool]

    def add_imports(self) -> dict:
        return _EVENTS

    def add_custom_code(self) -> list[str]:
        return [
            """function ImagegenKeyboardNav({ handler, active }) {
  useEffect(() => {
    if (!active) return;
    const onKey = (e) => {
      if (!["ArrowLeft", "ArrowRight", "Escape"].includes(e.key)) return;
      const t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
      if (e.key !== "Escape") e.preventDefault();
      addEvents([ReflexEvent(handler, { key: e.key }, {})], [], {});
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [handler, active]);
  return null;
}"""
        ]


class InfiniteScroll(rx.Component):
    """An invisible marker below a list: when it nears the viewport, asks for the next page."""

    tag = "ImagegenInfiniteScroll"
    handler: rx.Var[str]
    has_more: rx.Var[bool]
    busy: rx.Var[bool]

    def add_imports(self) -> dict:
        return _EVENTS

    def add_custom_code(self) -> list[str]:
        return [
            """function ImagegenInfiniteScroll({ handler, hasMore, busy }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!hasMore || busy || !ref.current || !("IntersectionObserver" in window)) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        addEvents([ReflexEvent(handler, {}, {})], [], {});
      }
    }, { rootMargin: "800px 0px" });
    io.observe(ref.current);
    return () => io.disconnect();
  }, [handler, hasMore, busy]);
  return <div ref={ref} data-testid="infinite-scroll" aria-hidden="true" style={{ height: 1 }} />;
}"""
        ]


def keyboard_nav(handler: rx.EventHandler, active: rx.Var) -> rx.Component:
    """Binds ←/→/Esc to handler(key) while active is true."""
    return KeyboardNav.create(handler=_name(handler), active=active)


def infinite_scroll(handler: rx.EventHandler, has_more: rx.Var, busy: rx.Var) -> rx.Component:
    """Calls handler() whenever the end of the list comes within a screen of view."""
    return InfiniteScroll.create(handler=_name(handler), has_more=has_more, busy=busy)


def _name(handler: rx.EventHandler) -> str:
    state, name = handler.state_full_name, handler.fn.__name__  # type: ignore[attr-defined]
    return f"{state}.{name}"


class SessionHandoff(rx.Component):
    """Posts a hidden form to the server when `ticket` changes, so an HTTP answer can set or
    clear the HttpOnly session cookie; compiled code, so the page's CSP needs no eval. A
    ticket is posted once per tab (sessionStorage), even when the state comes back later."""

    tag = "ImagegenSessionHandoff"
    ticket: rx.Var[str]
    path: rx.Var[str]

    def add_imports(self) -> dict:
        return {
            "react": [ImportVar(tag="useEffect")],
            "$/utils/state": [ImportVar(tag="getBackendURL")],
            "$/env.json": [ImportVar(tag="env", is_default=True)],
        }

    def add_custom_code(self) -> list[str]:
        return [
            """function ImagegenSessionHandoff({ ticket, path }) {
  useEffect(() => {
    if (!ticket || !path) return;
    const key = "imagegen-handoff";
    if (window.sessionStorage.getItem(key) === ticket) return;
    window.sessionStorage.setItem(key, ticket);
    const url = getBackendURL(env.UPLOAD);
    url.pathname = path; url.search = ""; url.hash = "";
    const form = document.createElement("form");
    form.method = "POST"; form.action = url.href; form.style.display = "none";
    const input = document.createElement("input");
    input.type = "hidden"; input.name = "ticket"; input.value = ticket;
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  }, [ticket, path]);
  return null;
}"""
        ]
