"""Security schemes and the ``security`` requirement lists that refer to them."""

from __future__ import annotations

from emulator.openapi.document import Documents, Located, join
from emulator.openapi.flaws import Flaw
from emulator.openapi.model import ParameterLocation, SecurityRequirement, SecurityScheme

__all__ = ["requirements", "security_schemes"]

_API_KEY_LOCATIONS: dict[object, ParameterLocation] = {
    "header": "header",
    "query": "query",
    "cookie": "cookie",
}


def security_schemes(docs: Documents, at: Located) -> dict[str, SecurityScheme]:
    """``components/securitySchemes`` (at ``at``) as typed values, by name."""
    if at.node is None:
        return {}
    if not isinstance(at.node, dict):
        raise at.error("`securitySchemes` must be a mapping")
    out: dict[str, SecurityScheme] = {}
    for name in at.node:
        scheme = docs.follow(at.child(name))
        node = scheme.node if isinstance(scheme.node, dict) else {}
        kind, location = node.get("type"), _API_KEY_LOCATIONS.get(node.get("in"))
        if kind == "http" and isinstance(node.get("scheme"), str):
            out[name] = SecurityScheme(name, kind, scheme=node["scheme"].lower())
        elif kind == "apiKey" and location is not None:
            param_name = node.get("name")
            if not isinstance(param_name, str) or not param_name:
                raise scheme.error("an apiKey scheme needs a `name`")
            out[name] = SecurityScheme(name, kind, location=location, param_name=param_name)
        elif kind in ("oauth2", "openIdConnect"):
            # Both end in a bearer token on the wire, which is all the emulator checks.
            out[name] = SecurityScheme(name, kind, scheme="bearer")
        elif kind == "mutualTLS":
            out[name] = SecurityScheme(name, kind)
        else:
            raise scheme.error(f"security scheme {name!r} has an unusable `type`/`scheme`/`in`")
    return out


def requirements(
    at: Located, schemes: dict[str, SecurityScheme]
) -> tuple[tuple[SecurityRequirement, ...], list[Flaw]]:
    """A ``security`` list (each entry maps scheme names to scopes; ``[]`` means no auth),
    and the flaws repaired in it: a requirement naming a scheme the spec does not declare
    cannot be checked, so it is left out (when none is left, no auth is checked)."""
    if not isinstance(at.node, list):
        raise at.error("`security` must be a list of security requirements")
    out: list[SecurityRequirement] = []
    repaired: list[Flaw] = []
    for index, requirement in enumerate(at.node):
        if not isinstance(requirement, dict):
            raise at.error("a security requirement must be a mapping", str(index))
        unknown = [name for name in requirement if name not in schemes]
        for name in unknown:
            where = join(at.pointer, str(index), name)
            rule = f"unknown security scheme {name!r} (see components/securitySchemes)"
            repair = "this requirement is left out: nothing says what it checks"
            repaired.append(Flaw(str(at.file), where, rule, repair, "unknown-security-scheme"))
        if unknown:
            continue
        for name, scopes in requirement.items():
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise at.error("scopes must be a list of strings", str(index), name)
        out.append({name: tuple(scopes) for name, scopes in requirement.items()})
    return tuple(out), repaired
