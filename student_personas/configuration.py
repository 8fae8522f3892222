"""The active configuration: which vars file a command reads, and how it combines with dbt's vars.

dbt reads vars from dbt_project.yml (this project's defaults, which name no column of any file) and from
``--vars``, never from a file of the user's. So the preflight (dbt's on-run-start hook, any dbt command
that builds) reads the user's vars file itself: ``personas.yml`` in the project when it exists (the file
the user owns: ``make profile`` writes it), else the worked example ``examples/builtin/vars.yml``, or the
file the var ``config_file`` names for one command (``make run VARS=...``). Each setting is then, in
order of precedence: a value given with ``--vars``, the file's value, the project default. The result is
written to the warehouse as the table ``inputs.settings``, which every model reads (``stg_settings``), so
``dbt build``, ``make run``, ``make score`` and the tests all see one configuration, and a bare
``dbt build`` in the project folder builds the configured warehouse.
"""

from __future__ import annotations

from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
ACTIVE_FILE = PROJECT_DIR / "personas.yml"
WORKED_EXAMPLE = PROJECT_DIR / "examples" / "builtin" / "vars.yml"
CONFIG_FILE_VAR = "config_file"


class ConfigurationProblem(ValueError):
    """A vars file that cannot be read, with what to do."""


def active_file(config_file: str | None, project_dir: Path = PROJECT_DIR) -> Path:
    """The vars file a command reads: `config_file` (relative to the project), else personas.yml when it
    exists, else the worked example."""
    if config_file:
        path = Path(config_file)
        return path if path.is_absolute() else project_dir / path
    active = project_dir / ACTIVE_FILE.name
    return active if active.exists() else project_dir / WORKED_EXAMPLE.relative_to(PROJECT_DIR)


def read_vars_file(path: Path) -> dict:
    """The vars in a YAML file, or a ConfigurationProblem naming the file (and the line of a YAML error)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ConfigurationProblem(f"vars file {path} does not exist") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationProblem(f"vars file {path} cannot be read: {error}") from error
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigurationProblem(f"vars file {path} is not valid YAML{where}: "
                                   f"{getattr(error, 'problem', None) or error}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigurationProblem(f"vars file {path} holds `name: value` lines, not a {type(loaded).__name__}")
    if CONFIG_FILE_VAR in loaded:
        raise ConfigurationProblem(f"vars file {path} sets {CONFIG_FILE_VAR}: a vars file cannot name another one")
    return {str(name): value for name, value in loaded.items()}


def combine(defaults: dict, given: set[str], file_values: dict) -> tuple[dict, dict]:
    """(values, origins): each setting from --vars (`given`, already in `defaults` as dbt resolved them),
    else from the file, else the project default; its origin is 'command line', 'file' or 'default'.
    Names the file sets that the project does not know are kept, for the preflight to report."""
    values, origins = {}, {}
    for name in sorted(set(defaults) | set(file_values)):
        if name in given:
            values[name], origins[name] = defaults.get(name), "command line"
        elif name in file_values:
            values[name], origins[name] = file_values[name], "file"
        else:
            values[name], origins[name] = defaults[name], "default"
    return values, origins
