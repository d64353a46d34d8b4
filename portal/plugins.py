"""The plugin manager: finds plugins, loads their SOP definitions, reports broken ones.

Plugins come from three places, in this order: the built-in ``plugins/`` packages, the
drop-in folder ``PORTAL_PLUGINS_DIR`` (IT copies a plugin folder there and restarts),
and installed distributions through the entry-point group ``portal.plugins``. A plugin
that fails to import or whose definition is invalid is recorded as a ``PluginProblem``
and skipped; everything else keeps working.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
import tomllib
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

import pluggy

from portal import hookspecs
from portal.sop import DefinitionError, SopDefinition, load_definition_file

ENTRY_POINT_GROUP = "portal.plugins"
BUILTIN_PACKAGE = "plugins"


@dataclass(frozen=True)
class PluginProblem:
    """Why a plugin, or one of its files, could not be used."""

    plugin: str
    file: str
    reason: str


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin as shown on the admin page."""

    name: str
    source: str  # "bawaan", "folder" or "paket"
    location: str
    definitions: tuple[str, ...] = ()


@dataclass
class PluginRegistry:
    """Everything plugin-related the app needs after start-up."""

    pm: pluggy.PluginManager
    plugins: list[PluginInfo] = field(default_factory=list)
    problems: list[PluginProblem] = field(default_factory=list)
    definitions: dict[str, SopDefinition] = field(default_factory=dict)  # by definition id
    template_folders: dict[str, str] = field(default_factory=dict)
    static_folders: dict[str, str] = field(default_factory=dict)

    def definition(self, sop_id: str) -> SopDefinition | None:
        """The current definition with id ``sop_id``, or None."""
        return self.definitions.get(sop_id)

    def sorted_definitions(self) -> list[SopDefinition]:
        """Definitions ordered by kode, then id."""
        return sorted(self.definitions.values(), key=lambda d: (d.kode, d.id))


def new_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager that knows the portal's hookspecs."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def load_plugins(dropin_dir: str | Path | None, *, builtin: bool = True, entry_point_group: str = ENTRY_POINT_GROUP) -> PluginRegistry:
    """Discover, register and validate all plugins; never raises for a broken plugin."""
    registry = PluginRegistry(pm=new_plugin_manager())
    from portal import core_hooks

    registry.pm.register(core_hooks, name=core_hooks.NAME)
    if builtin:
        for name, module in _builtin_modules(registry):
            _register(registry, name, module, "bawaan")
    if dropin_dir and Path(dropin_dir).is_dir():
        for folder in sorted(p for p in Path(dropin_dir).iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            module = _load_folder(registry, folder)
            if module is not None:
                _register(registry, folder.name, module, "folder")
    for ep in entry_points(group=entry_point_group):
        try:
            module = ep.load()
        except Exception as exc:  # a broken distribution must not stop the portal
            registry.problems.append(PluginProblem(ep.name, ep.value, _reason(exc)))
            continue
        _register(registry, ep.name, module, "paket")
    _cross_check(registry)
    try:
        registry.pm.check_pending()
    except pluggy.PluginValidationError as exc:
        registry.problems.append(PluginProblem(getattr(exc, "plugin_name", "?"), "", f"hook tidak dikenal: {exc}"))
    return registry


def _cross_check(registry: PluginRegistry) -> None:
    """Report steps whose form nobody provides and prefill sources naming unknown SOPs.

    The definition stays loaded (the rest of it keeps working); each problem names the
    file, the step or form, and the field.
    """
    kodes = {d.kode for d in registry.definitions.values()}
    for definition in registry.definitions.values():
        for step in definition.steps:
            if step.form and definition.form(step.form) is None:
                try:
                    provided = registry.pm.hook.portal_step_form(definition=definition, step=step)
                except Exception as exc:  # a broken plugin hook is a problem, not a crash
                    provided = None
                    registry.problems.append(PluginProblem(definition.plugin, definition.source, _reason(exc)))
                if provided is None:
                    registry.problems.append(PluginProblem(
                        definition.plugin, definition.source,
                        f'langkah {step.no}, field formulir: formulir "{step.form}" tidak dideklarasikan di '
                        "[[formulir]] dan tidak disediakan plugin mana pun"))
        for form in definition.forms:
            if form.source and form.source.sop not in kodes:
                registry.problems.append(PluginProblem(
                    definition.plugin, definition.source,
                    f'formulir {form.key}, field sumber: SOP "{form.source.sop}" tidak dikenal'))
            for _, column in form.column_sources():
                for kode in column.source.kodes:
                    if kode not in kodes:
                        registry.problems.append(PluginProblem(
                            definition.plugin, definition.source,
                            f'formulir {form.key}, kolom {column.key}, field sumber: SOP "{kode}" tidak dikenal'))


def _builtin_modules(registry: PluginRegistry):
    try:
        package = importlib.import_module(BUILTIN_PACKAGE)
    except ImportError:
        return
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        try:
            yield info.name, importlib.import_module(f"{BUILTIN_PACKAGE}.{info.name}")
        except Exception as exc:
            registry.problems.append(PluginProblem(info.name, str(Path(package.__path__[0]) / info.name), _reason(exc)))


def _definition_files(folder: Path) -> list[str]:
    """The folder's TOML files except those another one includes with ``sertakan`` (shared forms)."""
    files = sorted(folder.glob("*.toml"))
    included: set[str] = set()
    for path in files:
        try:
            names = tomllib.loads(path.read_text(encoding="utf-8")).get("sertakan", [])
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # reported when the file itself loads
        included.update(n for n in names if isinstance(n, str)) if isinstance(names, list) else None
    return [str(p) for p in files if p.name not in included]


def _load_folder(registry: PluginRegistry, folder: Path) -> ModuleType | None:
    """Import a drop-in plugin folder; a folder with only TOML files is a data plugin."""
    init = folder / "__init__.py"
    module_name = f"portal_dropin_{folder.name}"
    if not init.exists():
        module = ModuleType(module_name)
        module.__file__ = str(folder / "(tanpa __init__.py)")
        toml_files = _definition_files(folder)
        if not toml_files:
            registry.problems.append(PluginProblem(folder.name, str(folder), "folder tidak berisi __init__.py maupun berkas .toml"))
            return None

        class DataPlugin:
            @hookspecs.hookimpl
            def portal_sop_definitions(self):
                return toml_files

        module.plugin = DataPlugin()
        return module
    try:
        spec = importlib.util.spec_from_file_location(module_name, init, submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        return module
    except Exception as exc:
        sys.modules.pop(module_name, None)
        registry.problems.append(PluginProblem(folder.name, str(init), _reason(exc)))
        return None


def _register(registry: PluginRegistry, name: str, module: ModuleType, source: str) -> None:
    if registry.pm.has_plugin(name):
        registry.problems.append(PluginProblem(name, getattr(module, "__file__", ""), "nama plugin sudah dipakai plugin lain"))
        return
    target = getattr(module, "plugin", module)
    try:
        registry.pm.register(target, name=name)
    except Exception as exc:
        registry.problems.append(PluginProblem(name, getattr(module, "__file__", ""), _reason(exc)))
        return
    location = str(Path(getattr(module, "__file__", "") or "").parent)
    loaded = _collect_definitions(registry, name, target)
    if loaded is None:
        registry.pm.unregister(name=name)
        return
    for hook, folders in (("portal_template_folder", registry.template_folders), ("portal_static_folder", registry.static_folders)):
        impl = getattr(target, hook, None)
        folder = impl() if impl else None
        if folder:
            folders[name] = str(folder)
    registry.plugins.append(PluginInfo(name, source, location, tuple(loaded)))


def _collect_definitions(registry: PluginRegistry, name: str, target) -> list[str] | None:
    """Load the plugin's definitions; returns their ids, or None when the plugin itself failed."""
    impl = getattr(target, "portal_sop_definitions", None)
    if impl is None:
        return []
    try:
        paths = impl() or []
    except Exception as exc:
        registry.problems.append(PluginProblem(name, getattr(target, "__file__", ""), _reason(exc)))
        return None
    loaded = []
    for path in paths:
        try:
            definition = load_definition_file(path, plugin=name)
        except DefinitionError as exc:
            registry.problems.extend(PluginProblem(name, exc.path, p) for p in exc.problems)
            continue
        if definition.id in registry.definitions:
            other = registry.definitions[definition.id]
            registry.problems.append(PluginProblem(name, str(path), f'id SOP "{definition.id}" sudah dipakai oleh {other.source}'))
            continue
        registry.definitions[definition.id] = definition
        loaded.append(definition.id)
    return loaded


def _reason(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({Path(last[0].filename).name}, baris {last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"
