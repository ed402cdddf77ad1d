"""A stage through `ray job submit` against a real `ray start --head` cluster."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAY = str(Path(sys.executable).parent / "ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def head_node(tmp_path):
    gcs, dash, agent, client = (_free_port() for _ in range(4))
    env = {**os.environ, "RAY_AUTH_MODE": "token"}
    # Its own process group: stopping the group stops this head only (`ray stop` would stop
    # every Ray process on the machine, the test session's cluster included).
    proc = subprocess.Popen(
        [RAY, "start", "--head", "--block", f"--port={gcs}", f"--dashboard-port={dash}",
         "--include-dashboard=true", "--dashboard-host=127.0.0.1", f"--dashboard-agent-listen-port={agent}",
         f"--ray-client-server-port={client}", "--num-cpus=2", "--object-store-memory=300000000"],
        cwd=REPO, env=env, start_new_session=True, stdout=open(tmp_path / "head.log", "w"),
        stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{dash}"
    deadline = time.time() + 120
    while time.time() < deadline:
        r = subprocess.run([RAY, "job", "list", "--address", address], env=env, capture_output=True, text=True)
        if r.returncode == 0:
            break
        time.sleep(2)
    else:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("head node did not come up:\n" + (tmp_path / "head.log").read_text()[-3000:])
    yield address, env
    os.killpg(proc.pid, signal.SIGTERM)
    # `ray start` recorded this head as the machine's current cluster; it is gone now.
    current = Path("/tmp/ray/ray_current_cluster")
    if current.is_file() and current.read_text().strip().endswith(f":{gcs}"):
        current.unlink()
    try:
        proc.wait(timeout=10)  # a head shuts down in ~30 s; nothing of it is needed after the test
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_prepare_runs_as_a_submitted_job(head_node, tmp_path):
    address, env = head_node
    run_dir = tmp_path / "run"
    r = subprocess.run(
        [RAY, "job", "submit", "--address", address, "--",
         sys.executable, str(REPO / "jobs" / "prepare.py"), "-c", str(REPO / "configs" / "test.yaml"),
         "--run-dir", str(run_dir)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "succeeded" in r.stdout
    manifest = json.loads((run_dir / "prepare" / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["counts"]["kept"] > 0
    # The job ran on the submitted cluster, not on a local one it started itself.
    assert "connecting to Ray at" in r.stdout
