"""``python -m lumbarlib.book.lab`` (``make lab``): the interactive chapters and apps, served by Voila.

Voila runs each notebook in its own kernel and shows its markdown and outputs with live
widgets. By default it listens on 127.0.0.1 only; ``--host 0.0.0.0`` serves a class on the
network, with a token in every address and no Python tracebacks on readers' pages. Served
here, from a staging folder ``<build>/lab``:

- ``dlr_explorer.ipynb``: the live DLR preview (strength, noise level, NEX, CS factor,
  volunteer; :mod:`lumbarlib.ui.preview`);
- ``reader_app.ipynb``: the blinded reader app (:mod:`lumbarlib.ui.reader_app`);
- the interactive chapters (:data:`CHAPTERS`), with their quick-profile parameters
  injected (papermill's ``parameterize_notebook``) so that they open in seconds.

Offline: Voila 0.5 bundles its JavaScript, fonts and icons, but its page templates also
link Font Awesome's CSS from a CDN in the page's ``<head>``; a browser with no network
waits on that stylesheet before it renders. :func:`write_offline_templates` therefore
shadows those templates with copies without the ``<link>`` (the icons still come from
Voila's own bundle).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_core.paths import jupyter_path
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from lumbarlib.book.run import notebook_parameters
from lumbarlib.core.checks import check_range
from lumbarlib.core.paths import BUILD_ENV, build_dir, repo_dir

HOST = "127.0.0.1"
DEFAULT_PORT = 8866
APPS = ("dlr_explorer.ipynb", "reader_app.ipynb")
"""Notebooks served as they are."""
CHAPTERS = ("03_dlr_architecture.ipynb", "05_denoising.ipynb")
"""Chapters with live widgets, served with their quick-profile parameters."""
_CDN_LINK = re.compile(r"^\s*<link[^>]*href=\"https?://[^\"]*\"[^>]*>\s*$\n?", re.MULTILINE)


def voila_templates_dir() -> Path:
    """Voila's own template folder: the first ``voila/templates`` on the Jupyter data path with a ``lab`` page."""
    for folder in jupyter_path("voila", "templates"):
        if (Path(folder) / "lab" / "index.html.j2").is_file():
            return Path(folder)
    raise FileNotFoundError("Voila's 'lab' template (voila/templates/lab/index.html.j2) is not installed")


def write_offline_templates(share: Path) -> list[Path]:
    """Shadow Voila's page templates that link a CDN with copies that do not, under ``share``.

    ``share`` (a ``share/jupyter``-like folder) goes first on ``JUPYTER_PATH``, so Jinja
    finds a copy at ``share/voila/templates/<same path>`` before Voila's file. Each copy is
    the original with its ``<link ... href="http(s)://...">`` lines removed: the notebook
    page (``lab/index.html.j2``, Font Awesome 5 CSS) and the tree and error pages
    (``base/page.html``, Font Awesome 4 CSS). Returns the copies written.

    Raises
    ------
    RuntimeError
        If a template of the ``lab`` and ``base`` folders still names an external address
        in an ``href`` or ``src`` after the edit (a Voila release that loads something new
        from the network).
    """
    source_root = voila_templates_dir()
    written = []
    for name in ("lab", "base"):
        for source in sorted((source_root / name).glob("*.htm*")) + sorted((source_root / name).glob("*.j2")):
            text = source.read_text(encoding="utf-8")
            page = _CDN_LINK.sub("", text)
            remaining = re.findall(r"(?:href|src)=\"(https?://[^\"]+)\"", page)
            if remaining:
                raise RuntimeError(f"Voila's template {source} still loads {remaining} after removing its CDN links")
            if page != text:
                target = share / "voila" / "templates" / name / source.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(page, encoding="utf-8")
                written.append(target)
    return written


def stage_lab(folder: Path | None = None, *, notebooks_dir: Path | None = None) -> Path:
    """Fill the folder Voila serves: the apps, the interactive chapters (quick profile), the page templates.

    Parameters
    ----------
    folder : Path, optional
        Staging folder (default ``<build>/lab``); its ``notebooks/`` is what Voila serves
        and its ``share/jupyter`` the offline page templates.
    notebooks_dir : Path, optional
        Where the notebooks come from (default ``<repo>/notebooks``).

    Returns
    -------
    Path
        The folder of the served notebooks. Notebooks missing from the repository are
        left out (a chapter not written yet).
    """
    folder = Path(folder) if folder is not None else build_dir() / "lab"
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else repo_dir() / "notebooks"
    served = folder / "notebooks"
    if served.exists():
        shutil.rmtree(served)
    served.mkdir(parents=True)
    for name in APPS:
        if (notebooks_dir / name).is_file():
            shutil.copy2(notebooks_dir / name, served / name)
    for name in CHAPTERS:
        path = notebooks_dir / name
        if path.is_file():
            _, quick = notebook_parameters(path, "quick")
            nb = load_notebook_node(str(path))
            nbformat.write(parameterize_notebook(nb, quick) if quick else nb, served / name)
    share = folder / "share" / "jupyter"
    if share.exists():
        shutil.rmtree(share)
    write_offline_templates(share)
    return served


def free_port(preferred: int | None = None, host: str = HOST) -> int:
    """``preferred`` if it is free on ``host``, else a port the system picks as free."""
    for port in ([preferred] if preferred is not None else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise OSError(f"no free TCP port on {host}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an IP address) reaches this machine only.

    Raises
    ------
    ValueError
        If ``host`` is not an IPv4 or IPv6 address.
    """
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        raise ValueError(f"parameter 'host' = {host!r}: must be an IP address such as 127.0.0.1 or 0.0.0.0") from None


def voila_command(served: Path, port: int, *, host: str = HOST, token: str | None = None) -> list[str]:
    """The Voila command line: the folder ``served``, on ``host``:``port``, no browser.

    On the loopback address the page shows Python tracebacks (the one reading is the one
    who started it) and needs no token. Served beyond it, to a class, a token is required
    and readers see no tracebacks.

    Raises
    ------
    ValueError
        For a bad port or host, or a host beyond loopback without a token.
    """
    check_range("port", port, 1, 65535, integer=True)
    local = is_loopback(host)
    if not local and not token:
        raise ValueError(f"parameter 'token': required when serving beyond loopback (host = {host!r})")
    voila = Path(sys.executable).parent / "voila"
    command = [
        str(voila) if voila.exists() else "voila",
        str(served),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--Voila.port_retries=0",
        "--classic-tree",
        f"--show_tracebacks={local}",
    ]
    return command + ([f"--Voila.token={token}"] if token else [])


def voila_env(folder: Path) -> dict[str, str]:
    """Environment of Voila and its kernels: the offline templates first on JUPYTER_PATH; the build folder."""
    env = dict(os.environ)
    share = str(folder / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (share, env.get("JUPYTER_PATH", "")) if p)
    env[BUILD_ENV] = str(build_dir())
    return env


def wait_until_up(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    """Poll ``url`` until it answers, the server exits or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Voila exited with code {process.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise TimeoutError(f"Voila did not answer at {url} within {timeout_s:g} s")


@dataclass(frozen=True)
class LabServer:
    """A running Voila server: its base address, the served notebooks and the process."""

    url: str
    notebooks: tuple[str, ...]
    process: subprocess.Popen
    token: str | None = None

    def page(self, notebook: str) -> str:
        """Address of one served notebook's Voila page (with the token, if there is one)."""
        if notebook not in self.notebooks:
            raise ValueError(f"notebook {notebook!r} is not served; served: {self.notebooks}")
        return f"{self.url}voila/render/{notebook}" + (f"?token={self.token}" if self.token else "")


@contextlib.contextmanager
def serve(
    port: int | None = None,
    *,
    folder: Path | None = None,
    notebooks_dir: Path | None = None,
    timeout_s: float = 60.0,
    log: Path | None = None,
    host: str = HOST,
    token: str | None = None,
) -> Iterator[LabServer]:
    """Run Voila on ``host`` (127.0.0.1 by default) for the duration of a ``with`` block.

    The server (and the kernels it started) is stopped on leaving the block, also on error.

    Parameters
    ----------
    port : int, optional
        Default: a free port.
    folder, notebooks_dir : Path, optional
        Staging folder and notebook source (see :func:`stage_lab`).
    timeout_s : float
        How long to wait for the server to answer.
    log : Path, optional
        File receiving Voila's output (default: discarded).
    host : str
        Address to listen on: 127.0.0.1 for this machine, 0.0.0.0 for a class on a network.
    token : str, optional
        The token readers need beyond loopback (default there: a random one, in the URLs).

    Yields
    ------
    LabServer
    """
    check_range("timeout_s", timeout_s, 0, low_inclusive=False)
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(16)
    folder = Path(folder) if folder is not None else build_dir() / "lab"
    served = stage_lab(folder, notebooks_dir=notebooks_dir)
    port = free_port(host=host) if port is None else port
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}/"
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(open(log, "w", encoding="utf-8")) if log is not None else subprocess.DEVNULL
        process = subprocess.Popen(
            voila_command(served, port, host=host, token=token),
            env=voila_env(folder),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(stop, process)  # runs before the log closes, also on error
        local_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
        wait_until_up(local_url + (f"?token={token}" if token else ""), process, timeout_s)
        yield LabServer(url, tuple(sorted(p.name for p in served.glob("*.ipynb"))), process, token)


def stop(process: subprocess.Popen, timeout_s: float = 20.0) -> None:
    """Stop Voila: SIGTERM makes it shut its kernels down and exit; SIGKILL after ``timeout_s``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lumbarlib.book.lab", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; another free one if taken)",
    )
    parser.add_argument(
        "--host",
        default=HOST,
        help=f"address to listen on (default {HOST}, this machine only; 0.0.0.0 serves a class on the network)",
    )
    parser.add_argument("--token", default=None, help="token readers need beyond loopback (default: a random one)")
    args = parser.parse_args(argv)
    try:
        is_loopback(args.host)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    # SIGTERM (a terminal closing, a process manager) unwinds like Ctrl-C, so Voila and its kernels stop too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with serve(free_port(args.port, args.host), host=args.host, token=args.token) as lab:
        print(f"Voila serves the interactive chapters and apps at {lab.url}", flush=True)
        for name in lab.notebooks:
            print(f"  {lab.page(name)}", flush=True)
        print("Stop with Ctrl-C.", flush=True)
        try:
            lab.process.wait()
        except KeyboardInterrupt:
            print("stopping Voila", flush=True)
    return 0 if lab.process.returncode in (0, -signal.SIGTERM) else 1


if __name__ == "__main__":
    sys.exit(main())
