"""How radarbench's processes end: children die with their parent, signals end a run once.

Children (the engine's forked sender and receiver, the devices a rig starts):

    from radarbench.rigs.lifeline import die_with_parent
    die_with_parent()          # first thing in the child

After the call the child exits within about a second of its parent's death, SIGKILL of the
parent included:

- On Linux, prctl(PR_SET_PDEATHSIG) asks the kernel to send the child `sig` (SIGTERM) when
  its parent dies. Caveat: the kernel sends it when the parent *thread* that forked the child
  exits, not the parent process: a child forked from a worker thread that ends would get it
  while the process lives on. So the signal is only a prompt: the child then checks
  os.getppid() against the parent it expects, and exits only if that parent is gone.
- A daemon thread polls os.getppid() every POLL_S as well: it covers systems without prctl,
  the thread caveat above (the kernel sends the signal once), and a handler for `sig` that
  does not end the process (a device's handler asks it to stop; after GRACE_S the watcher
  ends it with os._exit).
- A child whose parent died before the call (between fork and prctl) exits at once.

While the parent lives, SIGTERM and SIGHUP sent to the whole process group (systemd's
control-group kill, `timeout`, a closed terminal) do not end the engine's children: the parent
decides how the run ends and collects what they logged. (A device installs its own SIGTERM
handler after the call, so `kill PID` still stops a device.)

A device started by a rig gets its parent's pid and the rig's run directory through the
environment (`child_env`); `from_environment()` in the device arms the lifeline. A device
started by hand has neither and is never killed for its shell's sake. A device that outlives
its rig removes the rig's run directory (`cleanup_orphaned_run_dir`), and the next start of
any rig removes run directories whose owner is dead (`sweep_stale_run_dirs`): after SIGKILL
of everything at once the directory is left until then.

The parent side (the CLI, the pytest plugin): `install_interrupt_handlers()` turns SIGINT,
SIGTERM and SIGHUP into `Interrupted` (a KeyboardInterrupt carrying the signal number), so
every ending goes the way Ctrl-C already went: the run drains, the report is written, the
devices stop. A signal that follows within HOLD_OFF_S of the one that started the ending
(`timeout` sends SIGTERM twice, a terminal closing sends SIGHUP to everyone, an impatient
double Ctrl-C) is taken as the same request; a later one raises again, cutting a drain short.
Inside `holding()` (stopping devices, writing the report) signals are only counted, never
raised; `hurried()` says a second one came, so a stop can skip its graceful wait.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from types import FrameType

# Environment of a device started by a rig: the pid of the rig's process (the device's parent)
# and the run directory the rig made (removed by a device that outlives the rig).
ENV_PARENT = "RADARBENCH_PARENT_PID"
ENV_RUN_DIR = "RADARBENCH_RUN_DIR"
# "1" if the device may use PR_SET_PDEATHSIG (its rig started it from its main thread).
ENV_PDEATHSIG = "RADARBENCH_PDEATHSIG"
# The marker file in a run directory: "PID START_TICKS" of the process that made it.
OWNER_FILE = ".radarbench-owner"
RUN_DIR_PREFIX = "radarbench-"

POLL_S = 0.25      # how often the watcher thread looks at the parent
GRACE_S = 0.5      # after the parent's death: time for a handler to end the process cleanly
HOLD_OFF_S = 1.0   # a signal within this long of the raised one is the same request
EXIT_ORPHAN = 1    # exit status of a child whose parent died

_PR_SET_PDEATHSIG = 1
_INTERRUPT_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """A run ended by a signal (SIGINT, SIGTERM or SIGHUP): caught wherever Ctrl-C is."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# --------------------------------------------------------------------------- children

_expected_parent: int | None = None
_watcher: threading.Thread | None = None
_run_dir: str | None = None  # the rig's run directory (a device started by a rig)


def _prctl() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def set_pdeathsig(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel for `sig` when the parent thread dies (Linux); True if it took.

    Safe between fork and exec (one libc call; resolve it first with `pdeathsig_setter`)."""
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def pdeathsig_setter(sig: int = signal.SIGTERM):  # noqa: ANN201 (Callable[[], None] | None)
    """A no-argument function for subprocess.Popen(preexec_fn=...) that sets the parent-death
    signal, looked up now (the child must not load libraries between fork and exec); None
    where there is no prctl."""
    prctl = _prctl()
    if prctl is None:
        return None

    def setter() -> None:
        prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    return setter


def _default_parent() -> int:
    # A multiprocessing child knows the pid its parent had before the fork (so a parent dead
    # before this call is seen); otherwise the best we have is the parent we have now.
    try:
        import multiprocessing

        parent = multiprocessing.parent_process()
    except (ImportError, AttributeError):
        parent = None
    if parent is not None and parent.pid is not None:
        return parent.pid
    return os.getppid()


def parent_gone() -> bool:
    """True if this process has a lifeline (die_with_parent) and its parent has died."""
    return _expected_parent is not None and os.getppid() != _expected_parent


def _on_child_signal(signum: int, frame: FrameType | None) -> None:
    # SIGTERM/SIGHUP in a child on a lifeline: the parent's death ends it at once; while the
    # parent lives, the parent decides (it tells its children to stop when the run ends).
    # The run directory goes first, as the watcher thread does: PR_SET_PDEATHSIG's signal
    # usually arrives before the watcher's next look, and exiting here without it left the
    # run directory of a SIGKILLed rig behind (seen beside a busy host: not gone in 5 s).
    if parent_gone():
        with contextlib.suppress(Exception):
            cleanup_orphaned_run_dir()
        os._exit(EXIT_ORPHAN)


def _watch(parent: int, sig: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_S)
    # The parent is gone. Its run directory first (nobody reads it any more, and the clean
    # stop below may not finish in time on a loaded machine); then give the process's own
    # handler for `sig` a chance to stop it cleanly (a device closes its endpoints), and end
    # it whatever that handler did.
    with contextlib.suppress(Exception):
        cleanup_orphaned_run_dir()
    with contextlib.suppress(OSError):
        os.kill(os.getpid(), sig)
    time.sleep(GRACE_S)
    os._exit(EXIT_ORPHAN)


def die_with_parent(sig: int = signal.SIGTERM, parent: int | None = None,
                    pdeathsig: bool = True) -> int:
    """Make this process end within about a second of its parent's death. Returns the parent's
    pid it watches. Exits at once (status EXIT_ORPHAN) if that parent is already gone.

    parent: the pid expected as parent (default: multiprocessing's parent, else os.getppid()).
    pdeathsig: False to leave PR_SET_PDEATHSIG alone (the parent thread that started this
    process may end before the parent does); the watcher thread then does the job.
    Call from the main thread (it installs handlers for `sig` and SIGHUP that ignore those
    signals while the parent lives, and exit once it is gone). Calling it again re-arms it for
    the new parent (a process forked from a child).
    """
    global _expected_parent, _watcher
    expected = parent if parent is not None else _default_parent()
    if pdeathsig:
        set_pdeathsig(sig)
    if os.getppid() != expected:
        os._exit(EXIT_ORPHAN)  # orphaned before the kernel could be asked to tell us
    _expected_parent = expected
    if threading.current_thread() is threading.main_thread():
        for s in {int(sig), int(signal.SIGHUP)}:
            signal.signal(s, _on_child_signal)
    if _watcher is None or not _watcher.is_alive() or getattr(_watcher, "parent", None) != expected:
        _watcher = threading.Thread(target=_watch, args=(expected, int(sig)),
                                    name="radarbench-lifeline", daemon=True)
        _watcher.parent = expected  # type: ignore[attr-defined]
        _watcher.start()
    return expected


def child_env(run_dir: str | None = None, parent: int | None = None,
              pdeathsig: bool = True) -> dict[str, str]:
    """Environment variables for a device a rig starts: its expected parent (this process by
    default), whether it may use PR_SET_PDEATHSIG, and the run directory to remove if it
    outlives the rig."""
    env = {ENV_PARENT: str(os.getpid() if parent is None else parent),
           ENV_PDEATHSIG: "1" if pdeathsig else "0"}
    if run_dir:
        env[ENV_RUN_DIR] = run_dir
    return env


def from_environment() -> bool:
    """In a device: arm the lifeline if a rig started it (ENV_PARENT set); True if armed.

    A device started by hand (no ENV_PARENT) is left alone. The variables are removed from
    os.environ so that nothing this process starts inherits them."""
    global _run_dir
    value = os.environ.pop(ENV_PARENT, None)
    use_prctl = os.environ.pop(ENV_PDEATHSIG, "1") != "0"
    run_dir = os.environ.pop(ENV_RUN_DIR, None)
    if not value:
        return False
    try:
        parent = int(value)
    except ValueError:
        return False
    _run_dir = run_dir or None
    die_with_parent(signal.SIGTERM, parent=parent, pdeathsig=use_prctl)
    return True


def cleanup_orphaned_run_dir() -> bool:
    """In a device whose rig died: remove the rig's run directory (ENV_RUN_DIR, read by
    from_environment) if its owner is dead. True if removed. Devices of one rig may race here;
    that is harmless."""
    if not _run_dir or not parent_gone():
        return False
    return remove_if_owner_dead(_run_dir)


# --------------------------------------------------------------------------- run directories

def _start_ticks(pid: int) -> int | None:
    # Field 22 of /proc/PID/stat: the process's start time since boot (clock ticks); with the
    # pid it names one process, even after the pid is reused. None for a process that has
    # ended, reaped or not (state Z or X, field 3).
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    try:
        fields = stat[stat.rindex(b")") + 2:].split()
        return None if fields[0] in (b"Z", b"X") else int(fields[19])
    except (ValueError, IndexError):
        return None


def _alive(pid: int, ticks: int | None) -> bool:
    if os.path.isdir("/proc/self"):
        # A killed owner its parent has not reaped yet is dead: its devices, told of its death
        # at once, found it "alive" (a zombie), left the run directory and exited (SIGKILL of
        # `radarbench demo` under load: the directory still there 5 s later).
        now = _start_ticks(pid)
        return now is not None and (ticks is None or now == ticks)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_run_dir(name: str, base: str | None = None) -> str:
    """A new private run directory (BASE/radarbench-NAME-XXXX; BASE: the temporary directory)
    marked with this process as its owner. Raises OSError if it cannot be made."""
    path = tempfile.mkdtemp(prefix=f"{RUN_DIR_PREFIX}{name}-", dir=base)
    pid = os.getpid()
    ticks = _start_ticks(pid)
    with open(os.path.join(path, OWNER_FILE), "w", encoding="ascii") as f:
        f.write(f"{pid} {ticks if ticks is not None else '-'}\n")
    return path


def owner_of(run_dir: str) -> tuple[int, int | None] | None:
    """(pid, start ticks or None) from a run directory's owner file; None without one."""
    try:
        with open(os.path.join(run_dir, OWNER_FILE), encoding="ascii") as f:
            pid_text, _, ticks_text = f.read().strip().partition(" ")
        return int(pid_text), (int(ticks_text) if ticks_text.isdigit() else None)
    except (OSError, ValueError):
        return None


def remove_if_owner_dead(run_dir: str) -> bool:
    """Remove `run_dir` if its owner file names a process that is gone. True if removed."""
    owner = owner_of(run_dir)
    if owner is None or _alive(*owner):
        return False
    shutil.rmtree(run_dir, ignore_errors=True)
    return not os.path.exists(run_dir)


def sweep_stale_run_dirs(tmp: str | None = None) -> list[str]:
    """Remove run directories (tempdir/radarbench-*) whose owner died without removing them
    (SIGKILL of a rig and its devices at once). Returns the paths removed."""
    base = tmp or tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(RUN_DIR_PREFIX):
            continue
        path = os.path.join(base, name)
        if os.path.isdir(path) and not os.path.islink(path) and remove_if_owner_dead(path):
            removed.append(path)
    return removed


# --------------------------------------------------------------------------- the parent side

class _State:
    def __init__(self) -> None:
        self.owner_pid: int | None = None     # the process whose handlers these are
        self.count = 0                        # signals received
        self.signums: list[int] = []
        self.raised_at: float | None = None   # monotonic s of the last Interrupted raised
        self.holding = 0                      # depth of holding() sections
        self.previous: dict[int, object] = {}  # handlers before install_interrupt_handlers


_state = _State()


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    if _state.owner_pid != os.getpid():
        # A forked child that has not armed its lifeline yet: the parent decides.
        _on_child_signal(signum, frame)
        return
    _state.count += 1
    _state.signums.append(signum)
    if _state.holding:
        return
    now = time.monotonic()
    if _state.raised_at is not None and now - _state.raised_at < HOLD_OFF_S:
        return
    _state.raised_at = now
    raise Interrupted(signum)


def install_interrupt_handlers() -> bool:
    """SIGINT, SIGTERM and SIGHUP raise Interrupted in this process (main thread only); True if
    installed. A signal the process was started with ignored (nohup's SIGHUP) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        return False
    restore_interrupt_handlers()
    _state.owner_pid = os.getpid()
    for s in _INTERRUPT_SIGNALS:
        if signal.getsignal(s) is signal.SIG_IGN and s != signal.SIGINT:
            continue
        _state.previous[s] = signal.signal(s, _on_interrupt)
    return True


def restore_interrupt_handlers() -> None:
    """Put back the handlers install_interrupt_handlers() replaced; forget the signals seen."""
    global _state
    _state.holding += 1  # no Interrupted while the handlers are being put back
    if threading.current_thread() is threading.main_thread():
        for s, handler in _state.previous.items():
            signal.signal(s, handler)  # type: ignore[arg-type]
    _state = _State()


@contextlib.contextmanager
def interrupt_handlers(restore: bool = True) -> Iterator[None]:
    """install_interrupt_handlers() for the length of a with block (a CLI command).

    restore=False (the whole program is this command): from the end of the block the three
    signals are ignored. The command's work is done and its report is out; the interpreter's
    shutdown resets Python handlers to the default, and a signal then would end the process
    by that signal (exit -N instead of the command's status)."""
    installed = install_interrupt_handlers()
    try:
        yield
    finally:
        if installed:
            if restore:
                restore_interrupt_handlers()
            else:
                hold()
                for s in _state.previous:
                    signal.signal(s, signal.SIG_IGN)


def hold() -> None:
    """From now on (the run is over, its report is being written) signals are counted, not
    raised, until restore_interrupt_handlers()."""
    _state.holding += 1


def release(to: int | None = None) -> None:
    """Undo one hold() (or all those since held() read ``to``): a step of a longer run (a
    find-max step) is over and reported, and what follows may be interrupted again."""
    _state.holding = max(0, _state.holding - 1) if to is None else min(_state.holding, to)


def held() -> int:
    """How many hold()s and holding() sections are in force (0: signals raise)."""
    return _state.holding


def interrupts() -> list[int]:
    """The signal numbers received since install_interrupt_handlers(), oldest first."""
    return list(_state.signums)


def hurried() -> bool:
    """True once a second signal came: the ending should skip graceful waits."""
    return _state.count >= 2


def exit_status_for(signum: int) -> int:
    """The shell's convention for a process ended by `signum`: 128 + signum."""
    return 128 + int(signum)


@contextlib.contextmanager
def holding() -> Iterator[None]:
    """Within: SIGINT/SIGTERM/SIGHUP (through install_interrupt_handlers) are counted, not
    raised, so an ending (stopping devices, writing a report) is not cut half way. Nothing
    is raised on leaving; check interrupts() or hurried()."""
    _state.holding += 1
    try:
        yield
    finally:
        _state.holding -= 1


__all__ = [
    "ENV_PARENT", "ENV_RUN_DIR", "Interrupted", "child_env", "cleanup_orphaned_run_dir",
    "die_with_parent", "exit_status_for", "from_environment", "held", "hold", "holding", "hurried",
    "install_interrupt_handlers", "interrupt_handlers", "interrupts", "make_run_dir", "owner_of", "parent_gone",
    "pdeathsig_setter", "release", "remove_if_owner_dead", "restore_interrupt_handlers", "set_pdeathsig",
    "sweep_stale_run_dirs",
]
