"""Find the ``rasa_sdk`` actions a user's module, package or folder of ``.py`` files defines.

A dotted name (``"actions"``) is imported the normal way; a path (``Path("actions")``,
``"./actions"`` or ``"shop/actions.py"``) is loaded under its own name without touching
``sys.path``. Every submodule is imported, and every concrete ``rasa_sdk.Action`` subclass
*defined* in one of them (not merely imported into it) is created once, without arguments, as
rasa_sdk's server does. Any error raised while importing becomes an ``ActionImportError`` that
names the file and line.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import sys
import traceback
from collections.abc import Iterator
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

from rasa_sdk import Action  # type: ignore[import-untyped]

from bot.actions.errors import ActionImportError

__all__ = ["discover_actions", "import_tree"]

_FIX = "Fix that file (or install the package it needs) and start again."


def discover_actions(target: str | Path) -> list[Action]:
    """One instance of every concrete action class defined under ``target``."""
    label = str(target)
    classes: dict[type[Action], None] = {}
    for module in import_tree(target):
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, Action) and value.__module__ == module.__name__:
                classes.setdefault(value)
    found = (_create(cls, label, classes) for cls in classes if not inspect.isabstract(cls))
    return [action for action in found if action is not None]


def _create(cls: type[Action], label: str, classes: dict[type[Action], None]) -> Action | None:
    """An instance of ``cls``, or ``None`` for a base class of other actions that has no name."""
    try:
        action = cls()
        name = action.name()
    except NotImplementedError:
        if any(other is not cls and issubclass(other, cls) for other in classes):
            return None  # a base class of other actions, not an action itself
        where = _class_location(cls)
        raise ActionImportError(
            label, where, f"custom action {cls.__qualname__} at {where} has no name(): define `def name(self) -> str`, "
            "or make it abstract (abc.ABC with an @abstractmethod) if it is a base class."
        ) from None
    except Exception as exc:  # the user's __init__ or name() raised
        where = _class_location(cls)
        raise ActionImportError(
            label, where, f"cannot create custom action {cls.__qualname__}() and ask its name() at {where}: "
            f"{type(exc).__name__}: {exc}. Actions are created without arguments, as rasa_sdk does."
        ) from exc
    if not isinstance(name, str) or not name:
        where = _class_location(cls)
        raise ActionImportError(label, where, f"{cls.__qualname__}.name() at {where} returned {name!r}; "
                                "it must return a non-empty str.")
    return action


def import_tree(target: str | Path) -> list[ModuleType]:
    """``target`` imported, followed by all its submodules (recursively, for a package)."""
    label = str(target)
    is_path = isinstance(target, Path) or "/" in label or "\\" in label or label.endswith(".py")
    root = _load_path(Path(target), label) if is_path else _import(label, label)
    return [root, *_submodules(root, label)]


def _submodules(package: ModuleType, label: str) -> Iterator[ModuleType]:
    # iter_modules with full names, recursing by hand: walk_packages would import a subpackage
    # by its bare name and could pick up an unrelated top-level package of the same name.
    for info in pkgutil.iter_modules(getattr(package, "__path__", None) or [], prefix=package.__name__ + "."):
        module = _import(info.name, label)
        yield module
        if info.ispkg:
            yield from _submodules(module, label)


def _import(name: str, label: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if name == label and exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            local = Path(*name.split("."))
            hint = (f"{local}{'/' if local.is_dir() else '.py'} exists here but is not on sys.path: pass its path"
                    if local.is_dir() or local.with_suffix(".py").is_file()
                    else "pass the dotted name of an importable module or the path to its folder or .py file")
            raise ActionImportError(label, label, f"no module named {name!r} to load custom actions from; {hint}.") from exc
        raise _import_error(label, exc) from exc
    except Exception as exc:  # whatever the user's module raises at import time
        raise _import_error(label, exc) from exc


def _load_path(path: Path, label: str) -> ModuleType:
    path = path.resolve()
    name = path.stem if path.suffix == ".py" else path.name
    problem = None
    if not path.exists():
        problem = f"{path} does not exist"
    elif path.is_file() and path.suffix != ".py":
        problem = f"{path} is not a .py file"
    elif not name.isidentifier():
        problem = f"{path.name!r} is not a valid Python module name (use letters, digits and _)"
    if problem:
        raise ActionImportError(label, str(path), f"cannot load custom actions: {problem}. Pass a folder of .py files, "
                                "a .py file, or the dotted name of a module.")
    existing = sys.modules.get(name)
    if existing is not None:
        if _module_location(existing) == path:
            return existing
        raise ActionImportError(
            label, str(path), f"cannot load custom actions from {path}: a different module named {name!r} is already "
            f"imported (from {_module_location(existing)}). Rename {path.name} or pass that module's dotted name."
        )
    spec: ModuleSpec | None
    if path.is_file():
        spec = importlib.util.spec_from_file_location(name, path)
    elif (path / "__init__.py").exists():
        spec = importlib.util.spec_from_file_location(name, path / "__init__.py", submodule_search_locations=[str(path)])
    else:  # a plain folder of .py files: a namespace package
        spec = ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(path)]
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        if spec.loader is not None:
            spec.loader.exec_module(module)
    except Exception as exc:  # whatever the user's module raises at import time
        del sys.modules[name]
        raise _import_error(label, exc) from exc
    return module


def _import_error(label: str, exc: BaseException) -> ActionImportError:
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<frozen")]
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else label
    return ActionImportError(label, where, f"cannot import custom actions from {label!r}: {type(exc).__name__}: {exc} "
                             f"(at {where}). {_FIX}")


def _module_location(module: ModuleType) -> Path | None:
    paths = list(getattr(module, "__path__", None) or [])
    if paths:
        return Path(paths[0]).resolve()
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def _class_location(cls: type) -> str:
    try:
        return f"{inspect.getsourcefile(cls)}:{inspect.getsourcelines(cls)[1]}"
    except (OSError, TypeError):
        return f"{cls.__module__}.{cls.__qualname__}"
