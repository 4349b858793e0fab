"""Parse untrusted files in a child process, under a wall-time limit and a memory limit.

A hostile or broken file (a decompression bomb, a structure that makes the parser loop or
recurse, a 50 MB line) must cost at most `timeout_s` seconds and `memory_mb` MiB, and must
never take the ingesting process down with it. So `SandboxedParser.run(path)` does what
`ingest.builder.build_document` does (load, clean, describe) in a worker process and returns the
`Document`, or raises `UnreadableFileError` with a short reason.

How the worker is made. The caller may be multi-threaded (Streamlit, Chroma, torch) and large
(a loaded model), so forking it per file is unsafe and would make an address-space limit
meaningless; multiprocessing's 'spawn' and 'forkserver' re-import the caller's `__main__` in
every child, which under `streamlit run app.py` is the app itself. Instead one small helper
process is started per process, on first use, with `python -c`: it imports only the parsing
code (pypdf and `ingest.builder`), stays single-threaded, and forks one worker per file (about 10 ms).
The worker sets its limits, parses, pickles the result into a temporary file and exits; the
helper kills it when the time is up and reports how it ended. Parent and helper speak JSON
lines over a pipe. Where `os.fork` does not exist the file is parsed in-process, unguarded.

The memory limit is RLIMIT_AS, the worker's address space, set to what the worker already
maps (interpreter and pypdf) plus `memory_mb`: the parse may allocate `memory_mb` MiB more.
Past it, allocations fail with MemoryError. A CPU-time limit a little above `timeout_s`
also ends a worker whose helper has died.
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import math
import os
import pickle
import queue
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from core.errors import ConfigError, InspectionQAError, UnreadableFileError
from core.records import Document

from .builder import build_document

log = logging.getLogger(__name__)

MIN_MEMORY_MB = 16
HELPER_GRACE_S = 30.0  # how long past the time limit the parent waits for the helper itself
_PROJECT_ROOT = str(Path(__file__).resolve().parents[1])
_HELPER_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from ingest.sandbox import _helper_main; _helper_main()"
)


class SandboxError(InspectionQAError):
    """The parser process itself cannot be started or keeps dying; ingestion cannot go on safely."""


class SandboxedParser:
    """Turns a path into a `Document` in a worker process under a time and a memory limit.

    `parse` is the callable (`path -> Document`) run in the worker, `build_document` by default.
    It reaches the worker pickled, so it must be picklable by reference: a module-level function,
    or a bound method of an instance of a module-level class.
    """

    def __init__(self, timeout_s: float = 60.0, memory_mb: int = 1024,
                 parse: Callable[[Path], Document] = build_document) -> None:
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not math.isfinite(timeout_s) \
                or timeout_s <= 0:
            raise ConfigError(f"parse_timeout_s={timeout_s!r} must be a positive number of seconds")
        if isinstance(memory_mb, bool) or not isinstance(memory_mb, int) or memory_mb < MIN_MEMORY_MB:
            raise ConfigError(
                f"parse_memory_mb={memory_mb!r} must be a whole number of MiB, at least {MIN_MEMORY_MB}; "
                "less cannot parse even a small file"
            )
        if not callable(parse):
            raise ConfigError(f"parse={parse!r} must be a callable taking a path and returning a Document")
        try:
            self._parse_pickle = base64.b64encode(pickle.dumps(parse, protocol=pickle.HIGHEST_PROTOCOL)).decode()
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise ConfigError(f"parse={parse!r} cannot be sent to a worker process ({exc}); "
                              "use a module-level function") from None
        self.timeout_s = float(timeout_s)
        self.memory_mb = memory_mb
        self.parse = parse

    @classmethod
    def from_settings(cls, settings) -> "SandboxedParser":
        return cls(settings.parse_timeout_s, settings.parse_memory_mb)

    def __repr__(self) -> str:
        return f"SandboxedParser(timeout_s={self.timeout_s:g}, memory_mb={self.memory_mb})"

    # -- reasons ------------------------------------------------------------------------------
    def _too_slow(self) -> str:
        return f"took longer than {self.timeout_s:g} s to parse; skipped"

    def _too_big(self) -> str:
        return f"needed more than {self.memory_mb} MiB to parse; skipped"

    def run(self, path: Path) -> Document:
        path = Path(path)
        if not hasattr(os, "fork"):
            return self.parse(path)
        with tempfile.TemporaryDirectory(prefix="inspection-qa-parse-") as tmp:
            out, err = os.path.join(tmp, "result.pickle"), os.path.join(tmp, "stderr.txt")
            request = {
                "path": str(path), "cwd": os.getcwd(), "out": out, "err": err,
                "timeout": self.timeout_s, "memory_mb": self.memory_mb, "parse": self._parse_pickle,
            }
            reply = _HELPERS.request(request, self.timeout_s + HELPER_GRACE_S)
            if reply.get("status") == "helper-timeout":
                raise UnreadableFileError(path, self._too_slow())
            if reply.get("status") == "fork-failed":
                raise SandboxError(f"cannot start a parser process: {reply.get('error')}")
            result = _read_result(out)
            stderr_tail = _tail(err)
        return self._interpret(path, reply, result, stderr_tail)

    def _interpret(self, path: Path, reply: dict, result: tuple | None, stderr_tail: str) -> Document:
        status = reply.get("status")
        if status == "timeout":
            raise UnreadableFileError(path, self._too_slow())
        if result is not None:
            kind = result[0]
            if kind == "ok" and isinstance(result[1], Document):
                return result[1]
            if kind == "unreadable":
                raise UnreadableFileError(path, str(result[1]))
            if kind == "memory":
                raise UnreadableFileError(path, self._too_big())
            if kind == "error":
                raise UnreadableFileError(path, f"the parser failed ({result[1]}); skipped")
        if _mentions_memory(stderr_tail):
            raise UnreadableFileError(path, self._too_big())
        if status == "signal":
            signum = int(reply.get("signal", 0))
            if signum == getattr(signal, "SIGXCPU", -1):
                raise UnreadableFileError(path, self._too_slow())
            name = _signal_name(signum)
            detail = f": {stderr_tail}" if stderr_tail else ""
            if signum == signal.SIGKILL:
                raise UnreadableFileError(path, f"the parser process was killed ({name}){detail}; skipped")
            raise UnreadableFileError(path, f"the parser crashed ({name}){detail}; skipped")
        code = reply.get("code")
        detail = f": {stderr_tail}" if stderr_tail else ""
        raise UnreadableFileError(path, f"the parser exited without a result (exit code {code}){detail}; skipped")


# -- parent side: one helper per process ----------------------------------------------------
class _Helper:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _HELPER_CODE, _PROJECT_ROOT],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
        )
        self.pid_owner = os.getpid()
        self._buf = b""

    def alive(self) -> bool:
        return self.pid_owner == os.getpid() and self.proc.poll() is None

    def request(self, message: dict, deadline_s: float) -> dict | None:
        """Send one request; the reply, or None if the helper died, or a helper-timeout reply."""
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        deadline = time.monotonic() + deadline_s
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close(kill=True)
                return {"status": "helper-timeout"}
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def close(self, kill: bool = False) -> None:
        if self.pid_owner != os.getpid():
            return
        try:
            if kill:
                self.proc.kill()
            else:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass


class _HelperSlot:
    """One helper process, started on first use and restarted if it dies; used by one thread at a time."""

    def __init__(self) -> None:
        self._helper: _Helper | None = None

    def request(self, message: dict, deadline_s: float) -> dict:
        for _attempt in range(2):
            if self._helper is None or not self._helper.alive():
                if self._helper is not None:
                    self._helper.close(kill=True)
                try:
                    self._helper = _Helper()
                except OSError as exc:
                    raise SandboxError(f"cannot start the parser helper process ({exc})") from exc
            reply = self._helper.request(message, deadline_s)
            if reply is not None:
                if reply.get("status") == "helper-timeout":
                    self._helper = None
                return reply
            self._helper.close(kill=True)
            self._helper = None
        raise SandboxError("the parser helper process keeps dying; see the messages above it on stderr")

    def close(self) -> None:
        if self._helper is not None:
            self._helper.close()
            self._helper = None


class _HelperPool:
    """The process-wide helpers: up to `size` files parse at once, each in a worker of its own
    helper. A lone caller always gets the same slot back, so it starts one helper only."""

    def __init__(self, size: int = 2) -> None:
        self._slots: queue.LifoQueue[_HelperSlot] = queue.LifoQueue()
        self._all = [_HelperSlot() for _ in range(size)]
        for slot in reversed(self._all):
            self._slots.put(slot)

    def request(self, message: dict, deadline_s: float) -> dict:
        slot = self._slots.get()
        try:
            return slot.request(message, deadline_s)
        finally:
            self._slots.put(slot)

    def close(self) -> None:
        for slot in self._all:
            slot.close()


_HELPERS = _HelperPool()
atexit.register(_HELPERS.close)


def _read_result(out: str) -> tuple | None:
    try:
        with open(out, "rb") as fh:
            result = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a half-written result counts as no result
        return None
    return result if isinstance(result, tuple) and result else None


def _tail(err: str, limit: int = 160) -> str:
    try:
        with open(err, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 4096))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:limit] if lines else ""


def _mentions_memory(text: str) -> bool:
    low = text.lower()
    return "memoryerror" in low or "cannot allocate memory" in low or "out of memory" in low


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


# -- helper side ------------------------------------------------------------------------------
def _helper_main() -> None:
    """Read requests (JSON lines) on stdin, fork a worker for each, reply how it ended."""
    import gc
    import resource  # noqa: F401 - imported before forking so workers need not

    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # a stray print must not corrupt the protocol
    _warm_up()
    gc.collect()
    gc.freeze()  # fewer copy-on-write pages in each worker
    for line in proto_in:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        reply = _serve(request, proto_in, proto_out)
        proto_out.write((json.dumps(reply) + "\n").encode())
        proto_out.flush()


def _warm_up() -> None:
    """Import everything a parse needs once, here, so each worker starts ready."""
    import io

    import pypdf

    from ingest import builder  # noqa: F401
    from ingest.cleaning import is_word

    is_word("warm")  # the word list that joins words hyphenated at line ends (~0.1 s), loaded once here
    try:  # the Word and web-page readers (~0.15 s of imports)
        import docx  # noqa: F401
        import trafilatura  # noqa: F401
    except ImportError:  # reported per file by its loader
        pass
    try:
        writer = pypdf.PdfWriter()
        writer.add_blank_page(width=100, height=100)
        buf = io.BytesIO()
        writer.write(buf)
        reader = pypdf.PdfReader(io.BytesIO(buf.getvalue()))
        reader.pages[0].extract_text()
        _ = reader.metadata
    except Exception:  # noqa: BLE001 - warming up is an optimisation only
        pass


def _serve(request: dict, proto_in, proto_out) -> dict[str, Any]:
    timeout = float(request["timeout"])
    try:
        pid = os.fork()
    except OSError as exc:
        return {"status": "fork-failed", "error": str(exc)}
    if pid == 0:  # the worker
        code = 70
        try:
            proto_in.close()
            proto_out.close()
            code = _worker(request)
        finally:
            os._exit(code)
    started = time.monotonic()
    status = _wait(pid, started + timeout)
    if status is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        return {"status": "timeout", "seconds": round(time.monotonic() - started, 3)}
    if os.WIFSIGNALED(status):
        return {"status": "signal", "signal": os.WTERMSIG(status)}
    return {"status": "exited", "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else status}


def _wait(pid: int, deadline: float) -> int | None:
    """The worker's wait status, or None when the deadline passes first."""
    pidfd = None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            pidfd = None
    try:
        delay = 0.001
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if pidfd is not None:
                select.select([pidfd], [], [], remaining)
            else:
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, 0.05)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _worker(request: dict) -> int:
    """In the forked worker: limits, then parse, then write the result. Returns the exit code."""
    import resource

    err_fd = os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(err_fd, 1)
    os.dup2(err_fd, 2)
    os.close(err_fd)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_CPU, int(math.ceil(float(request["timeout"]))) + 2)
    try:
        os.chdir(request["cwd"])
    except OSError:
        pass
    try:
        parse = pickle.loads(base64.b64decode(request["parse"]))
    except Exception as exc:  # noqa: BLE001
        return _write(request["out"], ("error", f"cannot load the parser: {exc}"))
    base = _address_space()
    if base:  # where the address space cannot be read, no limit beats a wrong one
        _limit(resource.RLIMIT_AS, base + int(request["memory_mb"]) * 1024 * 1024)
    try:
        result: tuple = ("ok", parse(Path(request["path"])))
    except UnreadableFileError as exc:
        result = ("unreadable", exc.reason)
    except MemoryError:
        result = ("memory",)
    except RecursionError:
        result = ("error", "RecursionError: the file nests too deeply")
    except BaseException as exc:  # noqa: BLE001 - anything else is reported, never raised
        result = ("error", f"{type(exc).__name__}: {str(exc)[:160] or 'no detail'}")
    return _write(request["out"], result)


def _write(out: str, result: tuple) -> int:
    try:
        with open(out, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return 0
    except MemoryError:
        result = None
    except Exception:  # noqa: BLE001
        return 71
    try:  # pickling a huge document ran out of memory: report that instead
        with open(out, "wb") as fh:
            pickle.dump(("memory",), fh)
        return 0
    except Exception:  # noqa: BLE001
        return 72


def _limit(which: int, soft: int) -> None:
    import resource

    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):
        pass


def _address_space() -> int:
    """This process's current virtual size in bytes (Linux), or 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
