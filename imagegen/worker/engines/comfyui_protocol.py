"""ComfyUI's workflow and wire formats, as its server (upstream v0.12.1) writes and reads
them: template slots, model loaders and their /object_info choices, node_errors, and binary
preview frames. Pure functions, so the engine module holds only the conversation."""

from __future__ import annotations

import copy
import io
import json
import struct

import httpx
from PIL import Image, UnidentifiedImageError

from imagegen.worker.engines.preview import preview_bytes

# ComfyUI's model loaders and the input naming their file: where a workflow's model comes from.
LOADERS = {
    "CheckpointLoaderSimple": "ckpt_name",
    "CheckpointLoader": "ckpt_name",
    "ImageOnlyCheckpointLoader": "ckpt_name",
    "unCLIPCheckpointLoader": "ckpt_name",
    "UNETLoader": "unet_name",
    "DiffusersLoader": "model_path",
}


def model_source(template: dict) -> tuple[str, str, str | None]:
    """(node class, input, its literal model or None for the {{model}} slot) of the loader the
    workflow takes its model from; ("", "", None) when it has none."""
    literal: tuple[str, str, str | None] = ("", "", None)
    for node in template.values():
        if not isinstance(node, dict):
            continue
        inputs = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
        for name, value in inputs.items():
            if value == "{{model}}":
                return str(node.get("class_type", "")), name, None
        cls = node.get("class_type")
        if cls in LOADERS and isinstance(inputs.get(LOADERS[cls]), str) and not literal[0]:
            literal = (cls, LOADERS[cls], inputs[LOADERS[cls]])
    return literal


def has_slot(template: object, name: str) -> bool:
    """Whether the workflow template holds the slot {{name}} as a whole value."""
    if isinstance(template, dict):
        return any(has_slot(v, name) for v in template.values())
    if isinstance(template, list):
        return any(has_slot(v, name) for v in template)
    return template == "{{" + name + "}}"


def workflow_steps(workflow: dict) -> int | None:
    """The sampler's steps as the filled workflow runs them (what the PNG must say)."""
    for node in workflow.values():
        steps = node.get("inputs", {}).get("steps") if isinstance(node, dict) else None
        if isinstance(steps, int) and not isinstance(steps, bool):
            return steps
    return None


def combo_choices(info: object, node_class: str, name: str) -> list[str]:
    """A combo input's choices from /object_info: [[choices...], {...}] (V1 nodes) or
    ["COMBO", {"options": [...]}] (V3 nodes)."""
    spec = info[node_class]["input"]  # type: ignore[index]
    field = (spec.get("required") or {}).get(name) or (spec.get("optional") or {}).get(name)
    first = field[0]
    choices = field[1].get("options", []) if first == "COMBO" else first
    return [c for c in choices if isinstance(c, str)]


def node_errors_text(node_errors: object) -> str:
    """ComfyUI's node_errors as a sentence naming each node and its reason."""
    parts = []
    if isinstance(node_errors, dict):
        for node_id, entry in node_errors.items():
            if not isinstance(entry, dict):
                continue
            for e in entry.get("errors") or []:
                if isinstance(e, dict):
                    detail = f" ({e['details']})" if e.get("details") else ""
                    parts.append(
                        f"{entry.get('class_type', 'node')} (node {node_id}): "
                        f"{e.get('message', 'invalid')}{detail}"
                    )
    return "; ".join(parts)[:500]


def preview_frame(frame: bytes, prompt_id: str) -> bytes | None:
    """A small WebP from one of ComfyUI's binary preview frames (--preview-method): a 4-byte
    event (1: a JPEG or PNG after a 4-byte image type; 4: after a 4-byte length and JSON
    metadata naming its prompt), else None."""
    if len(frame) < 9:
        return None
    event = struct.unpack(">I", frame[:4])[0]
    body = frame[8:]
    if event == 4:
        size = struct.unpack(">I", frame[4:8])[0]
        try:
            meta = json.loads(frame[8 : 8 + size])
        except ValueError:
            return None
        if isinstance(meta, dict) and meta.get("prompt_id") not in (None, prompt_id):
            return None
        body = frame[8 + size :]
    elif event != 1:
        return None
    try:
        with Image.open(io.BytesIO(body)) as img:
            return preview_bytes(img)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def refusal(r: httpx.Response) -> str | None:
    """A refused workflow's reason, node by node (the top message says only "failed validation")."""
    try:
        body = r.json()
    except ValueError:
        return None
    text = node_errors_text(body.get("node_errors")) if isinstance(body, dict) else ""
    return f"ComfyUI refused the workflow: {text}" if text else None


def fill_workflow(template: dict, values: dict[str, object]) -> dict:
    """The template with every slot filled: a whole-string slot takes the value's type."""

    def fill(node: object) -> object:
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        if isinstance(node, str) and "{{" in node:
            for name, value in values.items():
                slot = "{{" + name + "}}"
                if node == slot:
                    return value
                node = node.replace(slot, str(value))
        return node

    return fill(copy.deepcopy(template))  # type: ignore[return-value]
