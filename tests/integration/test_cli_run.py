"""The pipeline commands as a user runs them: their own process, no Prefect server configured.

Each starts a temporary Prefect server itself, beside its imports (flows.pipeline.startup): the
flow, its worker processes and every thread must use that one (Prefect would start another to send
a thread's logs to), and it must be gone when the command ends, also when Ctrl-C or SIGTERM
stops it, or SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from flows.synth import generate_landing

pytestmark = pytest.mark.integration

WENSHU = str(Path(sys.executable).with_name("wenshu"))


def wenshu_run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WENSHU, "-v", "run"], env=env, capture_output=True, text=True, timeout=600, check=False)


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment without Prefect's or our settings, Prefect's home under ``tmp_path``, and ``extra``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PREFECT_", "WENSHU_"))}
    return env | {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


def assert_one_server_of_its_own_now_gone(output: str) -> None:
    """The command's output shows it started exactly one temporary server, and Prefect none of its
    own in any thread; that server no longer answers."""
    started = re.findall(r"starting a temporary Prefect server on (http://127\.0\.0\.1:\d+/api)", output)
    assert len(started) == 1, output
    assert not re.search(r"(Starting|Stopping) temporary server", output), output
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{started[0]}/health", timeout=2)


def verified(tmp_path: Path, env: dict[str, str]) -> str:
    """``wenshu verify`` of the store under ``tmp_path``, which must pass; what it printed."""
    checked = subprocess.run([WENSHU, "verify", "--store", str(tmp_path / "store")], env=env, capture_output=True,
                             text=True, timeout=300, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return checked.stdout


def _pipeline_env(tmp_path: Path) -> dict[str, str]:
    """The clean environment of a pipeline whose landing zone, store, work area and scratch are under ``tmp_path``."""
    return _clean_env(tmp_path, WENSHU_LANDING_URL=str(tmp_path / "landing"), WENSHU_STORE_URL=str(tmp_path / "store"),
                      WENSHU_WORK_URL=str(tmp_path / "work"), WENSHU_SCRATCH_DIR=str(tmp_path / "scratch"), COLUMNS="200")  # fmt: skip


def test_a_run_starts_one_prefect_server_of_its_own_and_stops_it(tmp_path: Path) -> None:
    generate_landing(tmp_path / "landing", judgments=120, seed=3, observations=True, workers=1)
    env = _pipeline_env(tmp_path)

    first = wenshu_run(env)

    output = first.stdout + first.stderr
    assert first.returncode == 0, output
    assert "pipeline: succeeded" in output
    assert_one_server_of_its_own_now_gone(output)
    assert "Error logging to API" not in output  # every log reached the server before it stopped

    again = wenshu_run(env)
    output = again.stdout + again.stderr
    assert again.returncode == 0, output
    assert "pipeline: unchanged" in output


def test_the_steps_one_command_at_a_time_each_start_and_stop_a_server_of_their_own(tmp_path: Path) -> None:
    generate_landing(tmp_path / "landing", judgments=120, seed=5, observations=True, workers=1)
    env = _pipeline_env(tmp_path)
    steps = [["ingest"], ["validate", "--layer", "raw"], ["build"], ["validate", "--layer", "marts"], ["publish"]]

    for step in steps:
        done = subprocess.run([WENSHU, "-v", *step], env=env, capture_output=True, text=True, timeout=600, check=False)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        assert_one_server_of_its_own_now_gone(output)

    assert "verified 5 versions" in verified(tmp_path, env)


@pytest.mark.parametrize(
    ("signal_number", "to_group", "code"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["ctrl-c: the command and its workers", "sigterm: the command alone, as a supervisor stops it"],
)
def test_a_run_stopped_in_its_publish_stops_its_workers_and_server_at_once_and_the_next_run_completes(
    tmp_path: Path, signal_number: int, to_group: bool, code: int
) -> None:
    generate_landing(tmp_path / "landing", judgments=120, seed=4, observations=True, workers=1)
    env = _pipeline_env(tmp_path)
    # as from a terminal: a command started in the background of a script inherits SIGINT ignored
    # (as this test may be), and rightly keeps ignoring it; a Python handler here is reset in the child
    interactive = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run = subprocess.Popen([WENSHU, "-v", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, interactive)
    try:
        seen = []
        assert run.stderr is not None
        for line in run.stderr:  # the other datasets are still publishing on the pool's other worker
            seen.append(line)
            if "Task run 'publish cjo-judgments' - Finished" in line:
                (os.killpg if to_group else os.kill)(run.pid, signal_number)
                break
        else:
            pytest.fail("the run ended before it published: " + "".join(seen))
        _, rest = run.communicate(timeout=60)  # it hung at exit, waiting for its idle workers, before
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    output = "".join(seen) + rest

    assert run.returncode == code, output
    assert "stopping the task runner's 2 worker processes" in output  # stopped in the publish, its pool open
    assert "interrupted: stopped" in output
    assert not _left_in_group(run.pid)  # no worker left behind
    assert_one_server_of_its_own_now_gone(output)
    verified(tmp_path, env)  # what was published is whole
    again = wenshu_run(env)
    assert again.returncode == 0 and "pipeline: succeeded" in again.stdout + again.stderr, again.stdout + again.stderr
    assert "all good" in verified(tmp_path, env)


def _left_in_group(group: int) -> list[str]:
    """The processes of process group ``group`` still running after a few seconds (one that was
    ending as the command exited gets them to finish; the dead, not yet reaped, are left out)."""
    found = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == group:
                found.append(process)
        except (OSError, psutil.Error):
            continue  # gone meanwhile
    _, alive = psutil.wait_procs(found, timeout=10)
    left = []
    for process in alive:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid}: {' '.join(process.cmdline())}")
        except psutil.Error:
            continue
    return left


def test_a_command_killed_outright_leaves_no_server_running(tmp_path: Path) -> None:
    code = ("import os, time\n"
            "from flows.pipeline.startup import prefect_server\n"
            "with prefect_server():\n"
            "    print(os.environ['PREFECT_API_URL'], flush=True)\n"
            "    time.sleep(600)")  # fmt: skip
    command = subprocess.Popen([sys.executable, "-c", code], env=_clean_env(tmp_path), stdout=subprocess.PIPE, text=True)
    servers: list[psutil.Process] = []
    try:
        assert command.stdout is not None
        url = command.stdout.readline().strip()
        servers = psutil.Process(command.pid).children()
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200 and len(servers) == 1
        command.kill()  # SIGKILL: no handler, no exit code of ours runs
        command.wait(timeout=10)

        _, alive = psutil.wait_procs(servers, timeout=15)

        assert not alive, [server.cmdline() for server in alive]
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/health", timeout=2)
    finally:
        for process in [command, *servers]:
            with contextlib.suppress(OSError, psutil.Error):
                process.kill()


def test_a_server_that_cannot_start_is_a_clear_error_and_leaves_nothing_running(tmp_path: Path) -> None:
    broken = f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/prefect.db"  # the server cannot open its database
    code = "from flows.pipeline.startup import prefect_server\nwith prefect_server():\n    print('ran')"
    env = _clean_env(tmp_path, PREFECT_SERVER_DATABASE_CONNECTION_URL=broken)

    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False)

    assert done.returncode != 0 and "ran" not in done.stdout
    assert "ConfigurationError: the temporary Prefect server stopped before it answered" in done.stderr
    assert "unable to open database file" in done.stderr  # what the server said


def test_a_configured_prefect_server_is_used_and_none_is_started(tmp_path: Path) -> None:
    code = ("import flows.pipeline.startup as startup\n"
            "class Refused:\n"
            "    def __init__(self, *args):\n"
            "        raise SystemExit('a server was started')\n"
            "startup._TemporaryServer = Refused\n"
            "with startup.prefect_server():\n"
            "    import os\n"
            "    print('ran against', os.environ['PREFECT_API_URL'])")  # fmt: skip
    env = _clean_env(tmp_path, PREFECT_API_URL="http://127.0.0.1:4200/api")

    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=False)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ran against http://127.0.0.1:4200/api"
