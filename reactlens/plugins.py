"""Loading plugins and finding the components they register.

Built-in and third-party plugins are both found through the ``reactlens`` entry-point group.
``REACTLENS_LOAD_PLUGINS`` (comma-separated entry-point names) limits which third-party plugins load;
set it empty to load none. Built-in plugins always load. ``REACTLENS_TRACE_PLUGINS=1`` prints every
hook call and registration to stderr.
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import pluggy

from . import hookspecs
from .camera_rate import CAMERA_RATE_OPTIONS, CameraRate
from .classify_rate import CLASSIFY_RATE_OPTIONS, ClassifyRate
from .errors import ComponentError, ReactlensError
from .option_types import check_value, declared_types

log = logging.getLogger("reactlens")

ENTRY_POINT_GROUP = "reactlens"
BUILTIN_DISTRIBUTION = "reactlens"
ALLOW_ENV = "REACTLENS_LOAD_PLUGINS"
TRACE_ENV = "REACTLENS_TRACE_PLUGINS"

#: Component kind → the hook that registers it.
KIND_HOOKS: Dict[str, str] = {
    "source": "register_sources",
    "detector": "register_detectors",
    "classifier": "register_classifiers",
    "tracker": "register_trackers",
    "audio": "register_audio_detectors",
    "sink": "register_sinks",
}

#: Component kind → the options the screening itself takes for every component of that kind (with their
#: defaults) and the wrapper that applies them: detectors at camera rate, classifiers at a rate per viewer.
WRAPPERS: Dict[str, Tuple[Dict[str, Any], Callable[..., Any]]] = {
    "detector": (CAMERA_RATE_OPTIONS, CameraRate),
    "classifier": (CLASSIFY_RATE_OPTIONS, ClassifyRate),
}


@dataclass
class Component:
    """A named component a plugin offers: ``factory(**options)`` builds it."""

    kind: str
    name: str
    factory: Callable[..., Any]
    plugin: str
    description: str = ""

    def own_options(self) -> Dict[str, Any]:
        """The factory's option names and their defaults (``inspect.Parameter.empty`` when required)."""
        try:
            params = inspect.signature(self.factory).parameters.values()
        except (TypeError, ValueError):
            return {}
        return {
            p.name: p.default
            for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
        }

    def options(self) -> Dict[str, Any]:
        """Every option a profile may give: the factory's own and its kind's wrapper's (``WRAPPERS``)."""
        own = self.own_options()
        if self.kind not in WRAPPERS:
            return own
        return {**own, **{k: v for k, v in WRAPPERS[self.kind][0].items() if k not in own}}

    def option_types(self) -> Dict[str, Tuple[type, ...]]:
        """The scalar types each option takes, as ``options()`` lists them (see ``option_types``)."""
        own = declared_types(self.factory)
        if self.kind not in WRAPPERS:
            return own
        defaults, wrapper = WRAPPERS[self.kind]
        wrapped = declared_types(wrapper)
        return {**own, **{k: wrapped[k] for k in defaults if k in wrapped and k not in self.own_options()}}

    def option_key(self, option: str) -> str:
        """How ``--set`` names one of this component's options."""
        return f"sinks.{self.name}.{option}" if self.kind == "sink" else f"{self.kind}.{option}"


@dataclass
class Plugin:
    """A loaded (or failed) plugin."""

    name: str
    module: str
    version: Optional[str] = None
    builtin: bool = False
    error: Optional[str] = None
    hooks: List[str] = field(default_factory=list)
    components: List[Component] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready description, as ``reactlens plugins --json`` prints it."""
        return {
            "name": self.name,
            "version": self.version,
            "module": self.module,
            "builtin": self.builtin,
            "hooks": self.hooks,
            "components": [{"kind": c.kind, "name": c.name, "description": c.description} for c in self.components],
            "error": self.error,
        }


class PluginHost:
    """Owns the pluggy manager, the loaded plugins and the component registry."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.manager.add_hookspecs(hookspecs)
        self.plugins: Dict[str, Plugin] = {}
        self._components: Optional[Dict[Tuple[str, str], Component]] = None

    # -- loading -----------------------------------------------------------------------------------

    def add(self, plugin: object, name: str, version: Optional[str] = None, builtin: bool = False) -> None:
        """Register a plugin object (usually a module with ``@hookimpl`` functions)."""
        self.manager.register(plugin, name=name)
        self.manager.check_pending()
        hooks = sorted(h.name for h in self.manager.get_hookcallers(plugin) or [])
        self.plugins[name] = Plugin(name, getattr(plugin, "__name__", repr(plugin)), version, builtin, hooks=hooks)
        self._components = None

    def load_entry_points(self, allow: Optional[List[str]] = None) -> None:
        """Load every plugin of the entry-point group; third-party ones only if in ``allow`` (None = all)."""
        from importlib.metadata import entry_points  # novermin (desktop only: the Lambda adds its plugins)

        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = getattr(ep, "dist", None)
            builtin = dist is not None and dist.name == BUILTIN_DISTRIBUTION
            version = dist.version if dist is not None else None
            if ep.name in self.plugins or (not builtin and allow is not None and ep.name not in allow):
                continue
            try:
                module = ep.load()
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                self.plugins[ep.name] = Plugin(ep.name, ep.value, version, builtin, error=error)
                log.warning("plugin '%s' failed to load (%s); its components are unavailable", ep.name, error)
                continue
            self.add(module, ep.name, version, builtin)

    # -- components --------------------------------------------------------------------------------

    def _collect(self) -> Dict[Tuple[str, str], Component]:
        if self._components is not None:
            return self._components
        found: Dict[Tuple[str, str], Component] = {}
        for plugin in self.plugins.values():
            plugin.components = []
        for kind, hook_name in KIND_HOOKS.items():
            hook = getattr(self.manager.hook, hook_name)
            # Oldest registration first, so built-ins win a name clash.
            for impl in reversed(hook.get_hookimpls()):
                plugin = self.plugins[impl.plugin_name]

                def register(
                    name: str,
                    factory: Callable[..., Any],
                    description: str = "",
                    *,
                    _kind: str = kind,
                    _plugin: Plugin = plugin,
                ) -> None:
                    key = (_kind, name)
                    if key in found:
                        log.warning(
                            "%s '%s' from plugin '%s' ignored: plugin '%s' already registers it",
                            _kind,
                            name,
                            _plugin.name,
                            found[key].plugin,
                        )
                        return
                    component = Component(_kind, name, factory, _plugin.name, description)
                    found[key] = component
                    _plugin.components.append(component)

                if os.environ.get(TRACE_ENV):
                    sys.stderr.write(f"reactlens trace: {plugin.name}.{hook_name}(register)\n")
                impl.function(register=register)
        self._components = found
        return found

    def components(self, kind: Optional[str] = None) -> List[Component]:
        """All registered components, or those of one kind, sorted by kind and name."""
        return sorted(
            (c for c in self._collect().values() if kind is None or c.kind == kind),
            key=lambda c: (list(KIND_HOOKS).index(c.kind), c.name),
        )

    def get(self, kind: str, name: str) -> Component:
        """The component ``name`` of ``kind``, or a ``ReactlensError`` saying what exists instead."""
        if kind not in KIND_HOOKS:
            raise ReactlensError(f"unknown component kind '{kind}'", f"use one of: {', '.join(KIND_HOOKS)}")
        component = self._collect().get((kind, name))
        if component is not None:
            return component
        known = ", ".join(c.name for c in self.components(kind)) or "none"
        failed = [p for p in self.plugins.values() if p.error]
        hint = f"available {kind}s: {known}"
        if failed:
            hint += "; plugins that failed to load: " + ", ".join(f"{p.name} ({p.error})" for p in failed)
        else:
            hint += "; install the plugin that provides it (see `reactlens plugins`)"
        raise ReactlensError(f"unknown {kind} '{name}'", hint)

    def create(self, kind: str, name: str, options: Dict[str, Any]) -> Any:
        """Build component ``name`` with ``options``, checking them against its factory's signature.

        A detector comes wrapped in ``CameraRate`` and a classifier in ``ClassifyRate``, which take their own
        options (``WRAPPERS``).
        """
        component = self.get(kind, name)
        check_options(component, options)
        if kind not in WRAPPERS:
            return self._started(component, lambda: component.factory(**options))
        defaults, wrapper = WRAPPERS[kind]
        own = component.own_options()
        outer = {k: v for k, v in options.items() if k in defaults and k not in own}
        inner = {k: v for k, v in options.items() if k not in outer}

        def build(threads: int = 0) -> Any:
            """The component; a detector for background scans may be given its own number of threads."""
            mine = inner
            if threads:
                if "threads" not in own:
                    raise ReactlensError(
                        f"detector '{name}' has no threads option, so scan_threads cannot be set",
                        "leave scan_threads out for this detector",
                    )
                mine = {**inner, "threads": threads}
            return self._started(component, lambda: component.factory(**mine))

        built = build()
        if kind == "detector":  # live background scans need a second detector of their own
            outer["scan_factory"] = build
        return self._started(component, lambda: wrapper(built, **outer))

    @staticmethod
    def _started(component: Component, make: Callable[[], Any]) -> Any:
        """What ``make`` builds for ``component``; any failure but a ``ReactlensError`` as one ``ComponentError``."""
        kind, name = component.kind, component.name
        try:
            return make()
        except ReactlensError:
            raise
        except Exception as exc:
            raise ComponentError(
                f"{kind} '{name}' (plugin '{component.plugin}') failed to start: {type(exc).__name__}: {exc}",
                "check its options, or run with REACTLENS_DEBUG=1 for the traceback",
            ) from exc


def check_options(component: Component, options: Dict[str, Any]) -> None:
    """Raise ``ReactlensError`` for options the component does not take, or required ones missing."""
    try:
        params = inspect.signature(component.factory).parameters.values()
    except (TypeError, ValueError):
        return
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return
    known = component.options()
    label = f"{component.kind} '{component.name}'"
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ReactlensError(
            f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} for {label}",
            f"valid options: {', '.join(known) or 'none'}",
        )
    missing = [n for n, default in known.items() if default is inspect.Parameter.empty and n not in options]
    if missing:
        raise ReactlensError(
            f"{label} needs option {', '.join(missing)}",
            f"set it in the profile or with --set {component.option_key(missing[0])}=VALUE",
        )
    types = component.option_types()
    for name, value in options.items():
        if name in types:
            check_value(component.option_key(name), value, types[name], known.get(name))


_host: Optional[PluginHost] = None


def new_host() -> PluginHost:
    """A plugin host with the entry-point plugins ($REACTLENS_LOAD_PLUGINS limits the third-party ones)."""
    host = PluginHost()
    allow_env = os.environ.get(ALLOW_ENV)
    host.load_entry_points(None if allow_env is None else [n.strip() for n in allow_env.split(",") if n.strip()])
    return host


def get_host() -> PluginHost:
    """The process-wide plugin host, loading entry-point plugins on first use."""
    global _host
    if _host is None:
        _host = new_host()
    return _host
