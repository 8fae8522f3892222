"""Shared helpers: run real `dbt build`s into temporary DuckDB files and query them read-only.

Each distinct configuration is built once per session (session-scoped fixtures below) and shared by every
test that reads it; staging cases are checked through the staging subgraph or the preflight directly.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from student_personas.configuration import COMMAND_ONLY_VARS, CONFIG_FILE_ENVIRONMENT

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("PERSONAS_SHARED_DIR", PROJECT_DIR.parent / "shared"))
REAL_CSV = SHARED_DIR / "data" / "student_management_dataset.csv"
DBT = str(Path(sys.executable).with_name("dbt"))
BUILTIN_VARS = yaml.safe_load((PROJECT_DIR / "examples" / "builtin" / "vars.yml").read_text(encoding="utf-8"))
PLANTED_PATTERNS = PROJECT_DIR / "tests" / "fixtures" / "planted_patterns.csv"
# Builds only the staging and intermediate models a staging case is about (with their tests).
STAGING = ["--select", "+int_student_records +student_rejects +data_quality_summary", "--indirect-selection", "cautious",
           "--exclude-resource-type", "unit_test"]


@dataclass
class DbtRun:
    """The outcome of one dbt invocation against its own warehouse file. ``database`` holds this run's
    tables: the published warehouse, or the working file `<warehouse>.build` when the run published nothing
    (a failed run, or a partial one such as a staging subgraph: only a whole, successful run is published)."""

    returncode: int
    output: str
    database: Path
    published: Path
    # Where the run wrote its exports, pages and dbt artifacts (run_dbt: beside the warehouse as exports/,
    # reports/ and target/; make run in a project: <warehouse stem>_exports, _reports and the project's target/).
    exports_dir: Path | None = None
    reports_dir: Path | None = None
    target_dir: Path | None = None

    def __post_init__(self):
        folder = self.published.parent
        self.exports_dir = self.exports_dir or folder / "exports"
        self.reports_dir = self.reports_dir or folder / "reports"
        self.target_dir = self.target_dir or folder / "target"

    def query(self, sql: str, params=None) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params=None):
        return self.query(sql, params)[0][0]

    def frame(self, sql: str):
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).df()


def run_dbt(workdir: Path, command: str = "build", variables: dict | None = None, extra_args=(),
            project_dir: Path = PROJECT_DIR, base_vars: dict | None = None) -> DbtRun:
    """Run dbt in the project with the warehouse, target, logs and reports inside `workdir`. The vars are
    the built-in worked example's (base_vars, unless given) updated with `variables`."""
    require_dbt_marker("runs dbt")
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "warehouse.duckdb"
    args = [DBT, *command.split(), "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
            *extra_args]
    merged = {**(BUILTIN_VARS if base_vars is None else base_vars), "reports_dir": str(workdir / "reports"),
              "exports_dir": str(workdir / "exports"), **(variables or {})}
    # Run in `workdir` with the warehouse named relative to it, so that every build's profile reads the
    # same and dbt can reuse its parse of the project (reused_parse).
    env = {**os.environ, "PERSONAS_DB": database.name, "DBT_PROFILES_DIR": str(project_dir)}
    command_line = {}
    if command.startswith("build") or command.startswith("run") or command.startswith("docs"):
        # The settings go into a vars file, named as make run names one (the project's own personas.yml is
        # never read); a scoring command's own settings go on the command line, as make score passes them.
        command_line = {name: merged.pop(name) for name in COMMAND_ONLY_VARS if name in merged}
        vars_file = workdir / "test_vars.yml"
        vars_file.write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
        env[CONFIG_FILE_ENVIRONMENT] = str(vars_file)
        if command_line:
            args += ["--vars", json.dumps(command_line)]
    args += ["--project-dir", str(project_dir)]
    with reused_parse(workdir / "target", project_dir, command_line):
        completed = subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True)
    working = database.with_name(database.name + ".build")
    return DbtRun(completed.returncode, completed.stdout + completed.stderr,
                  working if working.exists() else database, database)


_PARSE_CACHE: dict = {}


@pytest.fixture(scope="session", autouse=True)
def _shared_parse_folder(tmp_path_factory):
    """Where run_dbt keeps dbt's parse of the project for the session's other builds (shared by the workers)."""
    root = tmp_path_factory.getbasetemp()
    _PARSE_CACHE["folder"] = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


@contextlib.contextmanager
def reused_parse(target: Path, project_dir: Path, command_line: dict):
    """dbt's saved parse (partial_parse.msgpack) of an earlier build of the same project with the same
    command-line vars, put in a new target folder, then this build's kept for the next: dbt re-parses only
    what changed (nothing), which saves about 5 s of each build. dbt itself checks that the project's
    files, the vars and the profile still match, and parses in full when they do not."""
    folder = _PARSE_CACHE.get("folder")
    if folder is None:
        yield
        return
    key = hashlib.sha256(json.dumps([str(project_dir), command_line], sort_keys=True).encode()).hexdigest()[:16]
    kept, saved = folder / f"dbt_parse_{key}.msgpack", target / "partial_parse.msgpack"
    if kept.exists() and not saved.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kept, saved)
    yield
    if saved.exists() and not kept.exists():
        _write_atomically(kept, saved.read_bytes())


def copy_project(destination: Path) -> Path:
    """A copy of the project's sources as a fresh clone has them (no venv, build output, warehouse or the
    user's own active configuration), for tests that edit seeds or run the user's commands."""
    ignore = shutil.ignore_patterns(".venv", ".git", "target", "logs", "*.duckdb", "*.wal", "out", "__pycache__",
                                    "*_reports", "*_exports", "exports", "personas.yml", "personas_playbook.csv",
                                    "*.build", "*.build.inputs", ".*.duckdb.lock", ".*.duckdb.publishing", ".pytest_cache",
                                    "*.egg-info")
    shutil.copytree(PROJECT_DIR, destination, ignore=ignore)
    return destination


def copy_published(run, workdir: Path) -> Path:
    """A warehouse folder holding a copy of ``run``'s published warehouse, exports and pages (as
    warehouse.duckdb, exports/ and reports/): for tests that run dbt on a build, or write to it, without
    touching a build other tests share."""
    workdir.mkdir(parents=True)
    for source, name in ((run.published, "warehouse.duckdb"), (run.exports_dir, "exports"), (run.reports_dir, "reports")):
        subprocess.run(["cp", "-a", str(source), str(workdir / name)], check=True)
    return workdir


# ---- the user's path: the README's commands, as a user types them ------------------------------------------

# What a user's terminal holds that a project must never take for its own settings: every terminal sets
# TERM, and OUT or VARS are common names other tools set.
DECOYS = {"TERM": "xterm-256color", "OUT": "/nonexistent/out.yml", "VARS": "/nonexistent/vars.yml"}


def user_environment() -> dict:
    """An ordinary shell's environment: this machine's, without the project's variables (PERSONAS_*, DBT_*),
    make's and pytest's own, plus the decoys."""
    dropped = ("PERSONAS_", "DBT_", "PYTEST_", "MAKE", "MFLAGS")
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(dropped) and name not in ("STUDENTS", "EVENTS", "MODEL_VERSION", "VIRTUAL_ENV")}
    return {**environment, **DECOYS}


def user_project(folder: Path) -> Path:
    """A fresh copy of the project, as after `git clone`, whose .venv is this project's (so make finds its
    installed marker and installs nothing)."""
    # Bring this project's install up to date first: otherwise the copy's make would reinstall the package
    # in editable mode from the copy, and every later import would read the copy's (soon deleted) sources.
    subprocess.run(["make", "--silent", "install"], cwd=PROJECT_DIR, check=True, env=user_environment())
    project = copy_project(folder / "project")
    (project / ".venv").symlink_to(PROJECT_DIR / ".venv")
    (folder / "shared").symlink_to(SHARED_DIR)  # the reference file sits beside the project, as here
    return project


def run_user_command(project: Path, *command: str, environment: dict | None = None) -> subprocess.CompletedProcess:
    """One command of the README, run in `project` in an ordinary shell's environment."""
    if command[0] in ("make", "dbt") and command[1:2] != ("profile",):
        require_dbt_marker(f"runs `{' '.join(command)}`")
    environment = environment or user_environment()
    if command[0] == "dbt":  # as after `source .venv/bin/activate`
        environment = {**environment, "PATH": f"{project / '.venv' / 'bin'}:{environment.get('PATH', '')}"}
    return subprocess.run(list(command), cwd=project, env=environment, capture_output=True, text=True)


def user_build(project: Path, *command: str) -> DbtRun:
    """A build the user ran in `project` (make run, or a bare dbt build): its warehouse, exports and pages
    are where the README says, beside the project's warehouse.duckdb."""
    completed = run_user_command(project, *command)
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, project / "warehouse.duckdb",
                  project / "warehouse.duckdb", project / "warehouse_exports", project / "warehouse_reports",
                  project / "target")


def require_real_csv() -> Path:
    if not REAL_CSV.exists():
        pytest.fail(f"the reference dataset is missing: {REAL_CSV} (set PERSONAS_SHARED_DIR)")
    return REAL_CSV


def built(run: DbtRun) -> DbtRun:
    assert run.returncode == 0, run.output[-4000:]
    return run


def shared_build(tmp_path_factory, name: str, make):
    """`make(folder)` run once per test session, even when pytest-xdist runs the tests in several worker
    processes: the first worker to ask builds under a lock in the session's shared temporary folder and
    stores the outcome; the others wait for the lock and reuse it. A failed build is stored as its error,
    so every test that needs it fails with the same message instead of building again."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder all workers of this session share
    folder = root / f"shared_{name}"
    outcome = folder.with_suffix(".pickle")
    with open(root / f"shared_{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not outcome.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                result = ("built", make(folder))
            except (KeyboardInterrupt, pytest.skip.Exception):
                raise  # not a failed build: the next worker to ask tries again
            except BaseException as error:  # stored for the other workers, then raised here as it was
                _write_atomically(outcome, pickle.dumps(("failed", f"{type(error).__name__}: {error}")))
                raise
            _write_atomically(outcome, pickle.dumps(result))
    kind, value = pickle.loads(outcome.read_bytes())
    if kind == "failed":
        pytest.fail(f"the shared {name} build failed in another test worker: {value}", pytrace=False)
    return value


def _write_atomically(path: Path, data: bytes) -> None:
    """`data` written beside `path`, then renamed over it: a reader sees all of it or none."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


@pytest.fixture(scope="session")
def builtin_build(tmp_path_factory) -> DbtRun:
    """One full build of the built-in worked example, made as the README's first command: `make run` in a
    fresh copy of the project, in an ordinary shell (TERM, OUT and VARS set, no project variable)."""
    return shared_build(tmp_path_factory, "builtin", lambda folder: built(user_build(user_project(folder), "make", "run")))


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> DbtRun:
    """One full build on the reference dataset, with the worked example's roles (it has the same columns)."""
    return shared_build(tmp_path_factory, "real", lambda folder: built(
        run_dbt(folder, variables={"students_path": str(require_real_csv())})))


@pytest.fixture(scope="session")
def second_builtin_build(tmp_path_factory) -> DbtRun:
    """A second build of the worked example in its own copy of the project, made as the README says a bare
    dbt command works: `dbt build` with no flag in the project folder (after `source .venv/bin/activate`).
    The determinism test compares it with builtin_build (make run), and the scoring tests score new files
    into it (scoring leaves fitted tables as they are)."""
    return shared_build(tmp_path_factory, "builtin_again", lambda folder: built(user_build(user_project(folder), "dbt", "build")))


# The k of merged_build: one fewer than the worked example's five planted patterns.
SUBGROUP_K = 4


@pytest.fixture(scope="session")
def merged_build(tmp_path_factory) -> DbtRun:
    """A build of the built-in worked example with k held at 4 (persona_k_range [4, 4]): two of the five
    planted patterns share a persona, which the sub-group check finds inside it."""
    return shared_build(tmp_path_factory, "merged", lambda folder: built(
        run_dbt(folder, variables={"persona_k_range": [SUBGROUP_K, SUBGROUP_K]})))


# Persona renamed by the edited build's override seed, and the name it gets.
OVERRIDDEN_PERSONA = (2, "Community-minded newcomers")
# A stability threshold above the bootstrap Jaccard of some built-in personas (0.99-0.999), so the edited
# build marks those unstable.
STRICT_STABILITY_THRESHOLD = 0.995


@pytest.fixture(scope="session")
def edited_build(tmp_path_factory) -> DbtRun:
    """One build of a copy of the project whose seed renames a persona (OVERRIDDEN_PERSONA), run with a strict
    stability threshold so some personas are unstable, without configured scatter pairs and with the opt-in
    label-signal audit on: it serves the override, the unstable-marker, the default-scatter and the audit
    tests (none of these settings changes what the others test)."""
    def make(workdir: Path) -> DbtRun:
        project = copy_project(workdir / "project")
        persona_id, name = OVERRIDDEN_PERSONA
        (project / "seeds" / "persona_name_overrides.csv").write_text(
            f"persona_id,persona_name\n{persona_id},{name}\n", encoding="utf-8")
        # No scatter pairs configured: the data-quality page draws the most strongly correlated pairs instead.
        return built(run_dbt(workdir / "wh", project_dir=project, variables={
            "stability_threshold": STRICT_STABILITY_THRESHOLD, "report_bivariate_pairs": [], "label_signal_audit": True}))

    return shared_build(tmp_path_factory, "edited", make)


@pytest.fixture(scope="session")
def shapes_dir(tmp_path_factory) -> Path:
    """A folder of generated "new institution" files (tests/shapes.py), written once per session."""
    import shapes

    folder = tmp_path_factory.mktemp("shapes")
    shapes.write_all(folder)
    return folder


@pytest.fixture(scope="session")
def dropout_build(tmp_path_factory, shapes_dir) -> DbtRun:
    """One full build of the dropout-shaped file (no id column, semicolons, decimal commas, integer-coded
    categories, a numeric protected attribute, a three-class outcome, a 30% base rate, 10% missing cells in
    three features) with the vars `make profile` wrote for it, plus its codebook."""
    from student_personas import profiling

    def make(workdir: Path) -> DbtRun:
        written = profiling.write_vars_file(shapes_dir / "dropout.csv", workdir / "dropout_vars.yml")
        variables = {**yaml.safe_load(written.read_text(encoding="utf-8")),
                     "codebook_path": str(shapes_dir / "dropout_codebook.csv")}
        return built(run_dbt(workdir, base_vars={}, variables=variables))

    return shared_build(tmp_path_factory, "dropout", make)


def identifying_values(n: int) -> dict[str, list[str]]:
    """A unique name, e-mail address and free-text note per student, each with a token no other text holds."""
    return {
        "Student_Name": [f"Zyxa{i:04d} Qwerton" for i in range(n)],
        "Email": [f"zyxa.{i:04d}@students.example.org" for i in range(n)],
        "Notes": [f"Advisor note {i:04d}-zq: prefers morning sessions, asked about the bursary" for i in range(n)],
    }


def small_cell_students(path: Path) -> Path:
    """A generated cohort full of small cells: 1,000 built-in-shaped students whose label has only 5
    positives, with a protected attribute Pathway of rare groups (1, 3, 7 and 12 students), 4 Nonbinary
    students and 2 with no recorded ethnicity; and 3 more rows that are rejected (GPA 9.9 twice, one of
    them without an ethnicity, and one without a label value) and an all-empty row, as most real files have. Every
    student also has a unique name, e-mail address and advisor's note (identifying_values), which nothing
    published may show."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from student_personas import synthetic

    table, _ = synthetic.generate_students(1000, seed=7)
    rng = np.random.default_rng(7)
    order = rng.permutation(1000)
    label = np.zeros(1000, dtype=np.int64)
    label[order[:5]] = 1
    pathway = np.full(1000, "Main", dtype=object)
    start = 5
    for group, size in [("Exchange", 1), ("Evening", 3), ("Apprentice", 7), ("Online", 12)]:
        pathway[order[start:start + size]] = group
        start += size
    gender = np.array(table.column("Gender").to_pylist(), dtype=object)
    gender[order[100:104]] = "Nonbinary"
    ethnicity = np.array(table.column("Ethnicity").to_pylist(), dtype=object)
    ethnicity[order[200:202]] = ""
    table = (table.set_column(table.schema.get_field_index("Dropout_Risk"), "Dropout_Risk", [label])
             .set_column(table.schema.get_field_index("Gender"), "Gender", [gender.tolist()])
             .set_column(table.schema.get_field_index("Ethnicity"), "Ethnicity", [ethnicity.tolist()])
             .append_column("Pathway", [pathway.tolist()]))
    for name, values in identifying_values(table.num_rows + 3).items():
        table = table.append_column(name, [values[:table.num_rows]])
    bad = table.slice(0, 3).to_pylist()
    for position, row in enumerate(bad):
        row["Student_ID"] = 90001 + position
    bad[0]["GPA"] = bad[1]["GPA"] = 9.9
    bad[1]["Ethnicity"] = ""
    bad[2]["Dropout_Risk"] = None
    for position, row in enumerate(bad):
        for name, values in identifying_values(table.num_rows + 3).items():
            row[name] = values[table.num_rows + position]
    table = pa.concat_tables([table, pa.Table.from_pylist(bad, schema=table.schema)])
    pa_csv.write_csv(table, path)
    with open(path, "a", encoding="utf-8") as handle:  # and a row whose every cell is empty, as exports have
        handle.write("," * (table.num_columns - 1) + "\n")
    return path


@pytest.fixture(scope="session")
def small_cell_build(tmp_path_factory) -> DbtRun:
    """One full build of small_cell_students with the worked example's roles and Pathway as a sixth
    protected attribute: the disclosure audit's hard case."""
    def make(workdir: Path) -> DbtRun:
        students = small_cell_students(workdir / "small_cells.csv")
        return built(run_dbt(workdir / "wh", variables={
            "students_path": str(students), "protected_columns": [*BUILTIN_VARS["protected_columns"], "Pathway"]}))

    return shared_build(tmp_path_factory, "small_cells", make)


def reference_with_bad_gpa(path: Path) -> Path:
    """The reference file with GPA 9.9 (outside its range rule [0, 4]) on three rows: three rejected rows."""
    import csv

    with open(require_real_csv(), encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    gpa = rows[0].index("GPA")
    for row in rows[100:301:100]:
        row[gpa] = "9.9"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture(scope="session")
def bad_gpa_build(tmp_path_factory) -> DbtRun:
    """One full build of the reference file with three rows of GPA 9.9, with the worked example's roles."""
    return shared_build(tmp_path_factory, "bad_gpa", lambda folder: built(run_dbt(
        folder / "wh", variables={"students_path": str(reference_with_bad_gpa(folder / "students.csv"))})))


# The generated file with known truth that the structure checks are measured on (student_personas.planted):
# 500 students, one planted two-group split on a single score, noise columns, a three-valued grade level
# and an outcome proxy. Its columns name no column of the built-in data.
PLANTED_VARIABLES = {
    "id_column": "Learner_Ref", "label_column": "Left_Program", "protected_columns": [],
    "categorical_columns": {}, "range_rules": {}, "column_phrases": {}, "peer_profile_columns": [],
    "report_bivariate_pairs": [],
}


@pytest.fixture(scope="session")
def planted_build(tmp_path_factory) -> DbtRun:
    """One full build of the planted two-group file (about 45 s on two idle cores); `planted_groups` holds
    each student's planted group."""
    import pyarrow.csv as pa_csv

    from student_personas import planted

    def make(workdir: Path) -> DbtRun:
        table, groups = planted.two_groups_with_discrete_column()
        path = workdir / "students.csv"
        pa_csv.write_csv(table, path)
        run = built(run_dbt(workdir / "wh", base_vars={}, variables={"students_path": str(path), **PLANTED_VARIABLES}))
        run.planted_groups = dict(zip(table.column("Learner_Ref").to_pylist(), groups.tolist()))
        run.grade_levels = dict(zip(table.column("Learner_Ref").to_pylist(),
                                    table.column("Grade_Level").to_pylist()))
        return run

    return shared_build(tmp_path_factory, "planted", make)


# The files with the longest chains of builds that cannot be shared (measured with --durations: the stopped
# and killed builds, refits and scoring runs, the term builds). They start first, so that with the files
# spread over two workers (make test) neither worker is left running one of them alone at the end.
LONGEST_FILES = ("test_safe_refresh.py", "test_scoring.py", "test_events_and_terms.py", "test_user_path.py")


def _is_build_fixture(name) -> bool:
    return isinstance(name, str) and (name.endswith("_build") or name.endswith("_builds"))


def pytest_collection_modifyitems(items):
    """A test that builds a warehouse is marked `dbt`, so `make test-fast` leaves it out: one whose fixture
    closure (every fixture it uses, directly or through other fixtures) holds a build fixture, or whose
    parameters name one (a test that takes its build through ``request.getfixturevalue``). Any other test
    that builds fails (run_dbt checks the running test's marker: `_builds_only_when_marked`). The longest
    files run first (LONGEST_FILES); the rest keep their order."""
    for item in items:
        closure = getattr(item, "fixturenames", ())
        parameters = getattr(getattr(item, "callspec", None), "params", {}).values()
        if any(_is_build_fixture(name) for name in closure) or any(_is_build_fixture(value) for value in parameters):
            item.add_marker(pytest.mark.dbt)
    rank = {name: position for position, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FILES)))


_RUNNING: dict = {}


@pytest.fixture(autouse=True)
def _builds_only_when_marked(request):
    """Records the running test, so that run_dbt can refuse to build for a test that is not marked `dbt`
    (it would slip into make test-fast, which builds nothing)."""
    _RUNNING["item"] = request.node
    yield
    _RUNNING.pop("item", None)


def require_dbt_marker(what: str) -> None:
    """Fail the running test when it builds (`what`) without the `dbt` marker."""
    item = _RUNNING.get("item")
    if item is not None and item.get_closest_marker("dbt") is None:
        pytest.fail(f"{item.nodeid} {what} but is not marked dbt: mark it (pytest.mark.dbt) or take its build "
                    "through a *_build fixture, so make test-fast leaves it out", pytrace=False)
