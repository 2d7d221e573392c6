"""``jobs-emulator``: serve an emulator, or check specs, profiles and scenarios without serving.

jobs-emulator serve [--api writer|retab|osapi | --spec PATH] [--profile PATH]
                    [--scenarios DIR] [--host 127.0.0.1] [--port 4010] [--seed N]
                    [--strict | --no-strict] [--clock real|manual]
                    [--fallback none|examples] [--jwt-secret S] [--base-path /v1]
jobs-emulator check [same loading options]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from emulator.bundle import BUNDLED_APIS, DEFAULT_API, build
from emulator.errors import LoadError
from emulator.settings import DEFAULT_JWT_SECRET, Settings

__all__ = ["main"]


def _loading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api", choices=BUNDLED_APIS, help=f"a bundled API (default: {DEFAULT_API})"
    )
    parser.add_argument("--spec", help="an OpenAPI 3.0/3.1 file (YAML or JSON)")
    parser.add_argument("--profile", help="a provider profile (default: the --api's)")
    parser.add_argument("--scenarios", help="a scenario directory (default: the bundled ones)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jobs-emulator",
        description="Emulate asynchronous job APIs from an OpenAPI spec, with scripted "
        "lifecycles on a clock the test controls.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve an emulator over HTTP")
    _loading_options(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=4010)
    serve.add_argument("--seed", type=int, default=0, help="seed for ids, examples, faults")
    serve.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="answer 500 instead of serving a response that breaks the spec",
    )
    serve.add_argument("--clock", choices=("real", "manual"), default="real")
    serve.add_argument("--fallback", choices=("none", "examples"), default="none")
    serve.add_argument("--jwt-secret", default=DEFAULT_JWT_SECRET)
    serve.add_argument(
        "--base-path",
        help="the path the API is served under (default: the path of the spec's servers URL)",
    )
    check = commands.add_parser("check", help="validate spec, profile and scenarios; serve nothing")
    _loading_options(check)
    return parser


def _api(args: argparse.Namespace) -> str | None:
    if args.api:
        return str(args.api)
    return None if (args.spec and not args.profile) or args.profile else DEFAULT_API


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args)
    settings = Settings(
        seed=args.seed,
        strict=args.strict,
        manual_clock=args.clock == "manual",
        jwt_secret=args.jwt_secret,
        fallback=args.fallback,
        base_path=args.base_path,
    )
    try:
        app = build(
            api=_api(args), spec=args.spec, profile=args.profile,
            scenarios=args.scenarios, settings=settings,
        )  # fmt: skip
    except LoadError as exc:
        print(f"jobs-emulator: refused to start: {exc}", file=sys.stderr)
        return 2
    from emulator.http.server import serve_forever, stack

    name = app.profile.name if app.profile else "stateless"
    print(
        f"jobs-emulator: serving {app.spec.title} ({name}, {len(app.spec.operations)} operations,"
        f" {len(app.scenarios)} scenarios, clock {args.clock}) on http://{args.host}:{args.port}"
        f" ({stack()})",
        flush=True,
    )
    serve_forever(app, args.host, args.port)
    return 0


def _check(args: argparse.Namespace) -> int:
    targets = [args.api] if args.api or args.spec or args.profile else list(BUNDLED_APIS)
    failed = False
    for api in targets:
        try:
            app = build(
                api=api if args.api or not (args.spec or args.profile) else _api(args),
                spec=args.spec, profile=args.profile, scenarios=args.scenarios,
            )  # fmt: skip
        except LoadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
            continue
        scenarios = ", ".join(sorted(app.scenarios)) or "none"
        label = app.profile.name if app.profile else str(app.spec.path)
        print(f"ok: {label}: {len(app.spec.operations)} operations; scenarios: {scenarios}")
    return 1 if failed else 0
