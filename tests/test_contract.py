import warnings
import jwt
import schemathesis
from schemathesis.config import SchemathesisConfig
from emulator import build, Settings

POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

def schema_for(api, headers, presence_only=False, stateful_ops=()):
    app = build(api=api, settings=Settings(strict=True, manual_clock=True))
    data = {
        "headers": headers,
        "generation": {"max-examples": 20, "mode": "all"},
        "operations": [
            {"include-operation-id": op, "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "400"]}}}
            for op in stateful_ops
        ],
    }
    if presence_only:
        data["checks"] = {"ignored_auth": {"enabled": False}}
    s = schemathesis.openapi.from_asgi("/_emulator/openapi.json", app, config=SchemathesisConfig.from_dict(data))
    return s


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    TOKEN = jwt.encode({"roles": ["admin"]}, "jobs-emulator-secret", algorithm="HS256")
writer = schema_for("writer", {"Authorization": "Bearer k"}, True, ["retryJob"])
retab = schema_for("retab", {"Api-Key": "k"}, True, ["retryJob", "cancelJob"])
osapi = schema_for("osapi", {"Authorization": f"Bearer {TOKEN}"})

@writer.parametrize()
def test_writer(case):
    case.call_and_validate()

@retab.parametrize()
def test_retab(case):
    case.call_and_validate()

@osapi.parametrize()
def test_osapi(case):
    case.call_and_validate()

TestWriterState = writer.as_state_machine().TestCase
TestRetabState = retab.as_state_machine().TestCase
TestOsapiState = osapi.as_state_machine().TestCase
