"""A persistent, on-disk cache of compiled artifacts, shared between processes.

It knows nothing about graphs: callers give a key (a hex string they computed), files and a small JSON
metadata dict, and get them back in a later process. Under the cache folder (every folder mode 0o700)::

    v2/<key[:2]>/<key>/{<files>, manifest.json}   entries; each appears at once, by a folder rename
    tmp/                                          staging folders of puts and of compiled artifacts in flight
    locks/<key>.lock                              inter-process build locks

An entry is verified (its key, the size and CRC-32 of each file) on every read; a damaged one is removed
and reads as missing. Eviction is least-recently-used (a read touches the manifest's mtime) down to
``max_bytes``, sparing entries used in the last ``GRACE_SECONDS`` (so that an entry another process
just got stays readable while it opens the files; the bound may be exceeded meanwhile; ``clear()``
spares nothing). No cache failure (read-only folder, full disk, a folder owned by another user) breaks the
caller: reads miss, and writes return a *non-persisted* entry (``persisted`` False) whose files live in a
temporary folder private to this process, removed at interpreter exit. Such failures give one
RuntimeWarning per process.

Paths (``CompiledCache.directory``, ``CacheEntry.path``, ``CacheEntry.file()``, ``cache_directory()``)
are ``str``. A cache hit sits on the path of every graph build, so this module imports only cheap modules
(no pathlib, shutil, tempfile: together they cost several milliseconds); shutil and tempfile are imported
only where a removal, or a write that cannot be stored, needs them.

Environment: ``WEBNN_CACHE_DIR`` (the folder), ``WEBNN_CACHE=0|off|false|no`` (disabled),
``WEBNN_CACHE_MAX_SIZE`` (bytes, or with a K/M/G/T suffix, powers of 1024; default 2 GiB).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tempfile

__all__ = ["DEFAULT_MAX_BYTES", "STORE_THREAD", "CacheEntry", "CompiledCache", "cache_directory", "cache_settings",
           "default_cache", "format_bytes", "remove_tree", "wait_for_stores"]

DEFAULT_MAX_BYTES = 2 << 30
FORMAT, VERSION, MANIFEST = "webnn-cache", 2, "manifest.json"
STALE_SECONDS = 3600.0  # tmp/ folders older than this are leftovers of dead processes
GRACE_SECONDS = 10.0  # evict() spares entries used (got or stored) this recently
RESCAN_SECONDS = 300.0  # put() re-measures the cache at least this often (other processes add to it)
_KEY = re.compile(r"[0-9a-f]{16,128}")
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}")
_SIZE = re.compile(r"(\d+(?:\.\d*)?)\s*([KMGT]?)(?:I?B)?")
# Errors that mean "no such file" (as pathlib's is_file() and is_dir() take them); others are raised.
_MISSING_ERRNOS = frozenset((errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP))
_MISSING_WINERRORS = frozenset((21, 123, 1921))  # not ready, invalid name, cannot resolve the name
_REPARSE_POINT = 0x400  # FILE_ATTRIBUTE_REPARSE_POINT: a Windows symlink or junction

FileSource = bytes | bytearray | memoryview | str | os.PathLike[str]  # data, or the path of a file to copy
BuildResult = tuple[Mapping[str, FileSource], Mapping[str, Any]]

_state_lock = threading.Lock()
_warned = False
_scratch: tempfile.TemporaryDirectory[str] | None = None
_default: tuple[tuple[str | None, int], CompiledCache | None] | None = None


def _warn(directory: str, why: object) -> None:
    global _warned
    with _state_lock:
        warned, _warned = _warned, True
    if not warned:
        warnings.warn(f"webnn cache: the folder {directory} is not usable ({why}); continuing without "
                      "caching there", RuntimeWarning, stacklevel=3)


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"cache key must be 16 to 128 lowercase hex digits, got {key!r}")
    return key


def _valid_name(name: object) -> bool:
    return isinstance(name, str) and _NAME.fullmatch(name) is not None and name != MANIFEST


def _stat(path: str) -> os.stat_result | None:
    """``os.stat(path)`` (following links), or None when there is nothing there; other errors raise."""
    try:
        return os.stat(path)
    except OSError as exc:
        if exc.errno in _MISSING_ERRNOS or getattr(exc, "winerror", None) in _MISSING_WINERRORS:
            return None
        raise


def _is_dir(path: str) -> bool:
    st = _stat(path)
    return st is not None and stat.S_ISDIR(st.st_mode)


def _listdir(path: str) -> list[os.DirEntry[str]]:
    """The folder's entries; none when it does not exist (or is not a folder)."""
    try:
        with os.scandir(path) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _rmtree(path: str) -> None:
    """Delete ``path``, ignoring errors. A link (symlink, Windows junction) is removed itself, never
    followed: whatever it points to, in the cache folder or out of it, stays."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode) and not getattr(st, "st_file_attributes", 0) & _REPARSE_POINT:
        import shutil  # (its rmtree does not follow links in the tree either)
        shutil.rmtree(path, ignore_errors=True)
        return
    try:
        os.unlink(path)
    except OSError:
        with contextlib.suppress(OSError):
            os.rmdir(path)  # a Windows link to a folder


#: (for the compiled-artifact folders of :mod:`webnn.compile`)
remove_tree = _rmtree


def _mkdtemp(parent: str, prefix: str) -> str:
    """A new folder (mode 0o700) with a random name in ``parent``."""
    for _attempt in range(100):
        path = os.path.join(parent, prefix + os.urandom(8).hex())
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no unused temporary folder name", parent)


class CacheEntry:
    """An entry: ``path`` is its folder, ``meta`` the metadata given to ``put()``, ``sizes`` the size of
    each file. ``persisted`` is False for content that could not be stored (see the module's doc)."""

    __slots__ = ("key", "path", "meta", "sizes", "persisted", "checksums")

    def __init__(self, key: str, path: str, meta: dict[str, Any], sizes: dict[str, int],
                 persisted: bool = True) -> None:
        self.key, self.path, self.meta, self.sizes, self.persisted = key, path, meta, sizes, persisted
        #: File name -> the CRC-32 its manifest records (entries read from the cache).
        self.checksums: dict[str, str] = {}

    def file(self, name: str) -> str:
        """The path of a stored file; KeyError if the entry has no such file."""
        if name not in self.sizes:
            raise KeyError(name)
        return os.path.join(self.path, name)

    def read(self, name: str) -> bytes:
        with open(self.file(name), "rb") as f:
            return f.read()

    def __repr__(self) -> str:
        return f"CacheEntry({self.key[:16]}..., files={sorted(self.sizes)}, persisted={self.persisted})"


def _write(folder: str, files: Mapping[str, FileSource]) -> dict[str, dict[str, Any]]:
    """Write every file into ``folder``; returns the manifest's ``files`` table.

    Nothing is fsynced: the rename makes an entry appear whole to other processes, and an
    entry that a crash leaves torn fails its digest check and is rebuilt, so durability would
    only cost every build a disk flush."""
    import zlib

    table: dict[str, dict[str, Any]] = {}
    for name, source in files.items():
        crc = 0
        path = os.path.join(folder, name)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600),
                  "wb") as out:
            if isinstance(source, bytes | bytearray | memoryview):
                view = memoryview(source).cast("B")
                crc = zlib.crc32(view)
                out.write(view)
            else:
                with open(os.fspath(source), "rb") as src:
                    while chunk := src.read(1 << 20):
                        crc = zlib.crc32(chunk, crc)
                        out.write(chunk)
            table[name] = {"size": out.tell(), "crc32": f"{crc:08x}"}
    return table


def _crc32_file(path: str) -> str:
    """The CRC-32 of a file's bytes, as 8 hex digits.  The file is mapped, not read: the sum
    runs over the page cache's own pages (about 3.5 GB/s, twice as fast as reading chunks
    into new buffers, and no memory allocated)."""
    import zlib

    with open(path, "rb", buffering=0) as file:
        size = os.fstat(file.fileno()).st_size
        if size == 0:
            return f"{0:08x}"
        import mmap

        try:
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as view:
                return f"{zlib.crc32(view):08x}"
        except (OSError, ValueError):  # a file that cannot be mapped is read in chunks
            crc = 0
            while chunk := file.read(8 << 20):
                crc = zlib.crc32(chunk, crc)
            return f"{crc:08x}"


def _source_size(source: FileSource) -> int:
    if isinstance(source, bytes | bytearray | memoryview):
        return memoryview(source).nbytes
    return os.stat(os.fspath(source)).st_size


def _read_manifest(folder: str) -> tuple[dict[str, Any], int] | None:
    """The manifest (format, names and types checked) and its size in bytes; None when unusable."""
    try:
        with open(os.path.join(folder, MANIFEST), "rb") as f:
            data = f.read()
        manifest = json.loads(data)
    except (OSError, ValueError):
        return None
    if (not isinstance(manifest, dict) or manifest.get("format") != FORMAT
            or manifest.get("version") != VERSION or not isinstance(manifest.get("key"), str)
            or not isinstance(manifest.get("meta"), dict) or not isinstance(manifest.get("files"), dict)):
        return None
    for name, info in manifest["files"].items():
        if (not _valid_name(name) or not isinstance(info, dict) or type(info.get("size")) is not int
                or info["size"] < 0 or not isinstance(info.get("crc32"), str)):
            return None
    return manifest, len(data)


def _remove(folder: str, trash: str) -> None:
    """Remove an entry folder: renamed away first (so it vanishes at once), then deleted."""
    target = os.path.join(trash, f"{os.urandom(8).hex()}.del")
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(trash, 0o700)
        os.rename(folder, target)
    except OSError:
        target = folder
    _rmtree(target)


def _scratch_folder(key: str) -> str:
    """A fresh folder in this process's private temporary folder (removed at interpreter exit)."""
    global _scratch
    import tempfile  # only content that cannot be stored comes here

    with _state_lock:
        if _scratch is None:
            _scratch = tempfile.TemporaryDirectory(prefix="webnn-cache-")
        return _mkdtemp(_scratch.name, key[:16] + "-")


class CompiledCache:
    """A cache folder. Making the object touches no file; the folder is made by the first put()."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory: str = os.path.abspath(os.fspath(directory))
        self.max_bytes = int(max_bytes)
        self._owner_ok: bool | None = None
        self._estimate: int | None = None  # bytes in the cache, as far as this object knows
        self._scanned_at = 0.0
        self._lock = threading.Lock()

    def _usable(self) -> bool:
        """False (with a warning) when the folder belongs to another user: its content is not trusted."""
        if self._owner_ok is None:
            try:
                uid = os.stat(self.directory).st_uid
            except FileNotFoundError:
                return True  # put() makes it
            except OSError as exc:
                _warn(self.directory, exc)
                uid = -1
            self._owner_ok = not hasattr(os, "geteuid") or uid == os.geteuid()
            if not self._owner_ok and uid != -1:
                _warn(self.directory, f"it is owned by user id {uid}, not by this user")
        return self._owner_ok

    def _mkdir(self, *parts: str) -> str:
        """Make the folder ``parts`` (relative to the cache folder) and the folders between, each with mode
        0o700; returns its path."""
        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            os.chmod(self.directory, 0o700)  # whatever the umask
        path = self.directory
        for part in parts:  # (os.makedirs: parents get the umask's mode)
            path = os.path.join(path, part)
            with contextlib.suppress(FileExistsError):
                os.mkdir(path, 0o700)
        return path

    def staging_folder(self, prefix: str) -> str:
        """A new private folder (mode 0o700) in the cache's ``tmp`` folder, for a caller that
        writes files there before :meth:`put` (removed by the caller, or as stale by eviction);
        OSError when the cache folder cannot be written."""
        return _mkdtemp(self._mkdir("tmp"), prefix)

    def _entry_folder(self, key: str) -> str:
        return os.path.join(self.directory, f"v{VERSION}", key[:2], key)

    def _verify(self, key: str, folder: str, checksums: bool = True) -> CacheEntry | None:
        found = _read_manifest(folder)
        if found is None or found[0]["key"] != key:
            return None
        files = found[0]["files"]
        for name, info in files.items():
            path = os.path.join(folder, name)
            st = _stat(path)
            if st is None or not stat.S_ISREG(st.st_mode) or st.st_size != info["size"]:
                return None
            try:  # (FileNotFoundError: evicted meanwhile by another process)
                if checksums and _crc32_file(path) != info["crc32"]:
                    return None
            except FileNotFoundError:
                return None
        entry = CacheEntry(key, folder, found[0]["meta"], {name: info["size"] for name, info in files.items()})
        entry.checksums = {name: info["crc32"] for name, info in files.items()}
        return entry

    def check(self, entry: CacheEntry) -> bool:
        """Whether every file of an entry from ``get(key, checksums=False)`` still has the size
        and CRC-32 its manifest records (False: the entry is removed)."""
        try:
            good = all(
                _crc32_file(entry.file(name)) == crc for name, crc in entry.checksums.items()
            )
        except OSError:
            good = False
        if not good:
            self.discard(entry.key)
        return good

    def get(self, key: str, *, checksums: bool = True) -> CacheEntry | None:
        """The verified entry, or None: missing, damaged (then removed), or the cache is not usable.

        ``checksums=False`` checks the manifest and the file sizes only; the caller then checks
        the contents with :meth:`check` (while it loads them, say) before trusting what it made."""
        folder = self._entry_folder(_check_key(key))
        if not self._usable():
            return None
        try:
            if not _is_dir(folder):
                return None
            entry = self._verify(key, folder, checksums)
            if entry is None:
                _remove(folder, os.path.join(self.directory, "tmp"))
                return None
            with contextlib.suppress(OSError):  # the last-use time, for LRU eviction
                os.utime(os.path.join(folder, MANIFEST))
            return entry
        except OSError as exc:
            _warn(self.directory, exc)
            return None

    def discard(self, key: str) -> None:
        """Remove the entry of ``key`` (if any): for a caller that found a verified entry it cannot
        use, so that the next build replaces it instead of meeting it again."""
        folder = self._entry_folder(_check_key(key))
        if not self._usable():
            return
        try:
            if _is_dir(folder):
                _remove(folder, os.path.join(self.directory, "tmp"))
        except OSError as exc:
            _warn(self.directory, exc)

    def put(self, key: str, files: Mapping[str, FileSource], meta: Mapping[str, Any]) -> CacheEntry:
        """Store ``files`` (data, or paths of files to copy) and ``meta`` under ``key``; returns the entry.
        If another process stored ``key`` first, returns theirs. When the entry cannot be stored (larger
        than ``max_bytes``, an OSError, a folder owned by another user) the result is non-persisted."""
        _check_key(key)
        for name in files:
            if not _valid_name(name):
                raise ValueError(f"cache file name must be a plain name of [A-Za-z0-9._-] (not {MANIFEST!r},"
                                 f" no leading dot), got {name!r}")
        meta_json = json.dumps(dict(meta), sort_keys=True, allow_nan=False)  # TypeError, ValueError: a bug
        plain_meta = json.loads(meta_json)  # what get() gives back (tuples become lists)
        total = sum(_source_size(source) for source in files.values()) + len(meta_json) + 300
        if total <= self.max_bytes and self._usable():
            try:
                entry = self._store(key, files, plain_meta)
                if entry is not None:
                    return entry
            except OSError as exc:
                _warn(self.directory, exc)
        table = _write(folder := _scratch_folder(key), files)
        return CacheEntry(key, folder, plain_meta, {n: i["size"] for n, i in table.items()}, persisted=False)

    def _store(self, key: str, files: Mapping[str, FileSource], meta: dict[str, Any]) -> CacheEntry | None:
        tmp, final = self._mkdir("tmp"), self._entry_folder(key)
        self._mkdir(f"v{VERSION}", key[:2])
        staging = _mkdtemp(tmp, key[:16] + "-")
        try:
            table = _write(staging, files)
            manifest = {"format": FORMAT, "version": VERSION, "key": key, "files": table, "meta": meta}
            written = _write(staging, {MANIFEST: json.dumps(manifest, indent=1, sort_keys=True).encode()})
            size = sum(info["size"] for info in table.values()) + written[MANIFEST]["size"]
            for _attempt in range(2):
                try:
                    os.rename(staging, final)
                except OSError:
                    if not os.path.exists(final):
                        raise
                    theirs = self._verify(key, final)  # another process won the race: keep theirs
                    if theirs is not None:
                        return theirs
                    _remove(final, tmp)
                    continue
                self._account(size)
                return CacheEntry(key, final, meta, {n: info["size"] for n, info in table.items()})
            return None
        finally:
            _rmtree(staging)  # (gone after the rename: nothing to do)

    def _account(self, size: int) -> None:
        """Keep a running estimate of the cache's size; evict (a full scan) when over the bound or stale."""
        with self._lock:
            stale = self._estimate is None or time.monotonic() - self._scanned_at > RESCAN_SECONDS
            self._estimate = (self._estimate or 0) + size
            over = stale or self._estimate > self.max_bytes
        if over:
            self.evict()

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """An exclusive inter-process lock for building ``key``; a no-op (with the warning) when the lock
        file cannot be made, since the cache is best-effort: then two processes may build the same entry."""
        name = f"{_check_key(key)}.lock"
        try:
            if not self._usable():
                raise PermissionError("the folder is owned by another user")
            fd = os.open(os.path.join(self._mkdir("locks"), name), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            _warn(self.directory, exc)
            yield
            return
        try:
            if sys.platform == "win32":
                import msvcrt
                while True:  # LK_LOCK gives up after 10 s: keep waiting
                    with contextlib.suppress(OSError):
                        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                        break
            else:
                import fcntl
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def get_or_build(self, key: str, build: Callable[[], BuildResult]) -> CacheEntry:
        """The entry for ``key``; when missing, ``build()`` gives (files, meta), built once across
        processes (under ``lock(key)``) and stored. Always usable; ``persisted`` says if it was stored."""
        entry = self.get(key)
        if entry is None:
            with self.lock(key):
                entry = self.get(key)  # another process may have built it meanwhile
                if entry is None:
                    files, meta = build()
                    entry = self.put(key, files, meta)
        return entry

    def _scan(self) -> tuple[list[tuple[float, int, str]], list[str]]:
        """(last use, size, folder) of every valid entry; and the folders of invalid ones."""
        valid: list[tuple[float, int, str]] = []
        invalid: list[str] = []
        for prefix in _listdir(os.path.join(self.directory, f"v{VERSION}")):
            for folder in (_listdir(prefix.path) if prefix.is_dir() else ()):
                if not folder.is_dir():
                    continue  # not an entry: left alone
                found = _read_manifest(folder.path)
                if found is None or found[0]["key"] != folder.name:
                    invalid.append(folder.path)
                    continue
                with contextlib.suppress(OSError):
                    size = found[1] + sum(info["size"] for info in found[0]["files"].values())
                    valid.append((os.stat(os.path.join(folder.path, MANIFEST)).st_mtime, size, folder.path))
        return valid, invalid

    def info(self) -> dict[str, Any]:
        """{"path", "entries", "bytes", "max_bytes"} of the cache folder; creates nothing."""
        try:
            valid = self._scan()[0]
        except OSError as exc:
            _warn(self.directory, exc)
            valid = []
        return {"path": self.directory, "entries": len(valid), "bytes": sum(s for _, s, _ in valid),
                "max_bytes": self.max_bytes}

    def clear(self) -> int:
        """Remove every entry (and stale staging folders); returns the number of entries removed."""
        return self._shrink(-1, 0.0)

    def evict(self) -> int:
        """Remove the least recently used entries (but none used in the last ``GRACE_SECONDS``) until the
        cache holds at most ``max_bytes``; damaged entries and stale staging folders go too. Returns the
        number of entries removed."""
        return self._shrink(self.max_bytes, GRACE_SECONDS)

    def _shrink(self, bound: int, grace: float) -> int:
        if not self._usable():
            return 0
        tmp = os.path.join(self.directory, "tmp")
        try:
            valid, invalid = self._scan()
            total = sum(size for _, size, _ in valid)
            for folder in invalid:
                _remove(folder, tmp)
            removed = len(invalid)
            now = time.time()
            for used, size, folder in sorted(valid, key=lambda item: item[0]):
                if total <= bound or used > now - grace:
                    break
                _remove(folder, tmp)
                total, removed = total - size, removed + 1
            for leftover in _listdir(tmp):  # leftovers of dead processes
                with contextlib.suppress(OSError):
                    if leftover.name.endswith(".del") or now - leftover.stat().st_mtime > STALE_SECONDS:
                        _rmtree(leftover.path)
        except OSError as exc:
            _warn(self.directory, exc)
            return 0
        with self._lock:
            self._estimate, self._scanned_at = max(total, 0), time.monotonic()
        return removed


def format_bytes(n: float) -> str:
    """``n`` bytes for people: 512 B, 1.5 KiB, 2.0 GiB."""
    for unit in ("B", "KiB", "MiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _user_cache_folder() -> str:
    """The platform's user cache folder for webnn, as platformdirs (``user_cache_dir("webnn",
    appauthor=False)``) gives it on Linux and other Unix, macOS and Windows, without importing it (with
    pathlib, shutil and tempfile it costs milliseconds: this is on the path of every cache hit);
    elsewhere (Android, iOS, Windows without LOCALAPPDATA) platformdirs' answer, when installed."""
    android = bool(os.environ.get("ANDROID_DATA")) and bool(os.environ.get("ANDROID_ROOT"))
    if sys.platform == "win32":
        if os.environ.get("LOCALAPPDATA"):
            return os.path.join(os.path.normpath(os.environ["LOCALAPPDATA"]), "webnn", "Cache")
    elif not android and sys.platform not in ("ios", "android"):
        xdg = os.environ.get("XDG_CACHE_HOME", "")  # (platformdirs takes it on macOS too; absolute only)
        if os.path.isabs(xdg):
            return os.path.join(xdg, "webnn")
        return os.path.join(os.path.expanduser("~/Library/Caches" if sys.platform == "darwin" else "~/.cache"),
                            "webnn")
    try:
        import platformdirs
    except ImportError:
        if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
            return os.path.join(os.environ["LOCALAPPDATA"], "webnn", "Cache")
        return os.path.join(os.path.expanduser("~"), ".cache", "webnn")
    return str(platformdirs.user_cache_dir("webnn", appauthor=False))


def cache_directory() -> str:
    """The cache folder the environment names (whether or not ``WEBNN_CACHE`` disables the cache)."""
    configured = os.environ.get("WEBNN_CACHE_DIR", "").strip()
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    return os.path.abspath(_user_cache_folder())


def cache_settings() -> tuple[str | None, int]:
    """(the cache folder, or None when ``WEBNN_CACHE`` disables the cache; the bound in bytes)."""
    text = os.environ.get("WEBNN_CACHE_MAX_SIZE", "").strip()
    match = _SIZE.fullmatch(text.upper())
    if text and not match:
        raise ValueError(f"WEBNN_CACHE_MAX_SIZE must be a number of bytes, optionally with a K, M, G or T "
                         f"suffix (e.g. 512M, 2G), got {text!r}")
    max_bytes = int(float(match[1]) * 1024 ** " KMGT".index(match[2] or " ")) if match else DEFAULT_MAX_BYTES
    if os.environ.get("WEBNN_CACHE", "").strip().lower() in ("0", "off", "false", "no"):
        return None, max_bytes
    return cache_directory(), max_bytes


def default_cache() -> CompiledCache | None:
    """The process-wide cache of ``cache_settings()``; a new object when the environment changed."""
    global _default
    settings = cache_settings()
    with _state_lock:
        if _default is None or _default[0] != settings:
            directory, max_bytes = settings
            _default = (settings, None if directory is None else CompiledCache(directory, max_bytes))
        return _default[1]


#: The name of the threads that write compiled graphs into the cache in the background.
STORE_THREAD = "webnn-cache-put"


def wait_for_stores() -> None:
    """Wait for this process's background cache writes (other than the calling thread)."""
    for thread in threading.enumerate():
        if thread.name == STORE_THREAD and thread is not threading.current_thread():
            thread.join()
