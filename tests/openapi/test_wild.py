"""Published specs nobody here wrote (tests/data/wild, each with its source, commit and
license): every one loads without a profile and with one, and the answers a sample of its
operations get either conform to the (repaired) spec or are a 500 naming a listed flaw.

The heavy runs (schemathesis over every operation, load time and memory) are
bench/wild.py's; this keeps to what a suite of three minutes affords: the two largest specs
(``heavy`` in corpus.yaml: GitHub's 13 MB, DigitalOcean's 1,500 files) load once here, and
under a profile in bench/wild.py.
"""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from emulator import build
from emulator.errors import SpecError
from emulator.openapi.model import Operation, Spec
from emulator.openapi.spec_facts import base_path
from emulator.openapi.synthesis import Synthesizer
from emulator.yamlread import read_data
from tests.support import DATA, node_at

WILD = DATA / "wild"
CORPUS: list[dict[str, Any]] = yaml.safe_load((WILD / "corpus.yaml").read_text())["specs"]
SAMPLE = 4


def unpack(entry: dict[str, Any], folder: Path) -> Path:
    """The spec of a corpus ``entry`` as files under ``folder``; its root file's path."""
    packed = WILD / entry["file"]
    if packed.name.endswith(".tar.gz"):
        with tarfile.open(packed) as archive:
            archive.extractall(folder, filter="data")
        return folder / entry["entry"]
    target = folder / packed.name.removesuffix(".gz")
    target.write_bytes(gzip.decompress(packed.read_bytes()))
    return target


def _sample(spec: Spec) -> list[Operation]:
    """GET operations a request can reach with only their path parameters filled in."""
    simple = [
        op
        for op in spec.operations
        if op.method == "GET"
        and not any(p.required and p.location != "path" for p in op.parameters)
    ]
    step = max(1, len(simple) // SAMPLE)
    return simple[::step][:SAMPLE]


def _url(spec: Spec, op: Operation) -> str:
    synth = Synthesizer(0, spec.registry)
    path = op.path
    for param in op.parameters:
        if param.location == "path":
            try:
                value = synth.generate(param.schema, param.name)
            except ValueError:
                value = "x"
            path = path.replace("{" + param.name + "}", str(value))
    return base_path(spec.document) + path


def profile_for(folder: Path, spec_path: Path, spec: Spec) -> Path | None:
    """A minimal profile binding a create and a retrieve operation of the spec, if it has them."""
    create = next((op for op in spec.operations if op.method == "POST"), None)
    retrieve = next((op for op in spec.operations if op.method == "GET" and "{" in op.path), None)
    if create is None or retrieve is None:
        return None
    profile = folder / "wild.profile.yaml"
    profile.write_text(
        yaml.safe_dump(
            {
                "name": "wild",
                "spec": str(spec_path),
                "operations": {"create": create.key, "retrieve": retrieve.key},
                "statuses": {"terminal": ["completed", "failed"]},
            }
        )
    )
    return profile


@pytest.mark.parametrize("entry", CORPUS, ids=[e["name"] for e in CORPUS])
def test_a_published_spec_loads_and_serves_with_and_without_a_profile(
    entry: dict[str, Any], tmp_path: Path
) -> None:
    path = unpack(entry, tmp_path)
    app = build(api=None, spec=path)
    spec = app.spec
    assert spec.operations, f"{entry['name']}: no operations"
    listed = {(w.pointer, w.reason) for w in app.warnings}
    client = TestClient(app)
    for op in _sample(spec):
        answer = client.get(_url(spec, op))
        if answer.status_code == 500 and "spec-gap" in answer.json().get("type", ""):
            problem = answer.json()
            flaws = {(f.pointer, f.reason) for f in (*op.flaws, *op.repairs)} | listed
            assert (problem["pointer"], problem["reason"]) in flaws or "no value" in problem[
                "reason"
            ]
            continue
        assert answer.status_code < 500, (op.key, answer.text[:300])
        violations = answer.headers.get("x-emulator-violations")
        assert violations is None, (op.key, violations)
    if entry["dialect"] == "2.0":  # flaws named where the 2.0 file has them, not its 3.0 reading
        original = read_data(path, SpecError)
        for flaw in app.warnings:
            node_at(original, flaw.pointer)
    profile = None if entry.get("heavy") else profile_for(tmp_path, path, spec)
    if profile is not None:
        bound = build(profile=profile)
        assert bound.profile is not None and len(bound.spec.operations) == len(spec.operations)
