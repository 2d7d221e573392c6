"""emulator/schemas/profile.schema.json, the profile format for editors: it holds every profile
of the repository, it names exactly the keys the loader accepts, section by section (read from
the loader's ``*_KEYS``, so a key added to one and not the other fails here), and it refuses
what the loader refuses where the mistake is one of keys and closed sets."""

from __future__ import annotations

import ast
import fnmatch
import importlib.resources
import inspect
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

from emulator.bundle import bundled_profile
from emulator.drafting import draft_profile
from emulator.errors import ProfileError
from emulator.lifecycle.core.action_table import ACTION_TABLE
from emulator.lifecycle.core.profile import DEFAULT_ERRORS
from emulator.lifecycle.load import profile_load, webhook_load
from emulator.lifecycle.load.profile_load import SCHEMA_PATH, load_profile
from emulator.lifecycle.render.timestamps import TIME_FORMATS
from emulator.yamlread import parse_yaml, read_yaml
from tests.doc_pages import PAGES, Block, parse
from tests.support import DATA, REPO

SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
# One profile that writes every key the loader accepts, in every section.
EVERY_KEY = DATA / "profiles" / "every_key.yaml"
LOADERS = (profile_load, webhook_load)


def schema_errors(data: Any) -> list[str]:
    """Every way ``data`` breaks the schema, down to the branches of an ``anyOf``."""
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _leaves(data)]


def _leaves(data: Any) -> Iterator[ValidationError]:
    pending = list(VALIDATOR.iter_errors(data))
    while pending:
        error = pending.pop()
        if error.context:
            pending.extend(error.context)
        else:
            yield error


def test_the_schema_is_a_valid_draft_2020_12_schema_shipped_in_the_package() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    shipped = importlib.resources.files("emulator.schemas") / "profile.schema.json"
    assert Path(str(shipped)).resolve() == SCHEMA_PATH
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = package_data["tool"]["setuptools"]["package-data"]["emulator.schemas"]
    assert any(fnmatch.fnmatch("profile.schema.json", glob) for glob in globs)


# -- every profile of the repository ---------------------------------------------------------------


def _repository_profiles() -> list[Path]:
    bundled = sorted((REPO / "specs").rglob("*.profile.yaml"))
    test_data = sorted(DATA.rglob("*.profile.yaml"))
    loose = sorted((DATA / "profiles").glob("*.yaml"))  # the loader's own test profiles
    return [*bundled, *test_data, *loose]


@pytest.mark.parametrize("path", _repository_profiles(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_profile_of_the_repository_validates(path: Path) -> None:
    load_profile(path)  # the loader accepts it...
    assert not schema_errors(read_yaml(path, ProfileError))  # ...and so does the schema


# Specs ``jobs-emulator init`` drafts a profile from quickly (the corpus's large ones are
# drafted in tests/corpus): a draft is what a new user opens in an editor first.
DRAFTED_SPECS = [
    DATA / "drafting" / "exports.yaml",
    *(REPO / "specs" / f"{api}.yaml" for api in ("retab", "osapi", "openai", "replicate")),
]


@pytest.mark.parametrize("spec", DRAFTED_SPECS, ids=lambda p: p.name)
def test_a_drafted_profile_validates(spec: Path) -> None:
    drafted = parse_yaml(draft_profile(spec).profile_text, str(spec), ProfileError)
    assert not schema_errors(drafted)


_EDITOR_LINE = "# yaml-language-server: $schema="


@pytest.mark.parametrize(
    "path", sorted((REPO / "specs").rglob("*.profile.yaml")), ids=lambda p: p.name
)
def test_each_bundled_profile_points_editors_at_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(_EDITOR_LINE), f"{path.name} does not start with {_EDITOR_LINE}..."
    assert (path.parent / first.removeprefix(_EDITOR_LINE)).resolve() == SCHEMA_PATH


def _doc_profiles() -> Iterator[Block]:
    for doc in PAGES:
        for block in parse(doc):
            whole = block.directives.get("file", "").endswith(".profile.yaml")
            if whole or "profile" in block.directives:
                yield block


DOC_PROFILES = list(_doc_profiles())


@pytest.mark.parametrize("block", DOC_PROFILES, ids=[b.where for b in DOC_PROFILES])
def test_every_profile_of_the_docs_validates(block: Block, tmp_path: Path) -> None:
    """A whole profile (``file: ...profile.yaml``) the loader accepts, and a fragment laid over
    a bundled profile (``profile: NAME``) as the doc tests build it, validate; a profile the
    page shows as a mistake is refused by both."""
    data = parse_yaml(block.text, block.where, ProfileError)
    if "profile" in block.directives:
        data = {**read_yaml(bundled_profile(block.directives["profile"]), ProfileError), **data}
    try:
        load_profile(_written(data, tmp_path))
    except ProfileError as refusal:
        assert "unknown" in str(refusal), f"{block.where}: {refusal}"
        assert schema_errors(data), f"{block.where}: the schema accepts what the loader refuses"
    else:
        assert not schema_errors(data), (block.where, schema_errors(data))


# -- the keys of each section ----------------------------------------------------------------------

# Each section's keys in the loader (a ``*_KEYS`` constant of profile_load or webhook_load) and
# where the schema describes that section.
SECTIONS = {
    "_TOP_KEYS": "",
    "_BINDING_KEYS": "/$defs/binding",
    "_RETRY_KEYS": "/$defs/retry",
    "_CANCEL_KEYS": "/$defs/cancel",
    "_JOB_KEYS": "/properties/job",
    "_ID_KEYS": "/properties/job/properties/id/anyOf/1",
    "_STATUSES_KEYS": "/properties/statuses",
    "_AUTH_KEYS": "/properties/auth",
    "_DELETE_KEYS": "/properties/delete",
    "_LIST_KEYS": "/properties/list",
    "_FILTER_KEYS": "/$defs/list_filter",
    "_ERRORS_KEYS": "/properties/errors",
    "_TIMELINE_KEYS": "/properties/timeline",
    "_STATS_KEYS": "/properties/stats",
    "_WEBHOOKS_KEYS": "/properties/webhooks",
    "_EVENT_KEYS": "/$defs/webhook_event",
    "_SIGNING_KEYS": "/properties/webhooks/properties/signing",
    "_TARGET_KEYS": "/properties/webhooks/properties/from_request",
    "_HEADER_KEYS": "/properties/webhooks/properties/from_request/properties/header",
}
# An action whose bindings take rules of their own (``_ACTION_RULE_KEYS``) has its binding here.
RULE_BINDING = "/$defs/{action}_binding"


def at(pointer: str) -> Any:
    node: Any = SCHEMA
    for token in filter(None, pointer.split("/")):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def loader_keys() -> dict[str, tuple[str, ...]]:
    """Every ``*_KEYS`` constant of the loader modules: each is the set of keys one section of
    the format takes."""
    return {
        name: value
        for module in LOADERS
        for name, value in vars(module).items()
        if name.endswith("_KEYS") and isinstance(value, tuple)
    }


def nodes(node: Any = SCHEMA, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping of the schema, with its pointer."""
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from nodes(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from nodes(value, f"{pointer}/{index}")


def closed_objects() -> Iterator[str]:
    """The pointer of every schema object that refuses keys it does not name."""
    return (pointer for pointer, node in nodes() if node.get("additionalProperties") is False)


@pytest.mark.parametrize("constant", SECTIONS)
def test_each_section_names_the_keys_the_loader_accepts(constant: str) -> None:
    loader = set(loader_keys()[constant])
    schema = set(at(SECTIONS[constant])["properties"])
    assert loader - schema == set(), f"{constant}: the schema lacks keys the loader accepts"
    assert schema - loader == set(), f"{constant}: the schema names keys the loader refuses"


@pytest.mark.parametrize("action", list(profile_load._ACTION_RULE_KEYS))
def test_a_binding_with_rules_of_its_own_names_them(action: str) -> None:
    own = profile_load._ACTION_RULE_KEYS[action]
    schema = set(at(RULE_BINDING.format(action=action))["properties"])
    assert schema == {*profile_load._BINDING_KEYS, *own}


def test_every_section_of_the_loader_is_in_the_schema() -> None:
    """A new ``*_KEYS`` section is mapped here; a closed object of the schema is a section of
    the loader's (the schema refuses no key the loader takes)."""
    rule_keys = {f"_{action.upper()}_KEYS" for action in profile_load._ACTION_RULE_KEYS}
    assert set(loader_keys()) - rule_keys - set(SECTIONS) == set()
    rule_bindings = {RULE_BINDING.format(action=a) for a in profile_load._ACTION_RULE_KEYS}
    expected = {*SECTIONS.values(), *rule_bindings}
    assert set(closed_objects()) == expected


def test_the_loader_names_every_section_it_checks() -> None:
    """Every ``Reader.only`` call of the loader takes its keys from a ``*_KEYS`` constant: a
    list written inline would escape the comparison above."""
    inline = []
    for module in LOADERS:
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            called = node.func if isinstance(node, ast.Call) else None
            if isinstance(called, ast.Attribute) and called.attr == "only":
                assert isinstance(node, ast.Call)
                literals = [
                    n for a in node.args for n in ast.walk(a) if isinstance(n, ast.Constant)
                ]
                if literals:
                    inline.append(f"{module.__name__}:{node.lineno}")
    assert not inline, f"Reader.only with keys written inline: {inline}"


def test_every_action_is_bound_the_way_the_loader_binds_it() -> None:
    entries = at("/properties/operations/properties")
    assert set(entries) == set(ACTION_TABLE) - {profile_load.OWN_ACTION}
    assert set(at("/$defs/binding/properties/action/enum")) == set(ACTION_TABLE)
    required = {name for name, action in ACTION_TABLE.items() if action.required}
    binds = {ref["$ref"] for ref in at("/properties/operations/allOf")}
    assert binds == {f"#/$defs/binds_{action}" for action in required}


REQUIRED_ACTIONS = [name for name, action in ACTION_TABLE.items() if action.required]


@pytest.mark.parametrize("action", REQUIRED_ACTIONS)
def test_a_required_action_is_bound_under_any_name(action: str, tmp_path: Path) -> None:
    """The loader wants some binding of each required action, under its name or another: so
    does the schema, and both refuse a profile that binds it nowhere."""
    data = _every_key_profile()
    operation = data["operations"].pop(action)
    _refused_by_both(data, tmp_path)
    if isinstance(operation, str):
        operation = {"operation": operation}
    data["operations"]["renamed"] = {**operation, "action": action}
    load_profile(_written(data, tmp_path))
    assert not schema_errors(data)


def _every_key_profile() -> dict[str, Any]:
    data = read_yaml(EVERY_KEY, ProfileError)
    assert isinstance(data, dict)
    return data


def _section(data: dict[str, Any], pointer: str) -> dict[str, Any] | None:
    """The mapping of ``data`` that a schema section describes, found by its property path."""
    node: Any = data
    tokens = [t for t in pointer.split("/") if t]
    for token in (tokens[i + 1] for i, t in enumerate(tokens[:-1]) if t == "properties"):
        node = node.get(token) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def test_the_every_key_profile_writes_every_key() -> None:
    """``every_key.yaml`` exercises each key the loader takes: the probes below start from it."""
    data = _every_key_profile()
    missing = []
    where = {
        "_BINDING_KEYS": data["operations"]["create"],
        "_RETRY_KEYS": data["operations"]["retry"],
        "_CANCEL_KEYS": data["operations"]["cancel"],
        "_MONITOR_KEYS": data["operations"]["monitor"],
        "_ID_KEYS": data["job"]["id"],
        "_FILTER_KEYS": {k for f in data["list"]["filters"].values() for k in f},
        "_EVENT_KEYS": data["webhooks"]["events"]["job.completed"],
    }
    for constant, keys in loader_keys().items():
        found = where.get(constant)
        if found is None:
            found = _section(data, SECTIONS[constant])
        for key in keys:
            if found is None or key not in found:
                missing.append(f"{constant}: {key}")
    assert not missing, f"{EVERY_KEY.name} leaves out {missing}"
    load_profile(EVERY_KEY)
    assert not schema_errors(data)


# -- what both refuse ------------------------------------------------------------------------------


def _written(data: dict[str, Any], into: Path) -> Path:
    """``data`` as a profile file (JSON, which the loader reads as it reads YAML)."""
    file = into / "profile.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    return file


def _refused_by_both(data: dict[str, Any], tmp_path: Path) -> tuple[str, list[str]]:
    """What the loader says (it must refuse ``data``) and what the schema says."""
    with pytest.raises(ProfileError) as refusal:
        load_profile(_written(data, tmp_path))
    return str(refusal.value), schema_errors(data)


def _mapping_at(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node = data
    for token in path:
        node = node[token]
    return node


# Where, in every_key.yaml, each section of the loader sits: an unknown key there is refused.
SECTION_PATHS = [
    (),
    ("operations", "create"),
    ("operations", "retry"),
    ("operations", "cancel"),
    ("operations", "monitor"),
    ("operations", "suspend"),
    ("job",),
    ("job", "id"),
    ("statuses",),
    ("auth",),
    ("retry",),
    ("cancel",),
    ("delete",),
    ("list",),
    ("list", "filters", "state"),
    ("errors",),
    ("timeline",),
    ("stats",),
    ("webhooks",),
    ("webhooks", "signing"),
    ("webhooks", "events", "job.completed"),
    ("webhooks", "from_request"),
    ("webhooks", "from_request", "header"),
]


@pytest.mark.parametrize("path", SECTION_PATHS, ids=lambda p: "/".join(p) or "top")
def test_an_unknown_key_is_refused_by_both(path: tuple[str, ...], tmp_path: Path) -> None:
    data = _every_key_profile()
    _mapping_at(data, path)["colour"] = "blue"
    loader, schema = _refused_by_both(data, tmp_path)
    where = "/".join(("", *path, "colour"))
    assert f"{where}: unknown key 'colour'" in loader
    assert any("'colour' was unexpected" in error for error in schema), schema


# Each closed set of the loader: where it sits in every_key.yaml, and the schema's enum for it.
CLOSED_SETS = [
    (("undeclared",), "/properties/undeclared/enum"),
    (("check_order", 0), "/properties/check_order/items/enum"),
    (("operations", "suspend", "action"), "/$defs/binding/properties/action/enum"),
    (("operations", "monitor", "done"), "/$defs/monitor_binding/properties/done/enum"),
    (("operations", "retry", "model"), "/$defs/retry_binding/properties/model/enum"),
    (("retry", "model"), "/$defs/retry/properties/model/enum"),
    (("job", "timestamps"), "/properties/job/properties/timestamps/anyOf/0/enum"),
    (("auth", "kind"), "/properties/auth/properties/kind/enum"),
    (("list", "style"), "/properties/list/properties/style/enum"),
    (("list", "zero_limit"), "/properties/list/properties/zero_limit/enum"),
    (("list", "order"), "/properties/list/properties/order/enum"),
    (("list", "filters", "state", "match"), "/$defs/list_filter/properties/match/enum"),
    (
        ("webhooks", "signing", "scheme"),
        "/properties/webhooks/properties/signing/properties/scheme/enum",
    ),
]


def _set(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    for token in path[:-1]:
        data = data[token]
    data[path[-1]] = value


@pytest.mark.parametrize(("path", "enum"), CLOSED_SETS, ids=[e for _, e in CLOSED_SETS])
def test_a_closed_set_is_the_same_in_both(
    path: tuple[str | int, ...], enum: str, tmp_path: Path
) -> None:
    """Each value the schema lists loads and validates; a value outside it is refused by both."""
    for value in at(enum):
        data = _every_key_profile()
        _set(data, path, value)
        load_profile(_written(data, tmp_path))
        assert not schema_errors(data), (value, schema_errors(data))
    data = _every_key_profile()
    _set(data, path, "bogus")
    assert _refused_by_both(data, tmp_path)[1], f"the schema accepts bogus at {path}"


def test_every_closed_set_of_the_schema_is_probed() -> None:
    enums = {f"{pointer}/enum" for pointer, node in nodes() if "enum" in node}
    probed = {enum for _, enum in CLOSED_SETS}
    rule_bindings = tuple(RULE_BINDING.format(action=a) for a in profile_load._ACTION_RULE_KEYS)
    # The actions written again in each binding with rules, and the values a schema refuses
    # (``not: {enum: ...}``: the rule bindings' actions, a view that must have a body).
    echoes = {
        enum
        for enum in enums
        if "/not/" in enum or (enum.startswith(rule_bindings) and "/properties/action/" in enum)
    }
    assert enums - echoes - probed == set()


def test_named_timestamps_and_error_kinds_are_the_loaders() -> None:
    assert set(at("/properties/job/properties/timestamps/anyOf/0/enum")) == set(TIME_FORMATS)
    # Routing refusals are problem details, whatever the profile says: the schema offers none.
    answered = set(DEFAULT_ERRORS) - profile_load._ROUTING_KINDS
    assert set(at("/properties/errors/properties/kinds/properties")) == answered


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("operations", "suspend"), "POST /jobs/{id}/suspend"),  # an own action needs a mapping
        (("operations", "create", "action"), "launch"),
        (("operations", "retry", "model"), "clone"),
        (("operations", "create", "done"), "view"),  # a monitor's key on a create
        (("operations", "cancel", "model"), "new"),  # a retry's key on a cancel
        (("views", "job"), "none"),  # only created, retried, cancelled and deleted may be none
        (("job", "id"), "uuid7"),
        (("job", "id", "from"), "body.metadata.name"),
        (("job", "timestamps"), "iso"),
        (("list", "default_limit"), 0),
        (("webhooks", "from_request", "header"), {"name": "request.body.h"}),
        (("webhooks", "timeout"), 0),
        (("statuses",), {"started": ["running"]}),
    ],
    ids=lambda v: "/".join(v) if isinstance(v, tuple) else None,
)
def test_a_broken_profile_is_refused_by_both(
    path: tuple[str, ...], value: Any, tmp_path: Path
) -> None:
    data = _every_key_profile()
    _set(data, path, value)
    _, schema = _refused_by_both(data, tmp_path)
    assert schema, f"the schema accepts {value!r} at /{'/'.join(path)}"


def test_every_property_is_described() -> None:
    """Editors show a property's description: every property has one."""

    undescribed = [
        f"{pointer}/properties/{name}"
        for pointer, node in nodes()
        for name, prop in node.get("properties", {}).items()
        if isinstance(prop, dict) and not _described(prop)
    ]
    # A condition (``if``, ``not``, a binds_* requirement) names properties only to test them:
    # editors describe the properties themselves.
    conditions = ("/if/", "/not/", "/$defs/binds_")
    assert [p for p in undescribed if not any(c in p for c in conditions)] == []


def _described(prop: dict[str, Any]) -> bool:
    if "description" in prop:
        return True
    target = prop.get("$ref")
    return isinstance(target, str) and "description" in at(target.removeprefix("#"))
