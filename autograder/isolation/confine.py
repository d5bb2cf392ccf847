"""Confine a sandboxed worker by construction, with what the kernel gives any user.

A worker is forked from the zygote (`autograder.isolation.zygote`) in two steps, and confined before it
reads its first request, whether the grader runs as root or not:

- **Namespaces** (`enter_namespaces`, then `confine` in the child): its own PID namespace,
  where it is PID 1, so it sees no other process and everything it starts dies with it; its
  own network namespace (no network at all), IPC, UTS and mount namespaces; a user namespace
  when the grader is not root. Its /tmp, /var/tmp and /dev/shm are small tmpfs of its own,
  gone with it; /run is empty; /proc shows its own processes only.
- **Landlock** (`_landlock`): it reads only Python's library, the virtual environment, the
  autograder's code without `references/hidden`, the data cache and a few system files;
  it writes only /dev/null and its own tmpfs; it may not bind or connect TCP, nor send a
  signal or reach an abstract socket outside its own Landlock domain.
- **Limits**: processes and memory of the whole worker (a cgroup when root; otherwise
  RLIMIT_NPROC, counted in its own user namespace, and RLIMIT_AS per process), file size,
  no core dumps. Then every capability is dropped and no_new_privs is set.

`probe()` finds out, once per zygote, what this kernel offers; a `Plan` is what the forks
then do, and `Plan.report()` says what holds and what does not, for the verdict's JSON
and nbgrader's log. Everything here runs in the zygote or its children, never in the grader.
"""
from __future__ import annotations

import ctypes
import os
import resource
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.paths import HIDDEN, PACKAGE, PUBLIC, SOLUTIONS

PROCESSES = 64  # processes and threads of one worker: torch, fastai and any student code fit
FILE_BYTES = 256 * 2**20  # the largest file it may write (its tmpfs are smaller anyway)
TMPFS = "size=64m,nr_inodes=4096,mode=1777"
COPIED_BYTES = 2**30  # the zygote's pages a worker may copy on write, on top of its own memory
PRIVATE_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # its own, writable, small
EMPTIED_DIRS = ("/run",)  # sockets of the machine's services live there: hidden
SYSTEM_READS = ("/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/mime.types",
                "/etc/ssl/certs", "/etc/fonts", "/sys/devices/system/cpu", "/dev/zero", "/dev/full",
                "/dev/random", "/dev/urandom")

# Linux constants (include/uapi/linux/sched.h, mount.h, prctl.h, landlock.h, capability.h)
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_SECUREBITS = 1, 24, 28
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 36, 38, 47, 4
SECURE_ALL_LOCKED = 0b11101111  # NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE (+ locks), no KEEP_CAPS
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_TRUNCATE, FS_IOCTL_DEV = 1 << 14, 1 << 15
FS_BITS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}  # how many access bits each ABI knows
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)


class ConfineError(OSError):
    """A step of the confinement failed where the probe said it would work."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _or_raise(result: int, what: str) -> int:
    """A libc call's result, or ConfineError with errno's words when it failed (< 0)."""
    if result < 0:
        errno = ctypes.get_errno()
        raise ConfineError(errno, f"{what}: {os.strerror(errno)}")
    return result


def landlock_abi() -> int:
    """The Landlock ABI version this kernel offers (0: none)."""
    version = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(int(version), 0)


@dataclass(frozen=True)
class Cgroups:
    """The cgroup folders (v1 or v2) under which each worker gets one of its own: pids and memory."""

    pids: str
    memory: str
    v2: bool

    def folders(self, name: str) -> list[str]:
        return [os.path.join(self.pids, name)] if self.pids == self.memory else \
            [os.path.join(self.pids, name), os.path.join(self.memory, name)]


@dataclass(frozen=True)
class Plan:
    """What a fork does to confine its worker: decided once by `probe()`."""

    as_root: bool
    landlock: int  # the ABI used, 0 when the kernel has none
    namespaces: bool  # pid, network, IPC, UTS, mount (and user when not root)
    own_proc: bool  # a /proc of its own PID namespace
    cgroups: Cgroups | None  # when root and cgroups are writable
    reads: tuple[str, ...] = field(default=())  # what it may read (folders and files)
    problems: tuple[str, ...] = field(default=())  # why something is missing

    def report(self) -> dict:
        """What holds for every worker, and what is unprotected, as plain data."""
        held = {
            "files": "Landlock: reads only Python, the venv, the autograder without hidden references "
                     "and the data; writes only its own tmpfs" if self.landlock else
                     ("runs as nobody: the solutions and hidden references are readable by their owner only"
                      if self.as_root else "not confined: it reads what the grading user reads"),
            "network": "none (a network namespace of its own)" if self.namespaces else
                       ("no TCP (Landlock)" if self.landlock >= 4 else "not confined"),
            "processes": "a PID namespace of its own: it sees no other process, and all it starts dies with it"
                         if self.namespaces else "its process group is killed; a new session escapes",
            "process_count": (f"at most {PROCESSES} (cgroup)" if self.cgroups else
                              f"at most {PROCESSES} (RLIMIT_NPROC in its user namespace)" if self.namespaces
                              and not self.as_root else "not bounded"),
            "memory": ("bounded as a whole (cgroup) and per process (RLIMIT_AS)" if self.cgroups else
                       "bounded per process only (RLIMIT_AS): its processes together may hold more"),
            "temporary_files": "its own tmpfs of 64 MiB, gone with it" if self.namespaces else
                               ("none writable" if self.landlock else "the machine's /tmp, left behind"),
        }
        unprotected = [k for k, v in held.items() if v.startswith(("not ", "its process group", "bounded per",
                                                                   "the machine"))]
        return {"held": held, "unprotected": unprotected, "problems": list(self.problems)}


def read_paths() -> tuple[str, ...]:
    """What a worker may read: Python and its packages, the system's libraries, the data cache.
    Never a folder that holds the course (the repository, or any folder above it): the
    autograder's own folder is added by `_landlock`, without its hidden references."""
    candidates = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    candidates.update(os.path.realpath(entry) for entry in sys.path if entry and os.path.isdir(entry))
    candidates.update(p for p in SYSTEM_READS if os.path.exists(p))
    paths = {p for p in candidates if not _holds_the_course(p)}
    try:
        from autograder.core import data

        cache = data.fastai_data_folder() / "mnist_png" / data.CACHE_NAME
        if cache.exists():
            paths.add(str(cache))
    except Exception:  # no fastai configuration: nothing to read there
        pass
    return tuple(sorted(paths))


def _holds_the_course(path: str) -> bool:
    """Whether `path` is the package, or the repository or a folder above it (reading it would
    read the solutions and the hidden references). The folder of an installed package (a
    wheel's site-packages, where solutions/, source/, .git and the hidden references are not)
    is no repository: it stays readable, the rest of the environment with it."""
    if path.startswith(str(PACKAGE)):
        return True
    if not any((PACKAGE.parent / name).exists() for name in ("solutions", "source", ".git")) \
            and not any(HIDDEN.glob("*.pt")):
        return False
    course = str(PACKAGE.parent)
    return course == path or course.startswith(path.rstrip("/") + "/")


def probe() -> Plan:
    """Try, in a throwaway child, what a fork will do; keep the strongest plan that works here."""
    as_root, abi, reads = os.geteuid() == 0, landlock_abi(), read_paths()
    cgroups = _cgroups() if as_root else None
    problems = [] if abi else ["this kernel has no Landlock"]
    if as_root and cgroups is None:
        problems.append("no writable cgroup")
    for namespaces, own_proc, landlock in ((True, True, abi), (True, False, abi), (False, False, abi),
                                           (False, False, 0)):
        plan = Plan(as_root, landlock, namespaces, own_proc, cgroups, reads)
        failure = _try(plan)
        if failure is None:
            break
        problems.append(failure)
    if as_root and not plan.landlock:
        protect_private_files()
    return Plan(as_root, plan.landlock, plan.namespaces, plan.own_proc, cgroups, reads, tuple(problems))


def _try(plan: Plan) -> str | None:
    """None when a child can do everything `plan` says, else what failed first."""
    read, write = os.pipe()
    name = f"probe-{os.getpid()}"
    pid = os.fork()
    if pid == 0:  # the first child, then (with namespaces) PID 1 of the new namespace
        os.close(read)
        try:
            enter_namespaces(plan)
            inner = os.fork() if plan.namespaces else 0
            if inner == 0:
                confine(plan, 2**30, name)
                os._exit(0)
            os._exit(os.waitstatus_to_exitcode(os.waitpid(inner, 0)[1]))
        except BaseException as error:
            os.write(write, f"{type(error).__name__}: {error}".encode()[:300])
            os._exit(1)
    os.close(write)
    said = b""
    while chunk := os.read(read, 4096):
        said += chunk
    os.close(read)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    remove_cgroups(plan, name)
    return None if code == 0 else (said.decode(errors="replace") or f"the test child exited with {code}")


def enter_namespaces(plan: Plan) -> None:
    """In the first child: new namespaces; the next fork is PID 1 of the new PID namespace."""
    if not plan.namespaces:
        return
    flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWUTS
    uid, gid = os.geteuid(), os.getegid()
    if not plan.as_root:
        flags |= CLONE_NEWUSER
    _or_raise(_libc.unshare(flags), "unshare")
    if not plan.as_root:  # root inside, the grading user outside
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")


def confine(plan: Plan, memory_bytes: int, name: str) -> None:
    """In the worker (PID 1 of its namespace), before it reads anything: limits, its own
    file system view, Landlock, and no privilege left."""
    if plan.cgroups:
        _join_cgroups(plan, name, memory_bytes)
    if plan.namespaces:
        _mount_private_dirs(plan)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    if plan.namespaces and not plan.as_root:
        resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))
    _or_raise(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if plan.landlock:
        _landlock(plan)
    elif plan.as_root:
        _become_nobody()
    _drop_capabilities()


def _cgroups() -> Cgroups | None:
    """This process's pids and memory cgroups, if a child cgroup can be made in each."""
    mine = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else ["unified"]:
                mine[controller] = path
    except OSError:
        return None
    if "pids" in mine and "memory" in mine:
        found = Cgroups(f"/sys/fs/cgroup/pids{mine['pids']}", f"/sys/fs/cgroup/memory{mine['memory']}", False)
    elif "unified" in mine and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        folder = f"/sys/fs/cgroup{mine['unified']}"
        found = Cgroups(folder, folder, True)
    else:
        return None
    test = f"autograder-test-{os.getpid()}"
    try:
        for folder in found.folders(test):
            os.mkdir(folder)
        _limit(found, test, 2**30)
        return found
    except OSError:
        return None
    finally:
        for folder in found.folders(test):
            try:
                os.rmdir(folder)
            except OSError:
                pass


def _limit(cgroups: Cgroups, name: str, memory_bytes: int) -> None:
    pids, memory = cgroups.folders(name)[0], cgroups.folders(name)[-1]
    Path(pids, "pids.max").write_text(str(PROCESSES))
    Path(memory, "memory.max" if cgroups.v2 else "memory.limit_in_bytes").write_text(str(memory_bytes))


def _join_cgroups(plan: Plan, name: str, memory_bytes: int) -> None:
    for folder in plan.cgroups.folders(name):
        os.makedirs(folder, exist_ok=True)
    _limit(plan.cgroups, name, memory_bytes + COPIED_BYTES)
    for folder in plan.cgroups.folders(name):
        Path(folder, "cgroup.procs").write_text("0")


def remove_cgroups(plan: Plan, name: str) -> bool:
    """Remove a worker's cgroups once it is gone; True if it was killed for using too much memory."""
    if not plan.cgroups:
        return False
    oom = False
    memory = plan.cgroups.folders(name)[-1]
    try:
        events = Path(memory, "memory.events" if plan.cgroups.v2 else "memory.oom_control").read_text()
        oom = any(line.split()[0] == "oom_kill" and int(line.split()[1]) > 0 for line in events.splitlines())
    except (OSError, IndexError, ValueError):
        pass
    for folder in plan.cgroups.folders(name):
        try:
            os.rmdir(folder)
        except OSError:
            pass
    return oom


def _mount(source, target, fstype, flags, data=None) -> None:
    _or_raise(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                          data and data.encode()), f"mount {target}")


def _mount_private_dirs(plan: Plan) -> None:
    """Its own /tmp, /var/tmp and /dev/shm (what it may read there stays visible), an empty
    /run, an empty folder in place of the hidden references (a course under /tmp is re-bound
    inside a folder Landlock lets it read in full), and a /proc of its own PID namespace."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted here reaches the machine
    for folder in PRIVATE_DIRS:
        if os.path.isdir(folder) and not os.path.islink(folder):
            under = sorted(p for p in plan.reads + (str(PACKAGE),) if p.startswith(folder + "/"))
            outermost = [p for i, p in enumerate(under) if not any(p.startswith(q + "/") for q in under[:i])]
            kept = [(p, os.open(p, os.O_PATH | os.O_CLOEXEC)) for p in outermost]  # the rest comes with them
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, TMPFS)
            for path, fd in kept:  # a venv or a course under /tmp stays readable
                _bind_read_only(fd, path)
    for folder in EMPTIED_DIRS + (str(HIDDEN),):  # the hidden references: empty, whatever Landlock allows
        if os.path.isdir(folder) and not os.path.islink(folder):
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=755")
    if plan.own_proc:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def _bind_read_only(fd: int, path: str) -> None:
    """Mount what `fd` opened (before it was covered) at `path`, read-only."""
    if os.path.isdir(f"/proc/self/fd/{fd}"):
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "a").close()
    _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
    _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.close(fd)


def _landlock(plan: Plan) -> None:
    abi = plan.landlock
    handled = (1 << FS_BITS_BY_ABI.get(abi, 16)) - 1
    attr = _RulesetAttr(handled, (NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0,
                        (SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = _or_raise(_libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                                      ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        for path, rights in _rules(plan, handled):
            _allow(ruleset, path, rights & handled)
        _or_raise(_libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _rules(plan: Plan, handled: int) -> list[tuple[str, int]]:
    """(path, allowed access) pairs: the autograder without its hidden references, the reads,
    /dev/null, and (with namespaces) its own tmpfs and /proc."""
    rules = [(p, READ) for p in plan.reads]
    rules.append((str(PACKAGE), FS_READ_DIR))  # listing it (imports); reading only what follows
    for child in PACKAGE.iterdir():
        if child.name != "references":
            rules.append((str(child), READ))
    rules.append((str(PUBLIC), READ))
    rules.append(("/dev/null", FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE | FS_IOCTL_DEV))
    if plan.namespaces:
        rules += [(d, handled) for d in PRIVATE_DIRS if os.path.isdir(d) and not os.path.islink(d)]
    if plan.own_proc:
        rules.append(("/proc", READ))
    return rules


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this machine
    try:
        if not os.path.isdir(f"/proc/self/fd/{fd}"):
            rights &= FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        _or_raise(_libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule),
                                ctypes.c_uint32(0)), f"landlock_add_rule {path}")
    finally:
        os.close(fd)


def protect_private_files() -> None:
    """Without Landlock, as root (once, by the zygote): the solutions and the hidden references
    readable by their owner only, so that workers run as nobody cannot read them."""
    for folder in (SOLUTIONS, HIDDEN):
        if folder.exists():
            folder.chmod(0o700)


def _become_nobody() -> None:
    """Without Landlock, as root: the worker becomes nobody, who cannot read what only root reads."""
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)


def _drop_capabilities() -> None:
    """No capability left, none to gain back: bounding set, ambient set, securebits, then capset."""
    try:
        last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        last = 40
    for cap in range(last + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # fails without CAP_SETPCAP: nothing to drop then
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    _libc.prctl(PR_SET_SECUREBITS, SECURE_ALL_LOCKED, 0, 0, 0)
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    _or_raise(_libc.capset(ctypes.byref(header), data), "capset")


def become_subreaper() -> None:
    """Workers whose first parent exited become the zygote's children, so it can reap them."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
