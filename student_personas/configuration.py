"""The active configuration: which vars file a command reads, and how it combines with dbt's vars.

dbt reads vars from dbt_project.yml (this project's defaults, which name no column of any file) and from
``--vars``, never from a file of the user's. So the preflight (dbt's on-run-start hook, any dbt command
that builds) reads the user's vars file itself: ``personas.yml`` in the project when it exists (the file
the user owns: ``make profile`` writes it), else the worked example ``examples/builtin/vars.yml``, or the
file one command names: the var ``config_file``, or the environment variable ``PERSONAS_CONFIG``
(``make run VARS=...`` sets it for its dbt command, so dbt's parse is reused across vars files: dbt
re-parses the whole project whenever ``--vars`` changes, and no setting of a vars file is used while
parsing). Each setting is then, in
order of precedence: a value given with ``--vars``, the file's value, the project default. The result is
written to the warehouse as the table ``inputs.settings``, which every model reads (``stg_settings``), so
``dbt build``, ``make run``, ``make score`` and the tests all see one configuration, and a bare
``dbt build`` in the project folder builds the configured warehouse.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
ACTIVE_FILE = PROJECT_DIR / "personas.yml"
WORKED_EXAMPLE = PROJECT_DIR / "examples" / "builtin" / "vars.yml"
CONFIG_FILE_VAR = "config_file"
CONFIG_FILE_ENVIRONMENT = "PERSONAS_CONFIG"
# Settings of one scoring command (make score passes them with --vars): never in a vars file.
COMMAND_ONLY_VARS = ("score_students_path", "score_events_path", "score_term_label", "persona_model_version")


class ConfigurationProblem(ValueError):
    """A vars file that cannot be read, with what to do."""


def active_file(config_file: str | None, project_dir: Path = PROJECT_DIR) -> Path:
    """The vars file a command reads: `config_file` (relative to the project), else the file
    PERSONAS_CONFIG names, else personas.yml when it exists, else the worked example."""
    config_file = config_file or os.environ.get(CONFIG_FILE_ENVIRONMENT)
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
    scoring = [name for name in COMMAND_ONLY_VARS if name in loaded]
    if scoring:
        raise ConfigurationProblem(f"vars file {path} sets {', '.join(scoring)}: these belong to one scoring command "
                                   "(make score STUDENTS=... [TERM=...] [MODEL_VERSION=...]), not to a vars file")
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


def project_defaults(project_dir: Path = PROJECT_DIR) -> dict:
    """The project's defaults: the vars block of dbt_project.yml (dbt reads the same block)."""
    project = yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(project.get("vars") or {})


def output_folder(value: str | None, published: Path, suffix: str, project_dir: Path) -> str:
    """An output folder: the configured one (relative to the project), or `<warehouse stem><suffix>` beside
    the published warehouse."""
    if value:
        path = Path(value)
        return str(path if path.is_absolute() else project_dir / path)
    return str(published.with_name(published.name.rsplit(".", 1)[0] + suffix))


def resolve(given: dict, project_dir: Path = PROJECT_DIR, published: Path | None = None) -> tuple[dict, dict, Path]:
    """The settings of one dbt command: (values, origins, the vars file read). `given` are the vars passed
    with --vars (config_file among them, or not). Output folders are resolved to absolute paths (beside
    the published warehouse when not set), so every model and hook reads the same folders. Raises
    ConfigurationProblem when the vars file cannot be read."""
    path = active_file(given.get(CONFIG_FILE_VAR), Path(project_dir))
    file_values = read_vars_file(path)
    defaults = {**project_defaults(project_dir), **given}
    values, origins = combine(defaults, set(given), file_values)
    if published is not None:
        for name, suffix in (("exports_dir", "_exports"), ("reports_dir", "_reports")):
            values[name] = output_folder(values.get(name), Path(published), suffix, Path(project_dir))
    return values, origins, path
