"""Command line: build the warehouse, score new students, profile a new file.

    python -m student_personas.cli run [--vars FILE] [--set name=value ...]
    python -m student_personas.cli score --students FILE [--events FILE] [--term LABEL]
                                         [--model-version pm-...] [--vars FILE]
    python -m student_personas.cli profile --students FILE [--out FILE] [--force]

Every command reads the active configuration (``personas.yml`` in the project when it exists, else the
worked example ``examples/builtin/vars.yml``; see student_personas.configuration) unless ``--vars`` names
another vars file for this command, exactly as a bare ``dbt build`` does. File names travel as arguments,
never through a shell, so names with spaces, quotes or semicolons work and cannot run anything.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from student_personas import configuration

PROJECT_DIR = configuration.PROJECT_DIR
# What a scoring run builds: the shared staging-to-assignment path (every ancestor of the scoring marts,
# loading its learned state from the stored model) and the marts that keep every batch.
SCORING_SELECTION = ["--select", "+tag:scoring", "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test"]


def dbt_command(arguments: list[str], variables: dict) -> list[str]:
    executable = Path(sys.executable).with_name("dbt")
    command = [str(executable), "build", *arguments]
    return command + (["--vars", json.dumps(variables)] if variables else [])


def run_dbt(arguments: list[str], variables: dict, vars_file: Path | None = None) -> int:
    """dbt build with `variables` on its command line and the vars file `vars_file` (None: the active
    configuration) named in the environment, where dbt does not see it: a new vars file is then no reason
    to re-parse the project."""
    environment = dict(os.environ)
    if vars_file is not None:
        environment[configuration.CONFIG_FILE_ENVIRONMENT] = str(vars_file)
    return subprocess.run(dbt_command(arguments, variables), cwd=PROJECT_DIR, env=environment).returncode


def _set_values(pairs: list[str]) -> dict:
    values = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name.strip():
            raise SystemExit(f"--set {pair!r}: give name=value")
        values[name.strip()] = yaml.safe_load(value)
    return values


def _configuration_file(path: Path | None) -> Path | None:
    """The vars file of this command, absolute (None for the active configuration, which dbt's preflight
    finds itself); a file that cannot be read stops here, before dbt starts."""
    if path is None:
        return None
    try:
        configuration.read_vars_file(path)
    except configuration.ConfigurationProblem as problem:
        raise SystemExit(f"student-personas: {problem}") from problem
    return path.resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m student_personas.cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="build the warehouse (fit the persona model)")
    run.add_argument("--vars", type=Path, help="vars file for this build (default: the active configuration)")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="one more var")
    score = commands.add_parser("score", help="score a new file with a stored persona model")
    score.add_argument("--students", type=Path, required=True)
    score.add_argument("--events", type=Path)
    score.add_argument("--term", help="the term of the scored rows when the file has no term column")
    score.add_argument("--model-version", default="latest")
    score.add_argument("--vars", type=Path, help="vars file (output folders, thresholds; default: the active "
                                                  "configuration); roles come from the stored model")
    profile = commands.add_parser("profile", help="write a commented vars file for a new student file")
    profile.add_argument("--students", type=Path, required=True)
    profile.add_argument("--out", type=Path, default=configuration.ACTIVE_FILE,
                         help=f"the vars file to write (default: the active configuration, {configuration.ACTIVE_FILE.name})")
    profile.add_argument("--force", action="store_true", help="replace an existing vars file and playbook")
    arguments = parser.parse_args(argv)

    if arguments.command == "run":
        return run_dbt([], _set_values(arguments.set), _configuration_file(arguments.vars))
    if arguments.command == "score":
        variables = {"score_students_path": str(arguments.students.resolve()),
                     "persona_model_version": arguments.model_version}
        if arguments.events:
            variables["score_events_path"] = str(arguments.events.resolve())
        if arguments.term:
            variables["score_term_label"] = arguments.term
        return run_dbt(SCORING_SELECTION, variables, _configuration_file(arguments.vars))
    from student_personas import profiling

    try:
        written = profiling.write_vars_file(arguments.students, arguments.out, replace=arguments.force)
    except profiling.ProfileRefused as refused:
        print(f"student-personas profile: {refused}", file=sys.stderr)
        return 2
    active = written.resolve() == configuration.ACTIVE_FILE.resolve()
    build = "make run" if active else f"make run VARS={written}"
    print(f"wrote {written}: review it, then `{build}`", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
