"""Per-unit branches of a tree form (``cabang = { tingkat = "sasaran", isian = "unit_pj" }``).

On a fan-out step each unit edits only its branches: the nodes of the branch level whose
unit field is that unit, with their subtrees. The unit's form is the tree cut at that
level (its roots are the unit's branches, fixed in number and owner); it may edit them
and add, move and remove nodes inside them. What a unit hands in is stored as
``{"simpul": [branch, ...], "_cabang": {"tingkat": ..., "unit": id}}``.

A tree named by several steps is one document: every step opens with the run's current
tree, the latest full tree handed in (by a step that is not per unit) with the branches
the units handed in after it put back in their places (``current_tree``). The step after
the fan-out therefore sees the merged tree, and so do the documents and the shared record.
"""
from __future__ import annotations

import copy

from portal.forms.spec import FormSpec
from portal.forms.tree import NODES

MARK = "_cabang"
POSITIVE = ("selesai", "setuju")
_SPECS: dict[int, tuple[FormSpec, FormSpec]] = {}


def branch_spec(spec: FormSpec) -> FormSpec:
    """The unit's form: the tree from the branch level down (cached per spec object)."""
    cached = _SPECS.get(id(spec))
    if cached and cached[0] is spec:
        return cached[1]
    keys = [level.key for level in spec.levels]
    start = keys.index(spec.branches.level)
    derived = spec.model_copy(update={"levels": spec.levels[start:], "min_nodes": 0, "source": None})
    _SPECS[id(spec)] = (spec, derived)
    return derived


def is_branch_step(spec: FormSpec | None, step) -> bool:
    """True when ``step`` is a fan-out step whose tree form has ``cabang``."""
    return spec is not None and spec.kind == "pohon" and spec.branches is not None and bool(step.fan_out)


def _slots(spec: FormSpec, nodes: list, unit_id, path=()) -> list[tuple[tuple, dict, list]]:
    """(path, node, ancestors) of every branch root of ``unit_id`` in document order."""
    found = []
    for index, node in enumerate(nodes or []):
        here = path + (index,)
        if node.get("tingkat") == spec.branches.level:
            if unit_id is None or node.get(spec.branches.field) == unit_id:
                found.append((here, node))
            continue
        found.extend(_slots(spec, node.get("anak"), unit_id, here))
    return found


def unit_branches(spec: FormSpec, tree: dict, unit_id: int) -> list[dict]:
    """Copies of the unit's branch roots (with their subtrees) in ``tree``."""
    return [copy.deepcopy(node) for _, node in _slots(spec, (tree or {}).get(NODES), unit_id)]


def branch_context(spec: FormSpec, tree: dict, unit_id: int) -> list[str]:
    """For each of the unit's branches, where it sits in the whole tree:
    'Sasaran 1.2 pada pohon lengkap, di bawah Tujuan 1 — Meningkatnya ...'."""
    nodes = (tree or {}).get(NODES) or []
    labels = []
    for path, _ in _slots(spec, nodes, unit_id):
        parts, level_nodes = [], nodes
        for depth, index in enumerate(path[:-1]):
            node = level_nodes[index]
            level = spec.level(node.get("tingkat"))
            name = node.get(level.fields[0].key) if level else ""
            parts.append(f"{level.title if level else ''} {'.'.join(str(i + 1) for i in path[:depth + 1])}"
                         + (f" — {name}" if name else ""))
            level_nodes = node.get("anak") or []
        own = spec.level(spec.branches.level).title + " " + ".".join(str(i + 1) for i in path)
        labels.append(f"{own} pada pohon lengkap" + (f", di bawah {'; '.join(parts)}" if parts else ""))
    return labels


def check_submission(spec: FormSpec, tree: dict, unit_id: int, data: dict) -> str | None:
    """Why a unit's branches may not be stored (another owner, branches added or removed), or None."""
    expected = len(_slots(spec, (tree or {}).get(NODES), unit_id))
    roots = data.get(NODES) or []
    if any(node.get("tingkat") != spec.branches.level for node in roots):
        return "Susunan cabang tidak sah."
    if any(node.get(spec.branches.field) != unit_id for node in roots):
        return ("Cabang hanya dapat diisi oleh unit pemiliknya: penanggung jawab unit sebuah cabang tidak dapat "
                "diganti ke unit lain. Tidak ada yang disimpan.")
    if len(roots) != expected:
        return (f"Unit ini memegang {expected} cabang; cabang tidak dapat ditambah atau dihapus di langkah ini "
                "(isi, tambah atau hapus simpul di dalamnya). Tidak ada yang disimpan.")
    return None


def merge(spec: FormSpec, base: dict, parts: dict) -> dict:
    """``base`` with each unit's handed-in branches (``parts``: unit id -> roots) in its slots."""
    merged = copy.deepcopy(base or {NODES: []})
    for unit_id, roots in parts.items():
        slots = _slots(spec, merged.get(NODES), unit_id)
        for (path, _), node in zip(slots, roots):
            siblings = merged[NODES]
            for index in path[:-1]:
                siblings = siblings[index]["anak"]
            siblings[path[-1]] = {**copy.deepcopy(node), spec.branches.field: unit_id}
    return {k: v for k, v in merged.items() if k != MARK}


def _is_part(spec: FormSpec, task) -> bool:
    """True for a unit's hand-in on the branch step (not a full tree)."""
    return MARK in task.form_data or (spec.branches is not None and bool(task.step.fan_out))


def unit_sample(spec: FormSpec, tasks, unit_id: int) -> dict:
    """What a unit hands in when it changes nothing: its branches of the current tree (for
    the end-to-end helper and the demo)."""
    return {NODES: unit_branches(spec, current_tree(spec, tasks) or {}, unit_id)}


def current_tree(spec: FormSpec, tasks, *, before_id: int | None = None) -> dict | None:
    """The run's current tree from its tasks (ordered by id): the latest full tree handed
    in, with the units' later branches merged in; only tasks before ``before_id``. None
    when no step has handed the tree in yet."""
    base, base_id, parts = None, 0, {}
    chosen = [t for t in tasks if t.form_data and t.outcome in POSITIVE and (before_id is None or t.id < before_id)
              and t.step.form == spec.key]
    for task in chosen:
        if not _is_part(spec, task):
            base, base_id = task.form_data, task.id
    if base is None:
        return None
    for task in chosen:
        if _is_part(spec, task) and task.id > base_id:
            if MARK in task.form_data:
                parts[task.form_data[MARK]["unit"]] = task.form_data.get(NODES) or []
            else:  # stored without the web form (e.g. generated data): take the unit's own branches only
                parts[task.unit_id] = unit_branches(spec, task.form_data, task.unit_id)
    tree = merge(spec, base, parts) if spec.branches is not None else copy.deepcopy(base)
    return {k: v for k, v in tree.items() if k != "_sumber"}


__all__ = ["MARK", "branch_spec", "is_branch_step", "unit_branches", "branch_context", "check_submission",
           "merge", "current_tree", "unit_sample"]
