"""Small browser behaviours Reflex lacks: keyboard shortcuts, swipes, an infinite-scroll sentinel.

Each is a tiny React component that only forwards to a Python event handler.
"""

from __future__ import annotations

import reflex as rx
from reflex.utils.imports import ImportVar

from imagegen.state.session import event_name

_EVENTS = {
    "react": [ImportVar(tag="useEffect"), ImportVar(tag="useRef")],
    "$/utils/context": [ImportVar(tag="addEvents")],
    "$/utils/state": [ImportVar(tag="ReflexEvent")],
}


class KeyboardNav(rx.Component):
    """While active, sends ArrowLeft/ArrowRight/Escape presses to a handler (not in text
    fields), and a horizontal swipe inside the element `swipe_id` as ArrowLeft/ArrowRight;
    when it ends, focus goes back to the thumbnail that opened it."""

    tag = "ImagegenKeyboardNav"
    handler: rx.Var[str]
    active: rx.Var[bool]
    swipe_id: rx.Var[str]

    def add_imports(self) -> dict:
        return _EVENTS

    def add_custom_code(self) -> list[str]:
        return [
            """let imagegenOpener = null;
if (typeof document !== "undefined") {
  document.addEventListener("focusin", (e) => {
    const el = e.target && e.target.closest && e.target.closest(".image-open");
    if (el) imagegenOpener = el;
  }, true);
}
function ImagegenKeyboardNav({ handler, active, swipeId }) {
  useEffect(() => {
    if (!active) return;
    const opener = imagegenOpener;  // the thumbnail that opened the preview gets focus back
    const send = (key) => addEvents([ReflexEvent(handler, { key }, {})], [], {});
    const onKey = (e) => {
      if (!["ArrowLeft", "ArrowRight", "Escape"].includes(e.key)) return;
      const t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
      if (e.key !== "Escape") e.preventDefault();
      send(e.key);
    };
    let start = null;
    const inside = (e) => { const el = swipeId && document.getElementById(swipeId);
      return el && el.contains(e.target); };
    const onStart = (e) => { start = inside(e) && e.touches.length === 1
      ? { x: e.touches[0].clientX, y: e.touches[0].clientY } : null; };
    const onEnd = (e) => {
      if (!start || !e.changedTouches.length) return;
      const dx = e.changedTouches[0].clientX - start.x, dy = e.changedTouches[0].clientY - start.y;
      start = null;
      if (Math.abs(dx) > 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) {
        send(dx < 0 ? "ArrowRight" : "ArrowLeft");
      }
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("touchstart", onStart, { passive: true });
    window.addEventListener("touchend", onEnd, { passive: true });
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("touchstart", onStart);
      window.removeEventListener("touchend", onEnd);
      setTimeout(() => { if (opener && opener.isConnected) opener.focus(); }, 0);
    };
  }, [handler, active, swipeId]);
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


def keyboard_nav(handler: rx.EventHandler, active: rx.Var, swipe_id: str = "") -> rx.Component:
    """Binds ←/→/Esc (and swipes inside swipe_id) to handler(key) while active is true."""
    return KeyboardNav.create(handler=event_name(handler), active=active, swipe_id=swipe_id)


def infinite_scroll(handler: rx.EventHandler, has_more: rx.Var, busy: rx.Var) -> rx.Component:
    """Calls handler() whenever the end of the list comes within a screen of view."""
    return InfiniteScroll.create(handler=event_name(handler), has_more=has_more, busy=busy)


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


class PromptKeys(rx.Component):
    """In the prompt bar: Enter in the prompt generates (Shift+Enter is a new line), and
    Ctrl/Cmd+Enter generates from any field; both press the form's own Generate button."""

    tag = "ImagegenPromptKeys"
    form_id: rx.Var[str]
    prompt_id: rx.Var[str]
    button_id: rx.Var[str]

    def add_imports(self) -> dict:
        return {"react": [ImportVar(tag="useEffect")]}

    def add_custom_code(self) -> list[str]:
        return [
            """function ImagegenPromptKeys({ formId, promptId, buttonId }) {
  useEffect(() => {
    const onKey = (e) => {
      if (e.key !== "Enter" || e.isComposing || e.altKey) return;
      const form = document.getElementById(formId);
      if (!form || !form.contains(e.target)) return;
      const inPrompt = e.target.id === promptId;
      if (!(e.ctrlKey || e.metaKey) && !(inPrompt && !e.shiftKey)) return;
      e.preventDefault();
      const button = document.getElementById(buttonId);
      if (button && !button.disabled) setTimeout(() => button.click(), 0);
    };
    document.addEventListener("keydown", onKey, true);
    return () => document.removeEventListener("keydown", onKey, true);
  }, [formId, promptId, buttonId]);
  return null;
}"""
        ]


def prompt_keys(form_id: str, prompt_id: str, button_id: str) -> rx.Component:
    """Enter / Ctrl+Enter generate from the prompt bar."""
    return PromptKeys.create(form_id=form_id, prompt_id=prompt_id, button_id=button_id)
