"""Kernels that start with the notebooks' libraries already imported (used by the runner).

Every stage notebook imports pandas, pyarrow, matplotlib, seaborn (and with it scipy),
IPython and the pipeline: about 3 s of CPU per kernel, seven kernels a run, on two cores.
Here one server process imports those modules once and then forks a fresh kernel for each
notebook. Each notebook still runs in a process of its own in which no other notebook's code
has run, so isolation is as before; only the imports are shared (copy-on-write).

How it plugs into papermill: the runner passes `ForkServer.kernel_manager_class()` to
papermill (nbclient's `kernel_manager_class`). Its kernelspec launches
`python -m pipeline.forkserver kernel <socket> -f <connection file>`: a small process (standard
library only) that hands its arguments, environment, working directory and standard streams
to the server, which forks the kernel. The small process stands in for the kernel, so
jupyter_client's interrupt, kill and liveness checks work unchanged: signals are forwarded,
and it exits with the kernel's exit code. Killing it kills the kernel; when the runner exits
(however it exits) the server's stdin closes and it kills its kernels and exits.

Linux only: forking after native libraries are loaded is not safe on macOS, so elsewhere
(or with TC_FORK_KERNELS=0) the runner uses ordinary kernels. This module imports only the
standard library at the top: the stand-in process must start in milliseconds.
"""

from __future__ import annotations

import json
import os
import select
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ENV_SWITCH = "TC_FORK_KERNELS"
# Modules every kernel imports anyway (ipykernel's own start-up, the inline chart backend).
KERNEL_MODULES = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
    "matplotlib_inline.backend_inline", "matplotlib.pyplot",
)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# What libraries imported ahead must see, as the pipeline sets it before importing them
# (pipeline.quality.validate switches Great Expectations' analytics off first).
PRELOAD_ENV = {"GX_ANALYTICS_ENABLED": "false"}
_HEADER = struct.Struct("!I")
CONNECT_TIMEOUT_S = 60.0
INTERRUPT_DELAY_S = 0.25
FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")


def available() -> bool:
    """True where forked kernels are safe and not switched off (TC_FORK_KERNELS=0)."""
    return sys.platform.startswith("linux") and os.environ.get(ENV_SWITCH, "1") != "0"


def skip_slow_iri_checker() -> None:
    """Make `import jsonschema` skip rfc3987_syntax, which builds ~30 parsers on import.

    That costs ~2 s each time nbformat, papermill or Great Expectations is imported (jsonschema
    issue #1428). Nothing here validates `iri` formats, the only checks it provides.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- messages


def _send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    payload = _HEADER.pack(len(data)) + data
    if fds:
        socket.send_fds(sock, [payload], fds)
    else:
        sock.sendall(payload)


def _receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any] | None, list[int]]:
    """One message (None at end of stream) and the file descriptors sent with it."""
    buffer, fds = b"", []
    while True:
        if len(buffer) >= _HEADER.size:
            end = _HEADER.size + _HEADER.unpack_from(buffer)[0]
            if len(buffer) >= end:
                return json.loads(buffer[_HEADER.size:end]), fds
        if max_fds and not fds:
            chunk, fds, _, _ = socket.recv_fds(sock, 1 << 16, max_fds)
        else:
            chunk = sock.recv(1 << 16)
        if not chunk:
            return None, fds
        buffer += chunk


# ---------------------------------------------------------------------------- server


def _preload(modules: list[str]) -> None:
    """Import what the kernels will import; failures are left for the notebook to report."""
    import importlib
    import warnings

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)  # as ipykernel sets it, before mpl
    skip_slow_iri_checker()
    for name in [m for m in (*KERNEL_MODULES, *modules) if m not in sys.modules]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - the kernel will raise it where it matters
            print(f"forkserver: preloading {name} failed: {error!r}", file=sys.stderr)


def _child(request: dict[str, Any], fds: list[int], inherited: list[socket.socket]) -> None:
    """In the forked process: become the kernel the stand-in process would have started."""
    import atexit

    code = 1
    try:
        for sock in inherited:  # the server's sockets are none of this kernel's business
            sock.close()
        os.setsid()  # own process group: the stand-in signals the group, as jupyter_client does
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        if "numpy" in sys.modules:  # a fresh process would have fresh global random state
            sys.modules["numpy"].random.seed()
        argv = list(request["argv"])
        if os.environ.get("JPY_PARENT_PID"):  # ipykernel read it when the server imported it
            argv.append(f"--IPKernelApp.parent_handle={os.environ['JPY_PARENT_PID']}")
        sys.argv = ["-m ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        code = 0
        IPKernelApp.launch_instance(argv=argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - report and exit like a crashed kernel
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(socket_path: str, modules: list[str]) -> None:
    """Preload `modules`, then fork a kernel per request until stdin closes.

    A `{"preload": [...]}` request (`ForkServer.preload`) imports more modules later: after
    the next kernel has been forked, when no request waits, so that kernel does not wait.
    """
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    _preload(modules)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
    kernels: dict[int, socket.socket] = {}  # pid -> connection of its stand-in
    deferred: list[str] = []
    forked_since = False  # a kernel was forked since the last preload request
    try:
        while True:
            if deferred and forked_since and not select.select([listener], [], [], 0)[0]:
                for name, value in PRELOAD_ENV.items():
                    os.environ.setdefault(name, value)
                _preload(deferred)
                deferred = []
            for key, _ in selector.select(timeout=0.05):
                if key.data == "stdin":
                    if not os.read(sys.stdin.fileno(), 1024):
                        return  # the runner has gone: stop everything
                elif key.data == "accept":
                    conn, _ = listener.accept()
                    request, fds = _receive(conn, max_fds=3)
                    if request is None or "preload" in request:
                        conn.close()
                        if request is not None:
                            deferred += request["preload"]
                            forked_since = False  # wait for the kernel being started
                        continue
                    pid = os.fork()
                    if pid == 0:
                        selector.close()
                        _child(request, fds, [listener, conn, *kernels.values()])
                    for fd in fds:
                        os.close(fd)
                    _send(conn, {"pid": pid})
                    forked_since = True
                    kernels[pid] = conn
                    selector.register(conn, selectors.EVENT_READ, pid)
                else:  # the stand-in closed its connection: it was killed
                    pid = key.data
                    selector.unregister(key.fileobj)
                    _kill_group(pid)
            _reap(kernels, selector)
    finally:
        for pid in kernels:
            _kill_group(pid)
        listener.close()
        for leftover in (socket_path, os.path.dirname(socket_path)):
            try:
                (os.unlink if leftover == socket_path else os.rmdir)(leftover)
            except OSError:
                pass


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


def _reap(kernels: dict[int, socket.socket], selector: selectors.BaseSelector) -> None:
    """Collect exited kernels and tell their stand-ins the exit code."""
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is None:
            continue
        try:
            selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        try:
            _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
        except OSError:
            pass
        conn.close()


# ---------------------------------------------------------------------------- stand-in


def stand_in(socket_path: str, argv: list[str]) -> int:
    """The process jupyter_client starts: ask the server for a kernel, then mirror it."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while True:
        try:
            sock.connect(socket_path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            # Still starting while its folder exists; gone once the folder is removed.
            if time.monotonic() > deadline or not os.path.isdir(os.path.dirname(socket_path)):
                print(f"forkserver: no kernel server at {socket_path}", file=sys.stderr)
                return 1
            time.sleep(0.02)
    request = {"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}
    _send(sock, request, fds=[0, 1, 2])
    reply, _ = _receive(sock)
    if reply is None:
        print("forkserver: the kernel server stopped before starting a kernel", file=sys.stderr)
        return 1
    pid = reply["pid"]

    def send(signum: int) -> None:
        try:
            os.killpg(pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def forward(signum: int, _frame: object) -> None:
        if signum == signal.SIGINT:
            # jupyter_client interrupts a kernel right before killing it; a kernel that got
            # the interrupt first would log "KeyboardInterrupt caught". A real interrupt
            # arrives INTERRUPT_DELAY_S later; at a kill this process is gone by then.
            threading.Timer(INTERRUPT_DELAY_S, send, (signum,)).start()
        else:
            send(signum)

    for name in FORWARDED_SIGNALS:
        signal.signal(getattr(signal, name), forward)
    while True:
        try:
            reply, _ = _receive(sock)
            break
        except InterruptedError:
            continue
    return int(reply["exit"]) if reply else 1


# ---------------------------------------------------------------------------- runner side


class ForkServer:
    """The server process of one run; `close()` (or the runner's exit) stops it."""

    def __init__(self, modules: list[str], cwd: Path) -> None:
        self.folder = tempfile.mkdtemp(prefix="tc-kernels-")
        self.socket_path = os.path.join(self.folder, "server.sock")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.forkserver", "serve", self.socket_path, *modules],
            stdin=subprocess.PIPE, cwd=cwd, start_new_session=True,  # no terminal Ctrl-C
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def preload(self, modules: list[str]) -> None:
        """Have the server import `modules` once it has forked the next kernel (the runner
        asks when a worker waits for a stage: the import then uses the idle core)."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(self.socket_path)
                _send(sock, {"preload": modules})
        except OSError:
            pass  # a speed-up only: the notebook imports the modules itself

    def kernel_manager_class(self, display_name: str) -> type:
        """A jupyter_client kernel manager class whose kernels come from this server."""
        from jupyter_client.kernelspec import KernelSpec
        from jupyter_client.manager import AsyncKernelManager

        spec = KernelSpec(
            argv=[sys.executable, "-m", "pipeline.forkserver", "kernel", self.socket_path,
                  "-f", "{connection_file}", "--IPKernelApp.log_level=ERROR",
                  # batch kernels: no shared history database for parallel kernels to lock
                  "--HistoryManager.hist_file=:memory:"],
            display_name=display_name, language="python", interrupt_mode="signal",
        )

        class ForkedKernelManager(AsyncKernelManager):
            @property
            def kernel_spec(self) -> KernelSpec:
                return spec

        return ForkedKernelManager

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)  # the server removes it when it exits


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        serve(argv[1], argv[2:])
        return 0
    if argv[:1] == ["kernel"]:
        return stand_in(argv[1], argv[2:])
    print("usage: python -m pipeline.forkserver serve SOCKET [MODULE ...] | "
          "kernel SOCKET KERNEL-ARGS", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
