"""The user's path, as the README writes it and a user types it: `make run`, `make profile`, `make score`,
`make test-fast` and the bare dbt commands, in fresh copies of the project, in an ordinary shell's
environment (TERM, OUT and VARS set by the terminal and other tools, no project variable). The two shared
builds of the worked example are themselves made this way (conftest: builtin_build is `make run`,
second_builtin_build a bare `dbt build`)."""

import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import DECOYS, PROJECT_DIR, run_user_command, user_environment, user_project

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_the_readme_opens_with_make_run_and_make_test_and_ci_runs_both_in_that_order():
    commands = re.search(r"## Two commands\s+```bash\n(.*?)```", README, re.S).group(1)
    assert [line.split()[:2] for line in commands.splitlines()] == [["make", "run"], ["make", "test"]]
    ci = [line.strip() for line in (PROJECT_DIR / ".ci" / "run").read_text().splitlines()
          if line.strip().startswith("make ")]
    assert ci == ["make run", "make test"]


def test_make_run_builds_and_publishes_the_worked_example_where_the_readme_says(builtin_build):
    project = builtin_build.published.parent
    assert "student-personas: configuration: examples/builtin/vars.yml" in builtin_build.output
    assert "student-personas: published warehouse.duckdb" in builtin_build.output
    assert (project / "warehouse_reports" / "index.html").exists()
    assert (project / "warehouse_exports" / "published" / "parquet" / "persona_summary.parquet").exists()
    assert not (project / "warehouse.duckdb.build").exists()
    assert builtin_build.scalar("select count(*) from persona_summary") == 5
    for decoy in DECOYS.values():  # the terminal's TERM, OUT and VARS are never taken for settings
        assert decoy not in builtin_build.output
    assert builtin_build.scalar("select count(*) from stg_settings where setting_value::varchar like '%nonexistent%'") == 0


def test_a_bare_dbt_build_builds_and_publishes_the_configured_warehouse(second_builtin_build):
    assert "student-personas: configuration: examples/builtin/vars.yml" in second_builtin_build.output
    assert "student-personas: published warehouse.duckdb" in second_builtin_build.output
    origins = dict(second_builtin_build.query("select setting_origin, count(*) from stg_settings group by all"))
    assert origins["file"] >= 10 and "command line" not in origins


def test_make_score_without_term_or_vars_scores_with_the_latest_model_and_names_the_batch_after_the_file(
        second_builtin_build, tmp_path):
    project = second_builtin_build.published.parent
    batch = tmp_path / "spring intake.csv"
    lines = (PROJECT_DIR / "examples" / "builtin" / "students.csv").read_text(encoding="utf-8").splitlines()
    batch.write_text("\n".join(lines[:41]) + "\n", encoding="utf-8")
    completed = run_user_command(project, "make", "score", f"STUDENTS={batch}")
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-3000:]
    latest = second_builtin_build.scalar("select model_version from persona_models order by fitted_at desc limit 1")
    rows = second_builtin_build.query("select distinct term, model_version from scored_students "
                                      "where batch_id in (select batch_id from scoring_batches where input_path like '%spring intake%')")
    assert rows == [("spring intake", latest)]  # the file's name, never the terminal's TERM
    assert second_builtin_build.scalar("select count(*) from persona_history where term like 'xterm%'") == 0


def test_make_parameters_are_text_never_commands(second_builtin_build, tmp_path):
    """$(shell ...), backticks, ; and $ in every parameter reach the command line tool as text: nothing runs."""
    project = second_builtin_build.published.parent
    hostile = {
        "STUDENTS": f"$(shell touch {tmp_path}/P1)x.csv", "EVENTS": f"`touch {tmp_path}/P2`e.csv",
        "TERM": f"t; touch {tmp_path}/P3", "MODEL_VERSION": f"$$(touch {tmp_path}/P4)",
        "VARS": f"$HOME/$(touch {tmp_path}/P5)v.yml"}
    completed = run_user_command(project, "make", "score", *(f"{name}={value}" for name, value in hostile.items()))
    assert completed.returncode != 0
    assert "$HOME/$(touch" in completed.stdout + completed.stderr  # the vars file, named as typed, does not exist
    out = "$(shell touch P6)o.yml"  # make runs in the project: P6 would appear there
    profiled = run_user_command(project, "make", "profile", f"STUDENTS={PROJECT_DIR / 'examples' / 'builtin' / 'students.csv'}",
                                f"OUT={out}")
    assert profiled.returncode == 0, profiled.stderr[-2000:]
    assert (project / out).exists()  # a file of exactly that name
    assert not list(tmp_path.glob("P*")) and not list(project.glob("P*"))


def test_make_profile_writes_the_active_configuration_that_dbt_then_reads_and_never_overwrites_it(
        tmp_path_factory, shapes_dir):
    project = user_project(tmp_path_factory.mktemp("profiled"))
    students = shapes_dir / "school.csv"
    first = run_user_command(project, "make", "profile", f"STUDENTS={students}")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "review it, then `make run`" in first.stderr
    written = yaml.safe_load((project / "personas.yml").read_text(encoding="utf-8"))
    assert written["students_path"] == str(students) and (project / "personas_playbook.csv").exists()
    (project / "personas.yml").write_text((project / "personas.yml").read_text() + "min_cell_size: 12\n")
    again = run_user_command(project, "make", "profile", f"STUDENTS={students}")
    assert again.returncode == 2 and "already exist" in again.stderr and "FORCE=1" in again.stderr
    assert "min_cell_size: 12" in (project / "personas.yml").read_text()
    # dbt reads it with no flag: the settings of a one-model build come from personas.yml
    selected = run_user_command(project, "dbt", "build", "--select", "stg_settings")
    assert selected.returncode == 0, selected.stdout[-3000:]
    assert "student-personas: configuration: personas.yml" in selected.stdout
    with duckdb.connect(str(project / "warehouse.duckdb.build"), read_only=True) as connection:
        settings = dict(connection.execute("select setting_name, setting_value::varchar from stg_settings").fetchall())
    assert settings["min_cell_size"] == "12" and settings["students_path"] == f'"{students}"'
    forced = run_user_command(project, "make", "profile", f"STUDENTS={students}", "FORCE=1")
    assert forced.returncode == 0 and "min_cell_size" not in (project / "personas.yml").read_text()


def test_make_test_fast_builds_nothing(tmp_path_factory):
    """`make test-fast` as typed, in a fresh copy, selects the tests the README counts and leaves out every test
    that builds. It only collects them (pytest --collect-only through PYTEST_ADDOPTS): the same tests run in
    this session, where any unmarked test that starts a build fails (conftest.require_dbt_marker), so running
    them a second time here would check nothing more."""
    project = user_project(tmp_path_factory.mktemp("fast"))
    completed = run_user_command(project, "make", "test-fast",
                                 environment={**user_environment(), "PYTEST_ADDOPTS": "--collect-only -q"})
    assert completed.returncode == 0, completed.stdout[-3000:]
    summary = re.search(r"(\d+)/\d+ tests collected \((\d+) deselected\)", completed.stdout)
    assert summary, completed.stdout[-2000:]
    assert int(summary.group(2)) > 100  # the building tests are there, and deselected
    assert "Running with dbt" not in completed.stdout
    assert not list(project.rglob("*.duckdb*"))
    stated = int(re.search(r"`make test-fast` runs the tests that need no\s+dbt build \(about (\d+) tests", README).group(1))
    assert abs(stated - int(summary.group(1))) <= 0.1 * stated  # the README's count is what a user sees


def test_dbt_docs_generate_works_on_a_fresh_clone_and_on_a_built_warehouse(builtin_build, tmp_path_factory):
    project = user_project(tmp_path_factory.mktemp("docs"))
    fresh = run_user_command(project, "dbt", "docs", "generate")
    assert fresh.returncode == 0, fresh.stdout[-3000:]
    assert (project / "target" / "catalog.json").exists() and (project / "target" / "index.html").exists()
    assert "Catalog written" in fresh.stdout  # docs generate compiles every node first: dbt compile's work
    # the same project once built (the worked example's warehouse, exports and pages put where make run puts them)
    for source, name in ((builtin_build.published, "warehouse.duckdb"), (builtin_build.exports_dir, "warehouse_exports"),
                         (builtin_build.reports_dir, "warehouse_reports")):
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, project / name)
    built = run_user_command(project, "dbt", "docs", "generate", "--static")
    assert built.returncode == 0, built.stdout[-3000:]
    catalog = (project / "target" / "catalog.json").read_text()
    assert '"persona_summary"' in catalog and '"students_like_me"' in catalog
    site = (project / "target" / "static_index.html").read_text()
    assert "persona_summary" in site and "students_like_me" in site
