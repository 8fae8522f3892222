"""Which vars file a command reads, and how the command line tool names it to dbt."""

import json

from student_personas import cli, configuration


def test_the_vars_file_is_the_var_then_the_environment_then_personas_yml_then_the_worked_example(tmp_path, monkeypatch):
    monkeypatch.delenv(configuration.CONFIG_FILE_ENVIRONMENT, raising=False)
    project = tmp_path / "project"
    (project / "examples" / "builtin").mkdir(parents=True)
    assert configuration.active_file(None, project) == project / "examples" / "builtin" / "vars.yml"
    (project / "personas.yml").write_text("min_cell_size: 12\n")
    assert configuration.active_file(None, project) == project / "personas.yml"
    monkeypatch.setenv(configuration.CONFIG_FILE_ENVIRONMENT, str(tmp_path / "from_environment.yml"))
    assert configuration.active_file(None, project) == tmp_path / "from_environment.yml"
    assert configuration.active_file("other.yml", project) == project / "other.yml"
    monkeypatch.setenv(configuration.CONFIG_FILE_ENVIRONMENT, "")
    assert configuration.active_file(None, project) == project / "personas.yml"


def test_make_run_vars_names_the_file_in_the_environment_so_dbt_keeps_its_parse(tmp_path, monkeypatch):
    """`make run VARS=f.yml` runs dbt with the same command line as `make run`: dbt re-parses the whole
    project whenever --vars changes, and no setting of a vars file is used while parsing."""
    vars_file = tmp_path / "f.yml"
    vars_file.write_text("min_cell_size: 12\n")
    calls = []
    monkeypatch.setattr(cli.subprocess, "run", lambda command, cwd, env: calls.append((command, env)) or
                        type("Completed", (), {"returncode": 0})())
    monkeypatch.delenv(configuration.CONFIG_FILE_ENVIRONMENT, raising=False)
    assert cli.main(["run", "--vars", str(vars_file)]) == 0
    assert cli.main(["run"]) == 0
    (with_file, with_file_env), (active, active_env) = calls
    assert with_file == active and "--vars" not in with_file
    assert with_file_env[configuration.CONFIG_FILE_ENVIRONMENT] == str(vars_file.resolve())
    assert configuration.CONFIG_FILE_ENVIRONMENT not in active_env  # the preflight finds the active file
    assert cli.main(["run", "--set", "min_cell_size=15"]) == 0
    assert json.loads(calls[-1][0][calls[-1][0].index("--vars") + 1]) == {"min_cell_size": 15}
