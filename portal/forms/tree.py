"""Tree forms (``jenis = "pohon"``): levels declared in the definition (tujuan -> sasaran ->
program -> ...), each node with its level's typed fields.

On the page the tree is a flat list of nodes in document order (``simpul-0``, ``simpul-1``,
...), each with a hidden ``tingkat``; a node's parent is the nearest node before it one
level up. Structural edits (add, move, remove) rework the posted values and renumber the
nodes, so every typed value, valid or not, comes back unchanged. Stored shape::

    {"simpul": [{"tingkat": "tujuan", <fields>, "anak": [{"tingkat": "sasaran", ...}]}]}
"""
from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, HiddenField

from portal.forms.basics import _fields_class, _row_empty, _validate_fields, _values
from portal.forms.spec import FormSpec

NODES = "simpul"
_NODE_KEY = re.compile(rf"^{NODES}-(\d+)-(.+)$")


def form_class(spec: FormSpec) -> type:
    """The WTForms class of a tree: a list of nodes, each with one sub-form per level."""
    attrs = {"tingkat": HiddenField()}
    for level in spec.levels:
        attrs[level.key] = FormField(_fields_class(f"Simpul_{spec.key}_{level.key}", level.fields))
    node_cls = type(f"Simpul_{spec.key}", (Form,), attrs)
    # one entry past the limit is read, so an over-long tree is refused rather than cut short
    nodes = FieldList(FormField(node_cls), label=spec.title, max_entries=spec.max_nodes + 1)
    return type(f"Formulir_{spec.key}", (Form,), {NODES: nodes})


def flatten(spec: FormSpec, data: dict) -> dict:
    """Stored (nested) data as the flat node list the form binds to."""
    out: list[dict] = []

    def walk(nodes) -> None:
        for node in nodes or []:
            key = node.get("tingkat")
            if spec.level(key) is None:
                continue
            out.append({"tingkat": key, key: {k: v for k, v in node.items() if k not in ("tingkat", "anak")}})
            walk(node.get("anak"))

    walk(data.get(NODES))
    if not out:
        out.append({"tingkat": spec.levels[0].key})
    return {NODES: out}


def _depth(spec: FormSpec, key) -> int | None:
    keys = [level.key for level in spec.levels]
    return keys.index(key) if key in keys else None


def _numbers(depths: list[int]) -> list[str]:
    """Outline numbers (1, 1.1, 1.2, 2, ...) of nodes in document order."""
    counters: list[int] = []
    result = []
    for depth in depths:
        del counters[depth + 1:]
        while len(counters) <= depth:
            counters.append(0)
        counters[depth] += 1
        result.append(".".join(str(c) for c in counters[:depth + 1]))
    return result


# --- structural edits ------------------------------------------------------------------

def _split(formdata) -> tuple[list[tuple[str, str]], list[list[tuple[str, str]]]]:
    """(other posted values, node values grouped by node in posted order)."""
    others: list[tuple[str, str]] = []
    groups: dict[int, list[tuple[str, str]]] = {}
    for key, value in formdata.items(multi=True):
        match = _NODE_KEY.match(key)
        if match:
            groups.setdefault(int(match.group(1)), []).append((match.group(2), value))
        elif not key.startswith("_induk-") and key != "_ubah":
            others.append((key, value))
    return others, [groups[i] for i in sorted(groups)]


def _subtree_end(depths: list[int], index: int) -> int:
    end = index + 1
    while end < len(depths) and depths[end] > depths[index]:
        end += 1
    return end


def _move_block(nodes: list, depths: list[int], index: int, command: str, target: int | None) -> list:
    end = _subtree_end(depths, index)
    block, rest = nodes[index:end], nodes[:index] + nodes[end:]
    rest_depths = depths[:index] + depths[end:]
    depth = depths[index]
    if command == "naik":
        k = index - 1
        while k >= 0 and depths[k] > depth:
            k -= 1
        if k < 0 or depths[k] != depth:
            return nodes
        return rest[:k] + block + rest[k:]
    if command == "turun":
        if end >= len(depths) or depths[end] != depth:
            return nodes
        after = _subtree_end(rest_depths, index)
        return rest[:after] + block + rest[after:]
    # pindah: to the end of another parent's children; target is its position before the move
    if target is None or not 0 <= target < len(nodes) or depths[target] != depth - 1:
        return nodes
    position = target if target < index else target - len(block)
    insert_at = _subtree_end(rest_depths, position)
    return rest[:insert_at] + block + rest[insert_at:]


def edit(spec: FormSpec, formdata, command: str, *, fixed_roots: bool = False) -> MultiDict:
    """The posted values after ``command``: ``tambah:simpul`` (a node of the first level),
    ``anak:simpul-N`` (a child), ``naik:``/``turun:simpul-N`` (swap with the sibling),
    ``pindah:simpul-N`` (to the parent chosen in ``_induk-simpul-N``), ``hapus:simpul-N``
    (with its subtree). Unknown or impossible commands change nothing. Nodes are
    renumbered in their new order. With ``fixed_roots`` (a unit's branches) the roots can
    be neither added, removed nor moved."""
    others, nodes = _split(formdata)
    depths = [_depth(spec, dict(node).get("tingkat")) or 0 for node in nodes]
    action, _, target = (command or "").partition(":")
    match = re.fullmatch(rf"{NODES}-(\d+)", target)
    index = int(match.group(1)) if match else None
    if index is not None and not 0 <= index < len(nodes):
        index = None
    if fixed_roots and (action == "tambah" or (index is not None and depths[index] == 0 and action != "anak")):
        action = ""
    if action == "tambah" and target == NODES and len(nodes) < spec.max_nodes:
        nodes.append([("tingkat", spec.levels[0].key)])
    elif action == "anak" and index is not None and depths[index] + 1 < len(spec.levels) and len(nodes) < spec.max_nodes:
        nodes.insert(_subtree_end(depths, index), [("tingkat", spec.levels[depths[index] + 1].key)])
    elif action == "hapus" and index is not None:
        del nodes[index:_subtree_end(depths, index)]
    elif action in ("naik", "turun", "pindah") and index is not None:
        chosen = (formdata.get(f"_induk-{NODES}-{index}") or "").strip()
        nodes = _move_block(nodes, depths, index, action, int(chosen) if chosen.isdigit() else None)
    result = MultiDict(others)
    for number, node in enumerate(nodes):
        for key, value in node:
            result.add(f"{NODES}-{number}-{key}", value)
    return result


# --- validation and typed data --------------------------------------------------------

def extract(spec: FormSpec, form) -> tuple[dict, list[str]]:
    """Validate a bound tree; returns (nested typed data, places with errors). Errors stay on
    the fields of the node that caused them. Empty leaves are ignored."""
    errors: list[str] = []
    entries = form[NODES].entries
    depths = [_depth(spec, e.form.tingkat.data) for e in entries]
    if any(d is None for d in depths):
        form[NODES].errors = ["Susunan pohon tidak sah (tingkat tidak dikenal)."]
        return {NODES: []}, ["susunan pohon tidak sah"]
    numbers = _numbers(depths)
    roots: list[dict] = []
    stack: list[dict] = []
    count = 0
    for position, entry in enumerate(entries):
        depth = depths[position]
        level = spec.levels[depth]
        sub = entry.form[level.key].form
        leaf = position + 1 >= len(entries) or depths[position + 1] <= depth
        if leaf and _row_empty(sub):
            continue
        if depth > len(stack):
            form[NODES].errors = ["Susunan pohon tidak sah (simpul tanpa induk)."]
            return {NODES: []}, ["susunan pohon tidak sah"]
        del stack[depth:]
        invalid = _validate_fields(sub)
        if invalid:
            errors.append(f"{level.title} {numbers[position]} ({', '.join(invalid)})")
        node = {"tingkat": level.key, **_values(sub, level.fields), "anak": []}
        (stack[-1]["anak"] if stack else roots).append(node)
        stack.append(node)
        count += 1
    if count < spec.min_nodes:
        form[NODES].errors = [f"Isi paling sedikit {spec.min_nodes} simpul."]
        errors.append(f"{spec.title}: paling sedikit {spec.min_nodes} simpul")
    if count > spec.max_nodes:
        form[NODES].errors = [f"Paling banyak {spec.max_nodes} simpul."]
        errors.append(f"{spec.title}: paling banyak {spec.max_nodes} simpul")
    return {NODES: roots}, errors


# --- what the templates show -----------------------------------------------------------

def outline(spec: FormSpec, form) -> list[dict]:
    """Per node of a bound tree: entry, level, depth, number, child level, whether it can
    move up/down, and the parents it may move to (position, label)."""
    entries = form[NODES].entries
    depths = [_depth(spec, e.form.tingkat.data) or 0 for e in entries]
    numbers = _numbers(depths)
    labels = []
    for entry, depth, number in zip(entries, depths, numbers):
        level = spec.levels[depth]
        first = entry.form[level.key].form[level.fields[0].key]
        text = (first._value() or "").strip()
        labels.append(f"{level.title} {number}" + (f" — {text[:60]}" if text else ""))
    rows = []
    for i, (entry, depth) in enumerate(zip(entries, depths)):
        k = i - 1
        while k >= 0 and depths[k] > depth:
            k -= 1
        end = _subtree_end(depths, i)
        parent = next((p for p in range(i - 1, -1, -1) if depths[p] < depth), None)
        rows.append({
            "entry": entry, "level": spec.levels[depth], "depth": depth, "number": numbers[i], "label": labels[i],
            "child": spec.levels[depth + 1] if depth + 1 < len(spec.levels) else None,
            "can_up": k >= 0 and depths[k] == depth, "can_down": end < len(depths) and depths[end] == depth,
            "parents": [(p, labels[p]) for p, d in enumerate(depths) if d == depth - 1 and p != parent] if depth else [],
        })
    return rows


def rows(spec: FormSpec, data: dict) -> list[dict]:
    """Stored nested data as rows in document order (depth, level, node, number), for the
    read-only summary and the PDF table."""
    flat: list[tuple[int, dict]] = []

    def walk(nodes, depth: int) -> None:
        for node in nodes or []:
            if spec.level(node.get("tingkat")) is not None:
                flat.append((depth, node))
                walk(node.get("anak"), depth + 1)

    walk(data.get(NODES), 0)
    numbers = _numbers([d for d, _ in flat])
    return [{"depth": d, "level": spec.level(n["tingkat"]), "node": n, "number": no}
            for (d, n), no in zip(flat, numbers)]


def pdf_columns(spec: FormSpec) -> list:
    """The detail columns of the PDF table: every field but each level's first (its name),
    once per key, in declaration order."""
    seen, result = set(), []
    for level in spec.levels:
        for field in level.fields[1:]:
            if field.key not in seen:
                seen.add(field.key)
                result.append(field)
    return result


def walk_nodes(nodes):
    """Every node of stored nested data, depth first."""
    for node in nodes or []:
        yield node
        yield from walk_nodes(node.get("anak"))


__all__ = ["form_class", "flatten", "edit", "extract", "outline", "rows", "pdf_columns", "walk_nodes", "NODES"]
