"""`python -m training.quickstart`: skip-if-present steps, API keys, and supervision of the two
services (readiness, signal forwarding, clean stop).

The supervision tests use stand-in services (Python's own http.server), so they check the
supervisor's behaviour in a second; the slow test at the end runs the real thing: synthetic data,
training, `scoring serve` and `scoring dashboard`, then Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from shared.settings import parse_api_keys
from training.errors import UserFacingError
from training.progress import Progress
from training.quickstart import (
    GENERATED_KEY_NAME,
    Child,
    StopFlag,
    bundle_in_service,
    configured_keys,
    ensure_key_file,
    folder_has_files,
    port_is_free,
    prepare,
    supervise,
)

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def no_scoring_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolates a test from SCORING_* variables of the shell running pytest."""
    for name in list(os.environ):
        if name.startswith("SCORING_"):
            monkeypatch.delenv(name)


@pytest.fixture
def quiet() -> Progress:
    return Progress("quickstart", quiet=True)


# --- steps 1-3 ---------------------------------------------------------------------------------


def test_folder_has_files_ignores_hidden_entries_and_missing_folders(tmp_path: Path) -> None:
    assert not folder_has_files(None)
    assert not folder_has_files(tmp_path / "absent")
    (tmp_path / ".gitkeep").write_text("")
    assert not folder_has_files(tmp_path)
    (tmp_path / "application_train.csv").write_text("SK_ID_CURR\n")
    assert folder_has_files(tmp_path)


def test_bundle_in_service_follows_the_current_pointer(tmp_path: Path) -> None:
    assert bundle_in_service(tmp_path) is None
    (tmp_path / "current").write_text("v1\n")
    assert bundle_in_service(tmp_path) is None, "pointer to a missing folder is not a bundle"
    (tmp_path / "v1").mkdir()
    assert bundle_in_service(tmp_path) == "v1"


def test_prepare_runs_nothing_when_a_bundle_is_in_service(
    tmp_path: Path, quiet: Progress, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "models" / "v7").mkdir(parents=True)
    (tmp_path / "models" / "current").write_text("v7")
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda command, **_: calls.append(command))
    version = prepare(
        applicants=10, seed=1, data=tmp_path / "data", models=tmp_path / "models",
        real_data=None, progress=quiet,
    )  # fmt: skip
    assert version == "v7"
    assert calls == []


def test_prepare_trains_on_real_data_without_generating(
    tmp_path: Path, quiet: Progress, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "application_train.csv").write_text("SK_ID_CURR\n")
    models = tmp_path / "models"
    commands: list[list[str]] = []

    def fake_run(command: list[str], **_: object) -> subprocess.CompletedProcess[bytes]:
        commands.append(command)
        (models / "v1").mkdir(parents=True)
        (models / "current").write_text("v1")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    prepare(
        applicants=10, seed=3, data=tmp_path / "data", models=models, real_data=real,
        progress=quiet, train_options=("--folds", "2"),
    )  # fmt: skip
    assert len(commands) == 1
    train = commands[0][3:]
    assert train[0] == "train"
    assert train[train.index("--data") + 1] == str(real)
    assert train[train.index("--folds") + 1] == "2"


def test_prepare_reports_a_failed_step(
    tmp_path: Path, quiet: Progress, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        subprocess, "run", lambda command, **_: subprocess.CompletedProcess(command, 3)
    )
    with pytest.raises(UserFacingError, match=r"synthetic applicants failed \(exit status 3\)"):
        prepare(
            applicants=10, seed=1, data=tmp_path / "data", models=tmp_path / "models",
            real_data=None, progress=quiet,
        )  # fmt: skip


@pytest.mark.usefixtures("no_scoring_env")
def test_configured_keys_come_from_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    assert configured_keys(env_file) is None
    env_file.write_text("SCORING_API_KEYS=advisor:abcdefgh12,partner:zyxwvuts98\n")
    keys = configured_keys(env_file)
    assert keys is not None and not keys.generated
    assert keys.dashboard_key == "abcdefgh12"
    env_file.write_text(
        "SCORING_API_KEYS=advisor:abcdefgh12,partner:zyxwvuts98\nSCORING_API_KEY=zyxwvuts98\n"
    )
    assert configured_keys(env_file).dashboard_key == "zyxwvuts98"  # type: ignore[union-attr]


@pytest.mark.usefixtures("no_scoring_env")
def test_configured_keys_reject_malformed_entries(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SCORING_API_KEYS=advisor:short\n")
    with pytest.raises(UserFacingError, match="shorter than 8"):
        configured_keys(env_file)


@pytest.mark.usefixtures("no_scoring_env")
def test_key_file_is_generated_private_and_then_kept(tmp_path: Path, quiet: Progress) -> None:
    path = tmp_path / "secrets" / "api_keys"
    ensure_key_file(path, None, quiet)
    first = path.read_text()
    table = parse_api_keys(first.strip())
    # The dashboard's key first (the containers' entrypoint gives it to the dashboard).
    assert list(table) == ["dashboard", GENERATED_KEY_NAME]
    assert all(len(key.get_secret_value()) >= 32 for key in table.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ensure_key_file(path, None, quiet)
    assert path.read_text() == first, "an existing key must survive a second run"
    path.write_text("garbage\n")
    ensure_key_file(path, None, quiet)
    assert parse_api_keys(path.read_text().strip())
    assert [p.name for p in path.parent.iterdir()] == ["api_keys"], "no temporary left behind"


def test_key_file_not_written_when_keys_are_configured(
    tmp_path: Path, quiet: Progress, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORING_API_KEYS", "ops:0123456789")
    path = tmp_path / "api_keys"
    ensure_key_file(path, None, quiet)
    assert not path.exists()


# --- step 4: supervision, with stand-in services ------------------------------------------------


def stand_in(name: str, port: int, *, crash_after: float | None = None) -> Child:
    """A child serving HTTP on `port` (Python's http.server), optionally dying after a delay."""
    if crash_after is None:
        command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    else:
        script = f"import time; time.sleep({crash_after}); raise SystemExit(4)"
        command = [sys.executable, "-c", script]
    return Child(name, command, ready_url=f"http://127.0.0.1:{port}/")


def stop_later(flag: StopFlag, when: threading.Event, signal_number: int) -> threading.Thread:
    def run() -> None:
        when.wait(30)
        flag.signal = signal_number

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


class AnnounceWatcher:
    """Stands in for stdout: records what is printed and signals when the announce appears."""

    def __init__(self, marker: str) -> None:
        self.marker, self.text, self.seen = marker, "", threading.Event()

    def write(self, text: str) -> int:
        self.text += text
        if self.marker in self.text:
            self.seen.set()
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_supervise_forwards_the_signal_and_returns_zero(
    signal_number: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = [free_port(), free_port()]
    children = [stand_in("first", ports[0]), stand_in("second", ports[1])]
    stdout = AnnounceWatcher("READY-LINE")
    monkeypatch.setattr(sys, "stdout", stdout)
    flag = StopFlag()
    stop_later(flag, stdout.seen, signal_number)
    status = supervise(children, timeout=30, announce="READY-LINE", stop=flag)
    assert status == 0
    assert stdout.seen.is_set(), "the URLs are announced only once every service is ready"
    for child in children:
        assert child.process is not None
        # http.server exits 0 on SIGINT (KeyboardInterrupt) and dies of SIGTERM: either way the
        # forwarded signal, not the fallback SIGKILL, ended it.
        assert child.process.returncode in (0, -signal_number)
        assert not pid_alive(child.process.pid)
    assert all(port_is_free("127.0.0.1", port) for port in ports)


def port_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
            return True
    except OSError:
        return False


def test_supervise_stops_the_others_when_a_service_dies() -> None:
    port = free_port()
    survivor, crasher = stand_in("survivor", port), stand_in("crasher", free_port())
    # Ready immediately (its URL is the survivor's), then exits with status 4.
    crasher = Child(
        "crasher",
        [sys.executable, "-c", "import time; time.sleep(1.5); raise SystemExit(4)"],
        ready_url=survivor.ready_url,
    )
    status = supervise([survivor, crasher], timeout=30, announce="", stop=StopFlag())
    assert status == 1
    assert crasher.process is not None and crasher.process.returncode == 4
    assert survivor.process is not None and not pid_alive(survivor.process.pid)


def test_supervise_reports_a_service_that_never_becomes_ready() -> None:
    first = stand_in("first", free_port())
    broken = stand_in("broken", free_port(), crash_after=0.2)
    expected = r"broken stopped before it was ready \(exit status 4\)"
    with pytest.raises(UserFacingError, match=expected):
        supervise([first, broken], timeout=30, announce="", stop=StopFlag())
    assert first.process is not None and not pid_alive(first.process.pid)


def test_main_refuses_a_busy_port(tmp_path: Path) -> None:
    """A taken port is reported by name before anything is started."""
    (tmp_path / "models" / "v1").mkdir(parents=True)
    (tmp_path / "models" / "current").write_text("v1")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "training.quickstart", "--models", str(tmp_path / "models"),
             "--api-port", str(port), "--dashboard-port", str(free_port()),
             "--env-file", str(tmp_path / "none.env")],
            cwd=ROOT, capture_output=True, text=True, timeout=60, env=clean_env(),
        )  # fmt: skip
    assert result.returncode == 2
    assert f"--api-port {port}: the port is already in use" in result.stderr


def signs_in(dashboard_url: str, name: str, password: str) -> bool:
    """True when the printed credentials open the dashboard's layout (a real sign-in)."""
    import requests

    browser = requests.Session()
    form = browser.get(f"{dashboard_url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, form
    browser.post(
        f"{dashboard_url}/login",
        data={"username": name, "password": password, "csrf_token": token.group(1)},
        timeout=30,
    )
    return browser.get(f"{dashboard_url}/_dash-layout", timeout=10).status_code == 200


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SCORING_")}


# --- the real thing ------------------------------------------------------------------------------


@pytest.mark.slow
def test_quickstart_end_to_end_then_ctrl_c(tmp_path: Path) -> None:
    api_port, dashboard_port = free_port(), free_port()
    command = [
        sys.executable, "-m", "training.quickstart", "--applicants", "1500", "--seed", "7",
        "--data", str(tmp_path / "data"), "--models", str(tmp_path / "models"),
        "--folds", "2", "--max-rounds", "40", "--api-port", str(api_port),
        "--dashboard-port", str(dashboard_port), "--audit-db", str(tmp_path / "audit.sqlite"),
        "--env-file", str(tmp_path / "none.env"), "--users-file", str(tmp_path / "users.json"),
    ]  # fmt: skip
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True, env=clean_env()
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: [lines.put(line) for line in process.stdout], daemon=True
        ).start()
        output: list[str] = []
        deadline = time.monotonic() + 600
        try:
            while not any("Press Ctrl-C" in line for line in output):
                assert process.poll() is None, stderr_path.read_text()[-3000:]
                assert time.monotonic() < deadline, "quickstart not ready in 10 minutes"
                with contextlib.suppress(queue.Empty):
                    output.append(lines.get(timeout=1))
            text = "".join(output)
            api_url = re.search(r"^  API\s+(http://\S+)", text, re.M).group(1)  # type: ignore[union-attr]
            dashboard_url = re.search(r"^  Dashboard\s+(http://\S+)", text, re.M).group(1)  # type: ignore[union-attr]
            key = re.search(r"^  API key\s+(\S+)", text, re.M).group(1)  # type: ignore[union-attr]
            assert api_url == f"http://127.0.0.1:{api_port}"
            assert dashboard_url == f"http://127.0.0.1:{dashboard_port}"

            with urllib.request.urlopen(f"{api_url}/ready", timeout=10) as response:
                assert json.load(response)["status"] == "ready"
            with urllib.request.urlopen(f"{dashboard_url}/", timeout=10) as response:
                # Closed by default: the dashboard's address leads to its sign-in page.
                assert response.status == 200 and response.url.startswith(f"{dashboard_url}/login")
            sign_in = re.search(r"^  Sign in\s+(\S+) / (\S+)", text, re.M)
            assert sign_in is not None, text
            assert signs_in(dashboard_url, sign_in.group(1), sign_in.group(2))
            request = urllib.request.Request(
                f"{api_url}/v1/clients?limit=1", headers={"X-API-Key": key}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                client_id = json.load(response)["client_ids"][0]
            request = urllib.request.Request(
                f"{api_url}/v1/predict",
                data=json.dumps({"client_id": client_id}).encode(),
                headers={"X-API-Key": key, "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                assert 0.0 <= json.load(response)["probability"] <= 1.0
        finally:
            process.send_signal(signal.SIGINT)
            status = process.wait(timeout=60)
    log = stderr_path.read_text()
    assert status == 0, log[-3000:]
    pids = [int(p) for p in re.findall(r"started the \w+ \(pid (\d+)\)", log)]
    assert len(pids) == 2, log[-3000:]
    assert not any(pid_alive(pid) for pid in pids)
    assert port_is_free("127.0.0.1", api_port) and port_is_free("127.0.0.1", dashboard_port)
    assert re.search(r"API stopped \(status 0\)", log), log[-2000:]
