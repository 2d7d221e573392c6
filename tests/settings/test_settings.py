"""emulator.settings: each option declared once, and offered from that one declaration by the
command line, the pytest plugin and ``build()``, with the defaults of each place."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from emulator import cli
from emulator.settings import (
    DEFAULT_JWT_SECRET,
    Listen,
    Settings,
    Sources,
    option,
    options,
    resolve,
)
from emulator.settings.option import declared
from emulator.testing.pytest_plugin import MARKER_KWARGS
from emulator.testing.report_plugin import session_option
from tests.support import REPO


def flags_of(command: str) -> set[str]:
    parser = cli._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {flag for action in sub.choices[command]._actions for flag in action.option_strings}


def test_every_field_of_every_group_is_a_declared_option() -> None:
    for group in (Sources, Listen, Settings):
        declared = [o.field for o in options() if o.group is group]
        assert declared == [f.name for f in dataclasses.fields(group)]
        assert all(o.help for o in options() if o.group is group)


def test_the_command_line_offers_each_option_from_its_declaration() -> None:
    serve, check = flags_of("serve"), flags_of("check")
    for opt in options("serve"):
        assert opt.flag in serve
    assert {"--clock", "--strict", "--no-strict", "--jwt-secret", "--port"} <= serve
    negated = {"--no-" + o.flag[2:] for o in options("check") if o.kind is bool}
    assert {o.flag for o in options("check")} == check - {"-h", "--help"} - negated
    assert "--port" not in check


def test_the_plugin_offers_each_option_as_flag_ini_key_and_marker_argument(
    pytestconfig: pytest.Config,
) -> None:
    for opt in options("pytest"):
        assert pytestconfig.getoption(f"emulator_{opt.key}") is None  # registered, unset
        assert pytestconfig.getini(f"emulator_{opt.key}") == ""
        assert opt.key in MARKER_KWARGS
    assert MARKER_KWARGS - {o.key for o in options("pytest")} == {
        "scenario",
        "in_process",
        "webhooks",
    }


def test_each_place_has_its_defaults() -> None:
    assert Settings() == Settings(
        seed=0, strict=True, manual_clock=False, jwt_secret=DEFAULT_JWT_SECRET, fallback="none"
    )
    serve, test = resolve("serve", {}).settings, resolve("pytest", {}).settings
    assert (serve.strict, serve.manual_clock) == (False, False)
    assert (test.strict, test.manual_clock) == (True, True)
    assert resolve("serve", {}).listen == Listen("127.0.0.1", 4010)


def test_words_and_values_resolve_alike_and_wrong_ones_are_named() -> None:
    by_words = resolve("pytest", {"clock": "real", "strict": "false", "seed": "7", "api": "none"})
    by_values = resolve("pytest", {"clock": "real", "strict": False, "seed": 7, "api": None})
    assert by_words == by_values
    assert by_words.settings.seed == 7 and by_words.sources.api is None
    with pytest.raises(ValueError, match="clock must be one of real, manual, not 'sometimes'"):
        resolve("serve", {"clock": "sometimes"})
    with pytest.raises(ValueError, match="seed takes an integer, not 'x'"):
        resolve("serve", {"seed": "x"})


def test_the_bundled_api_fills_in_unless_files_are_named() -> None:
    assert Sources().bundled_api == "writer"
    assert Sources(spec="a.yaml").bundled_api is None
    assert Sources(api="retab", spec="a.yaml").bundled_api == "retab"


def test_a_new_field_becomes_an_option_everywhere_it_is_declared_for() -> None:
    @dataclasses.dataclass(frozen=True)
    class Extra:
        max_body: int = option(1024, "largest body", where=("serve",), test=2048)

    field = dataclasses.fields(Extra)[0]
    assert field.metadata["help"] == "largest body" and Extra().max_body == 1024
    assert field.metadata["where"] == {"serve"} and field.metadata["defaults"] == {"pytest": 2048}


@pytest.mark.parametrize("literal", [DEFAULT_JWT_SECRET, '"auth", "request"', '"none", "examples"'])
def test_a_default_is_written_in_one_module_only(literal: str) -> None:
    holders = [
        p.name for p in sorted((REPO / "emulator").rglob("*.py")) if literal in p.read_text()
    ]
    assert len(holders) == 1, holders


def test_a_tuple_option_is_repeatable_everywhere() -> None:
    @dataclasses.dataclass(frozen=True)
    class Extra:
        hooks: tuple[str, ...] = option((), "where to send events", kind=tuple)

    (opt,) = (o for o in declared(Extra))
    assert opt.parse(["a", "b"]) == ("a", "b")  # --hooks a --hooks b
    assert opt.parse("a\nb") == ("a", "b")  # one per ini line
    assert opt.parse(("a",)) == ("a",) and opt.word(()) == "none"
    with pytest.raises(ValueError, match="hooks takes a list of strings"):
        opt.parse(3)
    parser = argparse.ArgumentParser()
    parser.add_argument(opt.flag, dest=opt.key, action="append")
    assert opt.parse(vars(parser.parse_args(["--hooks", "a", "--hooks", "b"]))["hooks"]) == (
        "a",
        "b",
    )


@pytest.mark.parametrize("command", ["contract", "record", "report"])
def test_the_other_commands_offer_exactly_their_declared_options(command: str) -> None:
    declared = options(command)  # type: ignore[arg-type]
    negated = {"--no-" + o.flag[2:] for o in declared if o.kind is bool}
    assert {o.flag for o in declared} == flags_of(command) - {"-h", "--help"} - negated
    required = {o.flag for o in declared if o.required}
    assert required == {"report": {"--journal"}}.get(command, {"--base-url"})
    with pytest.raises(SystemExit):  # argparse refuses a run without them
        cli._parser().parse_args([command])


def test_contract_options_resolve_with_their_defaults_and_words() -> None:
    run = resolve("contract", {"base_url": "http://x", "max_examples": "3", "auth": ["A: b"]})
    assert run.target.base_url == "http://x" and run.target.auth == ("A: b",)
    assert run.target.timeout == 10.0 and run.contract.max_examples == 3
    assert run.contract.stateful is False and run.recording.out == "recorded"
    # The same key in two places (contract --report, pytest --emulator-report) never mixes.
    assert resolve("contract", {"report": "junit.xml"}).contract.report == "junit.xml"
    assert resolve("contract", {"report": "junit.xml"}).reporting.report is None
    assert resolve("session", {"report": "reports"}).reporting.report == "reports"


def test_no_command_or_plugin_declares_an_option_of_its_own() -> None:
    """Only the two generic loops (cli, pytest plugin) turn declarations into options."""
    places = {
        str(p.relative_to(REPO)): n
        for p in sorted((REPO / "emulator").rglob("*.py"))
        if (n := sum(p.read_text().count(c) for c in ("add_argument(", "addoption(", "addini(")))
    }
    # The plugin: its hook pytest_addoption, four kinds of flag and the ini key.
    assert places == {"emulator/cli.py": 1, "emulator/testing/pytest_plugin.py": 6}


class FakeConfig:
    def __init__(self, flag: str | None, ini: str, cwd: Path, root: Path) -> None:
        self.flag, self.ini = flag, ini
        self.invocation_params = type("Params", (), {"dir": cwd})()
        self.rootpath = root

    def getoption(self, name: str, default: object = None) -> object:
        return self.flag if name == "emulator_report" else default

    def getini(self, name: str) -> str:
        return self.ini


def test_the_report_folder_is_a_session_option_from_flag_or_ini(
    pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    assert pytestconfig.getoption("emulator_report") is None  # registered from Reporting
    assert pytestconfig.getini("emulator_report") == ""
    assert "report" not in MARKER_KWARGS  # one folder for the run, not per test
    cwd, root = tmp_path / "cwd", tmp_path / "root"
    flag = session_option(FakeConfig("out", "ignored", cwd, root), "report")  # type: ignore[arg-type]
    assert flag == str((cwd / "out").resolve())
    ini = session_option(FakeConfig(None, "reports", cwd, root), "report")  # type: ignore[arg-type]
    assert ini == str((root / "reports").resolve())
    assert session_option(FakeConfig(None, "", cwd, root), "report") is None  # type: ignore[arg-type]
