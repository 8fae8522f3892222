"""Command line: build the warehouse, score new students, profile a new file.

    python -m student_personas.cli run [--vars FILE] [--set name=value ...]
    python -m student_personas.cli score --students FILE [--events FILE] [--term LABEL]
                                         [--model-version pm-...] [--vars FILE]
    python -m student_personas.cli profile --students FILE --out my_vars.yml

File names travel as arguments, never through a shell, so names with spaces, quotes or semicolons work
and cannot run anything. The vars file (YAML) and the options are combined into one set of dbt vars.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
BUILTIN_VARS = PROJECT_DIR / "examples" / "builtin" / "vars.yml"
# What a scoring run builds: the shared staging-to-assignment path (every ancestor of the scoring marts,
# loading its learned state from the stored model) and the marts that keep every batch.
SCORING_SELECTION = ["--select", "+tag:scoring", "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test"]


def read_vars(path: Path | None) -> dict:
    """The vars in a YAML file ({} for none); an error naming the file when it is not a mapping."""
    if path is None:
        return {}
    loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict):
        raise SystemExit(f"{path}: a vars file holds `name: value` lines, not {type(loaded).__name__}")
    return loaded


def dbt_command(arguments: list[str], variables: dict) -> list[str]:
    executable = Path(sys.executable).with_name("dbt")
    return [str(executable), "build", *arguments, "--vars", json.dumps(variables)]


def run_dbt(arguments: list[str], variables: dict) -> int:
    return subprocess.run(dbt_command(arguments, variables), cwd=PROJECT_DIR).returncode


def _set_values(pairs: list[str]) -> dict:
    values = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        values[name] = yaml.safe_load(value)
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m student_personas.cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="build the warehouse (fit the persona model)")
    run.add_argument("--vars", type=Path, default=BUILTIN_VARS, help="vars file (default: the built-in example)")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="one more var")
    score = commands.add_parser("score", help="score a new file with a stored persona model")
    score.add_argument("--students", type=Path, required=True)
    score.add_argument("--events", type=Path)
    score.add_argument("--term", help="the term of the scored rows when the file has no term column")
    score.add_argument("--model-version", default="latest")
    score.add_argument("--vars", type=Path, help="vars file (output folders, thresholds); roles come from the stored model")
    profile = commands.add_parser("profile", help="write a commented vars file for a new student file")
    profile.add_argument("--students", type=Path, required=True)
    profile.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args(argv)

    if arguments.command == "run":
        return run_dbt([], {**read_vars(arguments.vars), **_set_values(arguments.set)})
    if arguments.command == "score":
        variables = {**read_vars(arguments.vars), "score_students_path": str(arguments.students.resolve()),
                     "persona_model_version": arguments.model_version}
        if arguments.events:
            variables["score_events_path"] = str(arguments.events.resolve())
        if arguments.term:
            variables["score_term_label"] = arguments.term
        return run_dbt(SCORING_SELECTION, variables)
    from student_personas import profiling

    written = profiling.write_vars_file(arguments.students, arguments.out)
    print(f"wrote {written}: review it, then `make run VARS={written}`", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
