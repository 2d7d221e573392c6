"""What many test files share: where the suite's files are, each bundled API's credentials,
and an in-process client of a freshly built emulator."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
from starlette.testclient import TestClient

from emulator import DEFAULT_JWT_SECRET, Settings, build

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = TESTS / "data"

# Credentials each bundled API accepts: writer and retab take any value.
WRITER = {"Authorization": "Bearer My API Key"}
RETAB = {"Api-Key": "k"}
WRITER_INPUTS = {"inputs": [{"id": "topic", "value": ["shoes"]}]}

# For a pytest run in a subprocess that uses none of them: importing these installed plugins
# costs each such run seconds of start-up (schemathesis most), and the suite has several.
UNUSED_PLUGINS = (
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:schemathesis",
    "-p",
    "no:anyio",
    "-p",
    "no:asyncio",
)

# Where pytest reads its settings in a folder, and the section it reads in each.
_INI_FILES = (
    ("pytest.ini", ""),
    (".pytest.ini", ""),
    ("pyproject.toml", "[tool.pytest.ini_options]"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)
EMPTY_INI = DATA / "pytest" / "pytest.ini"


def own_config(folder: Path) -> list[str]:
    """Arguments that pin a pytest run of ``folder`` to that folder: it is the rootdir, its
    own ini file is the configuration (an empty one if it has none) and no conftest.py above it
    is loaded. Without them pytest looks for its configuration upwards from ``folder``, so a
    stray pytest.ini, pyproject.toml or conftest.py in a temp folder's parent would change (or
    break) the nested run."""
    for name, section in _INI_FILES:
        ini = folder / name
        if ini.is_file() and section in ini.read_text(encoding="utf-8"):
            return ["-c", str(ini), "--rootdir", str(folder)]
    return ["-c", str(EMPTY_INI), "--rootdir", str(folder), "--confcutdir", str(folder)]


# A parent folder as hostile as a stray checkout can make it: a pyproject.toml and a pytest.ini
# whose options no run accepts, and a conftest.py that fails on import.
HOSTILE_PARENT = {
    "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "--no-such-option"\n',
    "pytest.ini": "[pytest]\naddopts = -p no:emulator --no-such-option\n",
    "conftest.py": "raise RuntimeError('a conftest.py above the project was loaded')\n",
}


def make_hostile(folder: Path) -> None:
    """Put ``HOSTILE_PARENT``'s files in ``folder``."""
    for name, text in HOSTILE_PARENT.items():
        (folder / name).write_text(text, encoding="utf-8")


# The ini of the small projects the plugin's tests run with ``pytester``.
INNER_INI = """
[pytest]
addopts = --strict-markers -p no:cacheprovider -p no:randomly
    -p no:hypothesispytest -p no:schemathesis -p no:anyio -p no:asyncio
filterwarnings = error
"""


def osapi_token(*roles: str, secret: str = DEFAULT_JWT_SECRET) -> str:
    """An HS256 JWT granting ``roles``, signed as the emulator expects by default."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the documented default secret is a short HMAC key
        return jwt.encode({"roles": list(roles)}, secret, "HS256")


def osapi_auth(*roles: str) -> dict[str, str]:
    """osapi's Authorization header, granting ``roles`` (default: admin)."""
    return {"Authorization": f"Bearer {osapi_token(*(roles or ('admin',)))}"}


def emulator_for(api: str, base_url: str = "http://e") -> TestClient:
    """An in-process client of a new emulator of a bundled API, on a manual clock."""
    return TestClient(build(api=api, settings=Settings(manual_clock=True)), base_url=base_url)


def node_at(document: Any, pointer: str) -> Any:
    """The node of ``document`` at JSON pointer ``pointer`` (KeyError, IndexError or
    ValueError where it names none)."""
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token) if isinstance(document, list) else token]
    return document


def bench_module(name: str) -> ModuleType:
    """bench/NAME.py, loaded as a module of its own (bench/ is no package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
