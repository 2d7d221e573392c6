"""Every option of an emulator, declared once (``emulator_settings``), with the machinery that
declares them (``option``) and the options of the commands beside ``serve`` (``command_settings``).

May import: nothing of the package but its own modules.
"""

from emulator.settings.emulator_settings import (
    BUNDLED_APIS,
    DEFAULT_API,
    DEFAULT_JWT_SECRET,
    Config,
    Context,
    ContractRun,
    Deployment,
    Drafting,
    Listen,
    Option,
    Recording,
    ReportFile,
    Reporting,
    Settings,
    Sources,
    Target,
    option,
    options,
    resolve,
)

__all__ = [
    "BUNDLED_APIS",
    "DEFAULT_API",
    "DEFAULT_JWT_SECRET",
    "Config",
    "Context",
    "ContractRun",
    "Deployment",
    "Drafting",
    "Listen",
    "Option",
    "Recording",
    "ReportFile",
    "Reporting",
    "Settings",
    "Sources",
    "Target",
    "option",
    "options",
    "resolve",
]
