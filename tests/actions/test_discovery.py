"""Finding actions in a dotted module, a folder of .py files or one file, and import errors that say where."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.actions import ActionImportError, InProcessActions
from bot.actions.discovery import discover_actions
from tests.actions.conftest import FIXTURE_ACTIONS, FIXTURE_NAMES

HEADER = "from rasa_sdk import Action\n\n"


def action_source(cls: str, name: str, base: str = "Action") -> str:
    return f"class {cls}({base}):\n    def name(self):\n        return {name!r}\n\n"


@pytest.fixture(autouse=True)
def forget_loaded_modules(tmp_path: Path) -> Iterator[None]:
    """Each test loads uniquely named modules from ``tmp_path``; drop them afterwards."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        paths = [getattr(sys.modules[name], "__file__", None) or "", *(getattr(sys.modules[name], "__path__", None) or [])]
        if any(path.startswith(str(tmp_path)) for path in paths):
            del sys.modules[name]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / f"acts_{uuid.uuid4().hex[:10]}"
    path.mkdir()
    return path


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def test_a_dotted_package_gives_its_actions_and_not_the_bases_it_imports() -> None:
    found = discover_actions(FIXTURE_ACTIONS)
    assert sorted(action.name() for action in found) == sorted(FIXTURE_NAMES), "ActionGreet, imported into forms.py, once"
    classes = {type(action).__name__ for action in found}
    assert not classes & {"Action", "ShopAction", "FormValidationAction", "ValidationAction"}


def test_a_folder_of_py_files_with_subpackages_and_relative_imports(folder: Path) -> None:
    write(folder / "greet.py", HEADER + action_source("Hello", "action_hello"))
    write(folder / "more.py", "from .greet import Hello\nfrom .helpers import shout\n\n" + HEADER
          + action_source("Bye", "action_bye"))
    write(folder / "helpers.py", "def shout(text):\n    return text.upper()\n")
    write(folder / "orders" / "__init__.py", "")
    write(folder / "orders" / "track.py", HEADER + action_source("Track", "action_track"))
    runner = InProcessActions.discover(folder)
    assert runner.names() == {"action_hello", "action_bye", "action_track"}


def test_a_path_given_as_text_and_loaded_twice_is_the_same_module(folder: Path) -> None:
    write(folder / "__init__.py", HEADER + action_source("Hello", "action_hello"))
    first, second = discover_actions(str(folder)), discover_actions(folder)
    assert type(first[0]) is type(second[0])


def test_one_py_file(folder: Path) -> None:
    path = write(folder / f"single_{uuid.uuid4().hex[:8]}.py", HEADER + action_source("Hello", "action_hello"))
    assert [action.name() for action in discover_actions(path)] == ["action_hello"]


def test_a_syntax_error_names_file_and_line(folder: Path) -> None:
    bad = write(folder / "bad.py", "from rasa_sdk import Action\n\ndef run(:\n    pass\n")
    with pytest.raises(ActionImportError) as caught:
        discover_actions(folder)
    assert caught.value.where == f"{bad}:3"
    assert f"(at {bad}:3)" in str(caught.value)
    assert "SyntaxError" in str(caught.value)
    assert isinstance(caught.value.__cause__, SyntaxError)


def test_a_missing_dependency_names_the_importing_line(folder: Path) -> None:
    bad = write(folder / "crm.py", "from rasa_sdk import Action\nimport not_a_package_anyone_has\n")
    with pytest.raises(ActionImportError) as caught:
        discover_actions(folder)
    assert caught.value.where == f"{bad}:2"
    assert "ModuleNotFoundError: No module named 'not_a_package_anyone_has'" in str(caught.value)
    assert "install the package it needs" in str(caught.value)


def test_an_error_raised_at_import_time_names_the_line(folder: Path) -> None:
    bad = write(folder / "__init__.py", "import os\n\nAPI_KEY = os.environ['SHOP_API_KEY_THAT_IS_NOT_SET']\n")
    with pytest.raises(ActionImportError, match="KeyError: 'SHOP_API_KEY_THAT_IS_NOT_SET'") as caught:
        discover_actions(folder)
    assert caught.value.where == f"{bad}:3"
    assert folder.name not in sys.modules, "a half-imported module is not left behind"


@pytest.mark.parametrize(("relative", "expected"), [
    ("missing", "does not exist"),
    ("notes.txt", "is not a .py file"),
    ("my-actions", "'my-actions' is not a valid Python module name"),
])
def test_unusable_paths_say_why(folder: Path, relative: str, expected: str) -> None:
    target = folder / relative
    if relative != "missing":
        target.mkdir() if "." not in relative else target.write_text("x")
    with pytest.raises(ActionImportError, match=expected):
        discover_actions(target)


def test_an_unknown_dotted_name_says_what_to_pass() -> None:
    with pytest.raises(ActionImportError, match="no module named 'nowhere_actions' to load custom actions from; pass"):
        discover_actions("nowhere_actions")


def test_a_folder_named_like_a_loaded_module_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "json" / "__init__.py", HEADER)
    with pytest.raises(ActionImportError, match="a different module named 'json' is already imported"):
        discover_actions(tmp_path / "json")


def test_a_base_class_without_a_name_is_skipped_when_actions_extend_it(folder: Path) -> None:
    write(folder / "__init__.py", HEADER + "class Base(Action):\n    pass\n\n" + action_source("Real", "action_real", "Base"))
    assert [action.name() for action in discover_actions(folder)] == ["action_real"]


def test_an_action_without_a_name_is_an_error(folder: Path) -> None:
    write(folder / "__init__.py", HEADER + "class Forgot(Action):\n    pass\n")
    with pytest.raises(ActionImportError, match=r"custom action Forgot at .*__init__.py:3 has no name\(\)"):
        discover_actions(folder)


def test_an_action_needing_constructor_arguments_is_an_error(folder: Path) -> None:
    write(folder / "__init__.py", HEADER + "class NeedsArgs(Action):\n    def __init__(self, api):\n        self.api = api\n")
    with pytest.raises(ActionImportError, match=r"cannot create custom action NeedsArgs\(\) .*TypeError: .*created without arguments"):
        discover_actions(folder)


def test_an_empty_name_is_an_error(folder: Path) -> None:
    write(folder / "__init__.py", HEADER + action_source("Blank", ""))
    with pytest.raises(ActionImportError, match=r"Blank.name\(\) at .* returned ''"):
        discover_actions(folder)
