"""The whole product on one machine with one command (`make run`), and the Docker trainer job.

    python -m training.quickstart --applicants 20000 --seed 42 --data data/synthetic --models models

1. data: generates the synthetic tables unless the folder already holds them (or trains on the
   real tables when `--real-data` names a non-empty folder);
2. model: trains a bundle unless MODEL_DIR already has one in service (`current`);
3. API key: the configured SCORING_API_KEYS (environment or `.env`), else a fresh random one;
   and the dashboard account "quickstart" (administrator) with a fresh password each run;
4. serves: starts `scoring serve` and `scoring dashboard` as child processes, waits until the API
   answers /ready and the dashboard its page, prints both URLs and the key, and stays until
   Ctrl-C / SIGTERM, which it forwards to both children before exiting 0.

`--prepare-only` stops after step 2, writing the key to `--key-file` when none is configured
and a first "admin" dashboard account (password in `--first-account-file`) when none exists:
that is the one-shot `trainer` service of docker-compose.yml, which therefore runs the very same
skip-if-present logic as `make run`.

Every step runs the `scoring` command line in a child process, so this module stays light (no
Polars, no LightGBM) and each step prints its own progress lines.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from training.errors import UserFacingError
from training.progress import Progress

#: Name under which a generated key is recorded in the audit trail.
GENERATED_KEY_NAME = "quickstart"
#: The generated key the dashboard sends (the trusted front-end).
DASHBOARD_KEY_NAME = "dashboard"
#: The dashboard account `make run` (re)creates, and the one the trainer job creates.
QUICKSTART_ACCOUNT = "quickstart"
FIRST_ACCOUNT = "admin"
#: Grace period for a child to stop after the forwarded signal, before it is killed.
STOP_GRACE_SECONDS = 15.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--applicants", type=int, default=20_000, help="synthetic applicants")
    parser.add_argument("--seed", type=int, default=42, help="seed of data generation and training")
    parser.add_argument("--data", type=Path, default=Path("data/synthetic"), help="synthetic data")
    parser.add_argument("--models", type=Path, default=Path("models"), help="MODEL_DIR (bundles)")
    parser.add_argument(
        "--real-data",
        type=Path,
        default=None,
        help="folder of the real Kaggle tables; used instead of synthetic data when not empty",
    )
    parser.add_argument(
        "--folds", type=int, default=None, help="cross-validation folds (default: scoring train's)"
    )
    parser.add_argument(
        "--max-rounds", type=int, default=None, help="boosting round cap (default: scoring train's)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface of both services")
    parser.add_argument("--api-port", type=int, default=8000, help="API port (default 8000)")
    parser.add_argument(
        "--dashboard-port", type=int, default=8050, help="dashboard port (default 8050)"
    )
    parser.add_argument(
        "--audit-db", type=Path, default=Path("var/audit.sqlite"), help="SQLite audit trail"
    )
    parser.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="where configured API keys are read"
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=300.0, help="seconds to wait for each service"
    )
    parser.add_argument(
        "--prepare-only", action="store_true", help="data and bundle only; do not serve"
    )
    parser.add_argument(
        "--key-file",
        type=Path,
        default=None,
        help="with --prepare-only: write a generated 'name:key' here when none is configured",
    )
    parser.add_argument(
        "--users-file",
        type=Path,
        default=None,
        help="the dashboard's accounts file (default: SCORING_USERS_FILE or var/users.json)",
    )
    parser.add_argument(
        "--first-account-file",
        type=Path,
        default=None,
        help="with --prepare-only: when the accounts file has no account, create an admin "
        "account and write its name and password here (mode 0600)",
    )


# ---------------------------------------------------------------------------------------------
# Steps 1-3: data, bundle, key
# ---------------------------------------------------------------------------------------------


def scoring_command(*arguments: str) -> list[str]:
    """The `scoring` CLI of this very interpreter (works in a venv and in the images alike)."""
    return [sys.executable, "-m", "training.cli", *arguments]


def folder_has_files(folder: Path | None) -> bool:
    """True for a folder holding at least one visible entry (mount points start out empty)."""
    if folder is None or not folder.is_dir():
        return False
    return any(not entry.name.startswith(".") for entry in folder.iterdir())


def bundle_in_service(models: Path) -> str | None:
    """The version named by MODEL_DIR/current, or None when there is no usable pointer yet."""
    from shared.bundle import BundleError, resolve_version

    try:
        return resolve_version(models).name
    except BundleError:
        return None


def _run_step(label: str, command: list[str], progress: Progress) -> None:
    with progress.stage(label):
        status = subprocess.run(command, check=False).returncode
    if status != 0:
        raise UserFacingError(
            f"{label} failed (exit status {status}); its messages are above. Command: "
            + " ".join(command)
        )


def prepare(
    *,
    applicants: int,
    seed: int,
    data: Path,
    models: Path,
    real_data: Path | None,
    progress: Progress,
    train_options: tuple[str, ...] = (),
) -> str:
    """Synthetic data and a trained bundle, each skipped when already present. Returns the
    version in service."""
    version = bundle_in_service(models)
    if version is not None:
        progress.say(f"bundle {version} already in service in {models}; not retraining")
        return version
    if folder_has_files(real_data):
        assert real_data is not None
        progress.say(f"training on the real tables in {real_data}")
        source = real_data
    else:
        if folder_has_files(data):
            progress.say(f"synthetic tables already in {data}; not regenerating")
        else:
            _run_step(
                f"generating {applicants} synthetic applicants",
                scoring_command(
                    "synth",
                    "--applicants",
                    str(applicants),
                    "--seed",
                    str(seed),
                    "--out",
                    str(data),
                ),
                progress,
            )
        source = data
    _run_step(
        f"training on {source}",
        scoring_command(
            "train",
            "--data",
            str(source),
            "--out",
            str(models),
            "--seed",
            str(seed),
            *train_options,
        ),
        progress,
    )
    version = bundle_in_service(models)
    if version is None:
        raise UserFacingError(f"training finished but {models} has no bundle in service")
    return version


@dataclass(frozen=True)
class Keys:
    """The API's key table ("name:key,..."), the key the dashboard sends, and the key printed
    for the person (a generated table holds one of each: the dashboard's is the only trusted
    front-end, so the printed key cannot speak for a signed-in advisor)."""

    table: str
    dashboard_key: str
    generated: bool
    #: Names of the keys that may forward the signed-in person (SCORING_TRUSTED_FRONTENDS).
    trusted_frontends: str = ""
    #: SCORING_API_KEY_SCOPES for the API child.
    key_scopes: str = ""
    #: The key shown to the person; the dashboard's when keys are configured.
    shown_key: str = ""

    @property
    def printed_key(self) -> str:
        return self.shown_key or self.dashboard_key


def configured_keys(env_file: Path | None) -> Keys | None:
    """Keys from SCORING_API_KEYS / SCORING_API_KEY (environment, then `env_file`), if any."""
    from pydantic import ValidationError

    from shared.settings import ApiSettings, DashboardSettings

    try:
        api = ApiSettings(_env_file=env_file)  # type: ignore[call-arg]
        dashboard = DashboardSettings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise UserFacingError(f"invalid SCORING_* settings: {problems}") from None
    table = api.key_table()
    if not table:
        return None
    # The dashboard's own key when configured, else the first of the API's keys.
    key = dashboard.api_key.get_secret_value() or next(iter(table.values())).get_secret_value()
    # Unless configured, the dashboard's key is the trusted front-end (it forwards the
    # signed-in person; the API refuses that header from any other key).
    dashboard_names = [name for name, value in table.items() if value.get_secret_value() == key]
    trusted = api.trusted_frontends or ",".join(dashboard_names)
    return Keys(
        api.api_keys.get_secret_value(),
        key,
        generated=False,
        trusted_frontends=trusted,
        key_scopes=api.api_key_scopes,
    )


def generate_keys() -> Keys:
    """Two keys: the dashboard's (trusted front-end; score, clients, audit) first, which the
    containers' entrypoint gives the dashboard, and the person's (every scope)."""
    dashboard, person = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    return Keys(
        f"{DASHBOARD_KEY_NAME}:{dashboard},{GENERATED_KEY_NAME}:{person}",
        dashboard,
        generated=True,
        trusted_frontends=DASHBOARD_KEY_NAME,
        key_scopes=f"{DASHBOARD_KEY_NAME}:score+clients+audit",
        shown_key=person,
    )


def write_key_file(path: Path, keys: Keys) -> None:
    """Writes "name:key" readable by its owner only, atomically (a reader never sees half)."""
    _write_private(path, keys.table + "\n")


def _write_private(path: Path, text: str) -> None:
    """Writes `text` readable by its owner only, atomically (a reader never sees half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ensure_key_file(path: Path, env_file: Path | None, progress: Progress) -> None:
    """For the containers: a key file unless keys are configured (an existing file is kept)."""
    from shared.settings import parse_api_keys

    if configured_keys(env_file) is not None:
        progress.say("API keys configured through SCORING_API_KEYS; no key file written")
        return
    if path.is_file():
        try:
            if parse_api_keys(path.read_text("utf-8").strip()):
                progress.say(f"keeping the API key already in {path}")
                return
        except ValueError:
            progress.say(f"{path} does not hold valid 'name:key' entries; replacing it")
    write_key_file(path, generate_keys())
    progress.say(f"generated an API key in {path} (read it from there; it is not logged)")


# ---------------------------------------------------------------------------------------------
# Step 3b: a dashboard account (sign-in is on everywhere, docs/sign-in.md)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstAccount:
    name: str
    password: str


def users_file_for(explicit: Path | None, env_file: Path | None) -> Path:
    if explicit is not None:
        return explicit
    from shared.settings import DashboardSettings

    return DashboardSettings(_env_file=env_file).users_file  # type: ignore[call-arg]


def quickstart_account(users_file: Path) -> FirstAccount:
    """`make run`: the administrator account QUICKSTART_ACCOUNT, with a fresh password each run
    (printed with the URLs, like the generated API key); other accounts are left alone."""
    from dashboard.auth.accounts import add_account, generate_password
    from dashboard.auth.roles import Role

    password = generate_password()
    add_account(users_file, QUICKSTART_ACCOUNT, Role.ADMIN, password, replace=True)
    return FirstAccount(QUICKSTART_ACCOUNT, password)


def ensure_first_account(users_file: Path, credentials_file: Path, progress: Progress) -> None:
    """For the containers: an admin account when the accounts file has none, its password in
    `credentials_file` (0600, on the secrets volume); existing accounts are kept."""
    from dashboard.auth.accounts import AccountError, add_account, generate_password, read_accounts
    from dashboard.auth.roles import Role

    try:
        existing = read_accounts(users_file)
    except AccountError as error:
        raise UserFacingError(str(error)) from None
    if existing:
        progress.say(f"keeping the {len(existing)} account(s) already in {users_file}")
        return
    password = generate_password()
    add_account(users_file, FIRST_ACCOUNT, Role.ADMIN, password)
    _write_private(credentials_file, f"{FIRST_ACCOUNT} {password}\n")
    progress.say(
        f"created the dashboard account {FIRST_ACCOUNT!r} (admin) in {users_file}; its password "
        f"is in {credentials_file} (it is not logged)"
    )


# ---------------------------------------------------------------------------------------------
# Step 4: the two services as supervised children
# ---------------------------------------------------------------------------------------------


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def local_url(host: str, port: int) -> str:
    """The URL a browser on this machine uses (a wildcard interface is reached on loopback)."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://{shown}:{port}"


def answers_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class Child:
    """A service run as a child process in its own process group.

    Its own group, so that a Ctrl-C in the terminal reaches only the supervisor, which then
    forwards one signal to each group (uvicorn's workers included) and waits for them in order.
    """

    name: str
    command: list[str]
    ready_url: str
    environment: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # Forwarding this process's environment (not reading configuration from it): the
        # children's settings objects read their SCORING_* variables themselves.
        environment = {**os.environ, **self.environment}
        self.process = subprocess.Popen(self.command, env=environment, process_group=0)
        print(f"quickstart: started the {self.name} (pid {self.process.pid})", file=sys.stderr)

    @property
    def exit_status(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait_ready(self, timeout: float, stop_requested: StopFlag) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop_requested.signal:
            status = self.exit_status
            if status is not None:
                raise UserFacingError(
                    f"the {self.name} stopped before it was ready (exit status {status}); "
                    "its messages are above"
                )
            if answers_ok(self.ready_url):
                return
            time.sleep(0.25)
        if not stop_requested.signal:
            raise UserFacingError(
                f"the {self.name} did not answer {self.ready_url} within {timeout:.0f}s"
            )

    def stop(self, signal_number: int, grace: float = STOP_GRACE_SECONDS) -> int | None:
        """Forwards `signal_number`, waits up to `grace` seconds, then kills. Exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it may have just exited
                os.killpg(self.process.pid, signal_number)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


@dataclass
class StopFlag:
    """Set by the SIGINT/SIGTERM handlers; the supervisor loop polls it."""

    signal: int | None = None

    def __call__(self, signal_number: int, frame: FrameType | None) -> None:
        self.signal = signal_number


def supervise(children: list[Child], timeout: float, announce: str, stop: StopFlag) -> int:
    """Starts the children in order, each once the previous is ready; runs until a signal
    (exit 0) or until a child dies (exit 1); always stops every child it started."""
    try:
        for child in children:
            child.start()
            child.wait_ready(timeout, stop)
            if stop.signal:
                break
        if not stop.signal:
            print(announce, flush=True)
        while not stop.signal:
            for child in children:
                status = child.exit_status
                if status is not None:
                    print(
                        f"quickstart: the {child.name} exited unexpectedly (status {status}); "
                        "stopping the others",
                        file=sys.stderr,
                        flush=True,
                    )
                    return 1
            time.sleep(0.2)
        return 0
    finally:
        forwarded = stop.signal or signal.SIGTERM
        for child in reversed(children):
            status = child.stop(forwarded)
            if status is not None:
                print(f"quickstart: {child.name} stopped (status {status})", file=sys.stderr)


def serve(args: argparse.Namespace, keys: Keys, account: FirstAccount, stop: StopFlag) -> int:
    for label, port in (("--api-port", args.api_port), ("--dashboard-port", args.dashboard_port)):
        if not port_is_free(args.host, port):
            raise UserFacingError(
                f"{label} {port}: the port is already in use on {args.host}; stop what uses it "
                f"or pass another {label}"
            )
    api_url = local_url(args.host, args.api_port)
    dashboard_url = local_url(args.host, args.dashboard_port)
    args.audit_db.parent.mkdir(parents=True, exist_ok=True)
    api = Child(
        "API",
        scoring_command(
            "serve",
            "--model",
            str(args.models),
            "--host",
            args.host,
            "--port",
            str(args.api_port),
            "--audit-db",
            str(args.audit_db),
        ),
        ready_url=f"{api_url}/ready",
        environment={
            "SCORING_API_KEYS": keys.table,
            "SCORING_TRUSTED_FRONTENDS": keys.trusted_frontends,
            "SCORING_API_KEY_SCOPES": keys.key_scopes,
        },
    )
    dashboard = Child(
        "dashboard",
        scoring_command(
            "dashboard",
            "--api-url",
            api_url,
            "--host",
            args.host,
            "--port",
            str(args.dashboard_port),
        ),
        ready_url=f"{dashboard_url}/",
        environment={
            "SCORING_API_KEY": keys.dashboard_key,
            "SCORING_USERS_FILE": str(users_file_for(args.users_file, args.env_file)),
        },
    )
    origin = "generated for this run" if keys.generated else "from SCORING_API_KEYS"
    announce = "\n".join(
        [
            "",
            "Prêt à dépenser is running:",
            f"  API        {api_url}   (OpenAPI docs: {api_url}/docs)",
            f"  Dashboard  {dashboard_url}",
            f"  API key    {keys.printed_key}   (header X-API-Key; {origin})",
            f"  Sign in    {account.name} / {account.password}   (dashboard administrator; "
            "a new password each run; more accounts: scoring users add NAME --role ROLE)",
            "Press Ctrl-C to stop both.",
        ]
    )
    return supervise([api, dashboard], args.ready_timeout, announce, stop)


def train_options(args: argparse.Namespace) -> tuple[str, ...]:
    """The `scoring train` flags given to this command (the others keep train's defaults)."""
    options: list[str] = []
    if args.folds is not None:
        options += ["--folds", str(args.folds)]
    if args.max_rounds is not None:
        options += ["--max-rounds", str(args.max_rounds)]
    return tuple(options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.quickstart",
        description="Synthetic data, a trained bundle, then the API and the dashboard.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    progress = Progress("quickstart")
    stop = StopFlag()
    try:
        if args.applicants < 1:
            raise UserFacingError(f"--applicants {args.applicants}: expected at least 1")
        version = prepare(
            applicants=args.applicants,
            seed=args.seed,
            data=args.data,
            models=args.models,
            real_data=args.real_data,
            progress=progress,
            train_options=train_options(args),
        )
        progress.say(f"bundle in service: {version}")
        if args.prepare_only:
            if args.key_file is not None:
                ensure_key_file(args.key_file, args.env_file, progress)
            if args.first_account_file is not None:
                ensure_first_account(
                    users_file_for(args.users_file, args.env_file),
                    args.first_account_file,
                    progress,
                )
            return 0
        keys = configured_keys(args.env_file) or generate_keys()
        account = quickstart_account(users_file_for(args.users_file, args.env_file))
        # From here on a signal is forwarded to the children instead of interrupting this loop.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        return serve(args, keys, account, stop)
    except UserFacingError as error:
        print(f"quickstart: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("quickstart: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
