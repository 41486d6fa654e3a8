"""The on-disk compiled-artifact cache (webnn.cache) and the ``webnn cache`` command."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time
import warnings
import zlib

import pytest

from webnn import cache as cache_module
from webnn.cache import CacheEntry, CompiledCache, cache_settings, default_cache
from webnn.cli import main

KEY1, KEY2, KEY3 = "a1" * 32, "b2" * 32, "c3" * 32
POSIX = os.name == "posix"
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEBNN_CACHE", "WEBNN_CACHE_DIR", "WEBNN_CACHE_MAX_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cache_module, "_warned", False)


def entry_folder(directory: pathlib.Path, key: str) -> pathlib.Path:
    return directory / "v2" / key[:2] / key


def age(directory: pathlib.Path, seconds: float = 60.0) -> None:
    """Make every entry's last use ``seconds`` older (past the eviction grace period), keeping the order."""
    for manifest in directory.glob("v2/*/*/manifest.json"):
        mtime = manifest.stat().st_mtime - seconds
        os.utime(manifest, (mtime, mtime))


def put_sample(cache: CompiledCache, key: str = KEY1, payload: bytes = b"model bytes" * 100) -> CacheEntry:
    return cache.put(key, {"model.onnx": payload, "extra.bin": b"\x00\x01"}, {"engine": "ort", "n": 3})


# ------------------------------------------------------------------------------ round trips


def test_round_trip_in_a_fresh_object(tmp_path: pathlib.Path) -> None:
    payload = os.urandom(5000)
    source = tmp_path / "source.bin"
    source.write_bytes(b"from a file")
    stored = CompiledCache(tmp_path / "c").put(
        KEY1, {"model.onnx": payload, "view.bin": memoryview(b"view"), "copied.bin": source}, {"engine": "ort"})
    assert stored.persisted and stored.path == str(entry_folder(tmp_path / "c", KEY1))
    entry = CompiledCache(tmp_path / "c").get(KEY1)  # a new object, as in a new process
    assert entry is not None and entry.persisted and entry.key == KEY1
    assert entry.meta == {"engine": "ort"}
    assert entry.read("model.onnx") == payload
    assert entry.read("view.bin") == b"view" and entry.read("copied.bin") == b"from a file"
    assert isinstance(entry.path, str) and entry.file("model.onnx") == os.path.join(entry.path, "model.onnx")
    with pytest.raises(KeyError):
        entry.file("missing.bin")
    manifest = json.loads(pathlib.Path(entry.path, "manifest.json").read_text())
    assert manifest["format"] == "webnn-cache" and manifest["version"] == 2 and manifest["key"] == KEY1
    assert manifest["files"]["model.onnx"] == {"size": 5000, "crc32": f"{zlib.crc32(payload):08x}"}
    assert not list((tmp_path / "c" / "tmp").iterdir())  # the staging folder is gone
    assert CompiledCache(tmp_path / "c").get(KEY2) is None


def test_another_process_sees_the_entry(tmp_path: pathlib.Path) -> None:
    put_sample(CompiledCache(tmp_path / "c"), payload=b"shared across processes")
    code = ("from webnn.cache import default_cache\n"
            f"e = default_cache().get({KEY1!r})\n"
            "print(e.read('model.onnx').decode(), e.meta['engine'])")
    env = {**os.environ, "WEBNN_CACHE_DIR": str(tmp_path / "c")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["shared", "across", "processes", "ort"]


#: What the hit path must not import (pathlib pulls in urllib.parse and ipaddress, shutil bz2 and lzma,
#: tempfile random: milliseconds on every graph build that the cache serves).
SLOW_IMPORTS = {"pathlib", "shutil", "tempfile", "random", "urllib", "ipaddress", "bz2", "lzma", "platformdirs"}
HIT = """
import sys
import webnn
before = set(sys.modules)
from webnn.cache import default_cache
entry = default_cache().get(sys.argv[1])
assert entry is not None and entry.persisted and isinstance(entry.file("model.onnx"), str)
print(" ".join(sorted(set(sys.modules) - before)))
"""


@pytest.mark.parametrize("where", ["WEBNN_CACHE_DIR", "default folder"])
def test_a_hit_imports_no_slow_module(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    if where == "WEBNN_CACHE_DIR":
        monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path / "c"))
    else:  # the platform's user cache folder: found without platformdirs (it imports all of the above)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    put_sample(CompiledCache(cache_module.cache_directory()))
    out = subprocess.run([sys.executable, "-c", HIT, KEY1], env=dict(os.environ), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    added = out.stdout.split()
    assert "webnn.cache" in added
    assert not {name for name in added if name.split(".")[0] in SLOW_IMPORTS}, added


def test_get_or_build_builds_once(tmp_path: pathlib.Path) -> None:
    calls = []

    def build() -> tuple[dict[str, bytes], dict[str, int]]:
        calls.append(1)
        return {"a.bin": b"built"}, {"x": 1}

    cache = CompiledCache(tmp_path)
    first = cache.get_or_build(KEY1, build)
    second = CompiledCache(tmp_path).get_or_build(KEY1, build)
    assert len(calls) == 1 and first.persisted and second.persisted
    assert first.read("a.bin") == second.read("a.bin") == b"built" and second.meta == {"x": 1}


def test_put_keeps_the_entry_another_process_stored_first(tmp_path: pathlib.Path) -> None:
    CompiledCache(tmp_path).put(KEY1, {"a.bin": b"theirs"}, {"who": "them"})
    entry = CompiledCache(tmp_path).put(KEY1, {"a.bin": b"mine"}, {"who": "me"})
    assert entry.persisted and entry.read("a.bin") == b"theirs" and entry.meta == {"who": "them"}
    assert not list((tmp_path / "tmp").iterdir())


def test_entry_larger_than_the_bound_is_returned_but_not_stored(tmp_path: pathlib.Path) -> None:
    cache = CompiledCache(tmp_path / "c", max_bytes=1000)
    entry = cache.put(KEY1, {"big.bin": b"x" * 5000}, {})
    assert not entry.persisted and entry.read("big.bin") == b"x" * 5000
    assert not pathlib.Path(entry.path).is_relative_to(tmp_path)
    assert cache.get(KEY1) is None and cache.info()["entries"] == 0


# ------------------------------------------------------------------------------ integrity


def _truncate(folder: pathlib.Path) -> None:
    path = folder / "model.onnx"
    path.write_bytes(path.read_bytes()[:-1])


def _flip(folder: pathlib.Path) -> None:
    path = folder / "model.onnx"
    data = bytearray(path.read_bytes())
    data[7] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_manifest(change):  # type: ignore[no-untyped-def]
    def edit(folder: pathlib.Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        (folder / "manifest.json").write_text(json.dumps(change(manifest)))
    return edit


def _with_digest(manifest: dict) -> dict:  # type: ignore[type-arg]
    manifest["files"]["model.onnx"]["crc32"] = "0" * 8
    return manifest


def _with_key(manifest: dict) -> dict:  # type: ignore[type-arg]
    manifest["key"] = KEY2
    return manifest


def _with_escape(manifest: dict) -> dict:  # type: ignore[type-arg]
    manifest["files"]["../x"] = manifest["files"].pop("extra.bin")
    return manifest


DAMAGE = {
    "truncated file": _truncate,
    "flipped byte": _flip,
    "missing file": lambda folder: (folder / "extra.bin").unlink(),
    "edited digest": _edit_manifest(_with_digest),
    "other key": _edit_manifest(_with_key),
    "name ../x": _edit_manifest(_with_escape),
    "manifest a list": lambda folder: (folder / "manifest.json").write_text("[1, 2]"),
    "manifest bad json": lambda folder: (folder / "manifest.json").write_text('{"format": "webnn-c'),
    "manifest missing": lambda folder: (folder / "manifest.json").unlink(),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_entry_is_a_miss_and_removed(tmp_path: pathlib.Path, damage: str) -> None:
    (tmp_path / "v2" / KEY1[:2]).mkdir(parents=True)
    (tmp_path / "v2" / KEY1[:2] / "x").write_bytes(b"outside the entry")
    folder = pathlib.Path(put_sample(CompiledCache(tmp_path)).path)
    DAMAGE[damage](folder)
    assert CompiledCache(tmp_path).get(KEY1) is None
    assert not folder.exists()
    assert (tmp_path / "v2" / KEY1[:2] / "x").read_bytes() == b"outside the entry"
    rebuilt = CompiledCache(tmp_path).get_or_build(KEY1, lambda: ({"model.onnx": b"again"}, {}))
    assert rebuilt.persisted and CompiledCache(tmp_path).get(KEY1) is not None


@pytest.mark.skipif(not POSIX, reason="symlinks")
def test_removal_never_follows_links_out_of_the_cache(tmp_path: pathlib.Path) -> None:
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "keep.bin").write_bytes(b"keep")
    cache = CompiledCache(tmp_path / "c")
    inner = pathlib.Path(put_sample(cache, KEY1).path)
    (inner / "link").symlink_to(outside)  # a link inside an entry
    (inner / "filelink").symlink_to(outside / "sub" / "keep.bin")
    _flip(inner)
    assert cache.get(KEY1) is None and not inner.exists()
    linked = entry_folder(tmp_path / "c", KEY2)  # an entry folder that is itself a link, to a damaged copy
    linked.parent.mkdir(parents=True)
    (outside / "sub" / "manifest.json").write_text("{}")
    linked.symlink_to(outside / "sub")
    assert cache.get(KEY2) is None and not os.path.lexists(linked)
    (tmp_path / "c" / "tmp" / "x.del").symlink_to(outside)  # a leftover link in tmp/
    put_sample(cache, KEY3)
    (pathlib.Path(cache.get(KEY3).path) / "link").symlink_to(outside)  # type: ignore[union-attr]
    assert cache.clear() == 1
    assert not list((tmp_path / "c" / "tmp").iterdir())
    assert sorted(p.name for p in outside.rglob("*")) == ["keep.bin", "manifest.json", "sub"]


@pytest.mark.parametrize("key", ["abc", "A1" * 32, "g" * 20, "a" * 129, "../" + "a" * 20, 123])
def test_bad_keys_are_rejected(tmp_path: pathlib.Path, key: object) -> None:
    cache = CompiledCache(tmp_path)
    with pytest.raises(ValueError, match="cache key"):
        cache.get(key)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cache key"):
        cache.put(key, {"a": b""}, {})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["manifest.json", ".hidden", "a/b", "a\\b", "..", "", "sp ace"])
def test_bad_file_names_are_rejected(tmp_path: pathlib.Path, name: str) -> None:
    with pytest.raises(ValueError, match="file name"):
        CompiledCache(tmp_path).put(KEY1, {name: b"x"}, {})
    assert not (tmp_path / "v2").exists()


# ------------------------------------------------------------------------------ eviction


def test_lru_eviction_keeps_the_most_recently_used(tmp_path: pathlib.Path) -> None:
    cache = CompiledCache(tmp_path)
    for age, key in zip((300, 200, 100), (KEY1, KEY2, KEY3)):  # KEY1 stored first
        folder = pathlib.Path(put_sample(cache, key).path)
        os.utime(folder / "manifest.json", (time.time() - age, time.time() - age))
    assert cache.get(KEY1) is not None  # KEY1 used last: KEY2 is now the least recently used
    total = cache.info()["bytes"]
    cache.max_bytes = total * 2 // 3 + 10
    assert cache.evict() == 1
    assert cache.get(KEY2) is None
    assert cache.get(KEY1) is not None and cache.get(KEY3) is not None
    assert cache.info()["entries"] == 2 and cache.info()["bytes"] <= cache.max_bytes


def test_put_keeps_the_cache_within_its_bound(tmp_path: pathlib.Path) -> None:
    one = pathlib.Path(put_sample(CompiledCache(tmp_path / "probe")).path)
    size = sum(p.stat().st_size for p in one.iterdir())
    cache = CompiledCache(tmp_path / "c", max_bytes=int(size * 2.5))
    for key in ("d4" * 32, "e5" * 32, "f6" * 32, "07" * 32):
        age(tmp_path / "c")
        assert put_sample(cache, key).persisted
        assert cache.info()["bytes"] <= cache.max_bytes
    assert cache.info()["entries"] == 2 and cache.get("07" * 32) is not None and cache.get("f6" * 32)


def test_eviction_spares_recently_used_entries(tmp_path: pathlib.Path) -> None:
    cache = CompiledCache(tmp_path)
    put_sample(cache, KEY1)
    put_sample(cache, KEY2)
    cache.max_bytes = 1
    assert cache.evict() == 0  # another process may be opening their files right now
    assert cache.info()["entries"] == 2
    age(tmp_path)
    assert cache.get(KEY2) is not None  # used again: spared
    assert cache.evict() == 1 and cache.get(KEY1) is None and cache.get(KEY2) is not None
    assert cache.clear() == 1  # clear() spares nothing


def test_clear_removes_entries_and_stale_staging(tmp_path: pathlib.Path) -> None:
    cache = CompiledCache(tmp_path)
    put_sample(cache, KEY1)
    put_sample(cache, KEY2)
    stale, fresh = tmp_path / "tmp" / "stale", tmp_path / "tmp" / "fresh"
    stale.mkdir()
    fresh.mkdir()
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert cache.clear() == 2
    assert cache.info()["entries"] == 0 and cache.get(KEY1) is None
    assert not stale.exists() and fresh.exists()  # a put in flight elsewhere keeps its folder


# ------------------------------------------------------------------------------ privacy, failures


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_folders_are_private(tmp_path: pathlib.Path) -> None:
    old = os.umask(0o022)
    try:
        top = tmp_path / "new" / "cache"
        CompiledCache(top).get_or_build(KEY1, lambda: ({"a.bin": b"x"}, {}))
    finally:
        os.umask(old)
    entry = entry_folder(top, KEY1)
    for folder in (top, top / "v2", entry.parent, entry, top / "tmp", top / "locks"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    assert (entry / "a.bin").stat().st_mode & 0o077 == 0


def test_unwritable_folder_warns_once_and_still_returns_content(tmp_path: pathlib.Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    cache = CompiledCache(tmp_path / "file" / "cache")  # any operation there is an OSError
    with pytest.warns(RuntimeWarning, match="webnn cache: the folder .*cache is not usable"):
        entry = cache.get_or_build(KEY1, lambda: ({"a.bin": b"content"}, {"m": 1}))
    assert not entry.persisted and entry.read("a.bin") == b"content" and entry.meta == {"m": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # at most one warning per process
        assert cache.put(KEY2, {"b.bin": b"more"}, {}).read("b.bin") == b"more"
        assert cache.get(KEY1) is None


@pytest.mark.skipif(not POSIX or ROOT, reason="POSIX permissions; root ignores them")
def test_read_only_folder_warns_and_still_returns_content(tmp_path: pathlib.Path) -> None:
    top = tmp_path / "ro"
    top.mkdir()
    top.chmod(0o500)
    try:
        with pytest.warns(RuntimeWarning, match="ro"):
            entry = CompiledCache(top).get_or_build(KEY1, lambda: ({"a.bin": b"content"}, {}))
        assert not entry.persisted and entry.read("a.bin") == b"content"
    finally:
        top.chmod(0o700)


@pytest.mark.skipif(not ROOT, reason="giving a folder away needs root")
def test_folder_owned_by_another_user_is_not_used(tmp_path: pathlib.Path) -> None:
    put_sample(CompiledCache(tmp_path))
    os.chown(tmp_path, 4242, 4242)
    cache = CompiledCache(tmp_path)
    with pytest.warns(RuntimeWarning, match="owned by user id 4242"):
        assert cache.get(KEY1) is None
    entry = cache.put(KEY2, {"a.bin": b"x"}, {})
    assert not entry.persisted and not entry_folder(tmp_path, KEY2).exists()
    assert entry_folder(tmp_path, KEY1).exists()  # not trusted, but not destroyed either


# ------------------------------------------------------------------------------ concurrency

WORKER = """
import hashlib, os, pathlib, sys, time
from webnn.cache import CompiledCache
work = pathlib.Path(sys.argv[1])
(work / f"ready-{sys.argv[2]}").touch()
while not (work / "go").exists():
    time.sleep(0.005)
def build():
    time.sleep(0.2)
    with open(work / "counter", "a") as f:
        f.write("built\\n")
    return {"model.onnx": os.urandom(4096)}, {"builder": sys.argv[2]}
entry = CompiledCache(work / "cache").get_or_build(sys.argv[3], build)
print(hashlib.sha256(entry.read("model.onnx")).hexdigest(), entry.meta["builder"], entry.persisted)
"""


def test_concurrent_builders_build_once(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path), str(i), KEY1],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("ready-*"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.005)
    (tmp_path / "go").touch()
    results = [p.communicate(timeout=30) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    lines = {out.strip() for out, _ in results}
    assert len(lines) == 1, lines  # same bytes, same builder's metadata, all stored
    assert lines.pop().endswith("True")
    assert (tmp_path / "counter").read_text() == "built\n"
    assert CompiledCache(tmp_path / "cache").info()["entries"] == 1


# ------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(("text", "expected"), [
    ("512M", 512 << 20), ("2G", 2 << 30), ("1000", 1000), ("64k", 64 << 10), ("1.5GiB", 3 << 29),
    ("10MB", 10 << 20), (" 7 ", 7), ("0", 0),
])
def test_max_size_parsing(monkeypatch: pytest.MonkeyPatch, text: str, expected: int) -> None:
    monkeypatch.setenv("WEBNN_CACHE_MAX_SIZE", text)
    assert cache_settings()[1] == expected


@pytest.mark.parametrize("text", ["bad", "12X", "-5", "1e9", "G"])
def test_bad_max_size_names_the_variable(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("WEBNN_CACHE_MAX_SIZE", text)
    with pytest.raises(ValueError, match="WEBNN_CACHE_MAX_SIZE"):
        cache_settings()


def test_settings_and_default_cache_follow_the_environment(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path / "one"))
    assert cache_settings() == (str(tmp_path / "one"), 2 << 30)
    first = default_cache()
    assert first is not None and first.directory == str(tmp_path / "one") and default_cache() is first
    assert not (tmp_path / "one").exists()  # making the object touches nothing
    monkeypatch.setenv("WEBNN_CACHE_MAX_SIZE", "1M")
    second = default_cache()
    assert second is not first and second is not None and second.max_bytes == 1 << 20
    for off in ("0", "off", "False", "no"):
        monkeypatch.setenv("WEBNN_CACHE", off)
        assert cache_settings()[0] is None and default_cache() is None
    monkeypatch.setenv("WEBNN_CACHE", "1")
    assert default_cache() is not None


@pytest.mark.parametrize("xdg", [None, "absolute", "relative/cache"])
def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path, xdg: str | None) -> None:
    """The platform's user cache folder, as platformdirs gives it, found without importing platformdirs."""
    platformdirs = pytest.importorskip("platformdirs")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg") if xdg == "absolute" else xdg)
    found = cache_settings()[0]
    assert isinstance(found, str) and os.path.isabs(found)
    assert pathlib.Path(found) == pathlib.Path(platformdirs.user_cache_dir("webnn", appauthor=False))
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # not installed: the same folder
    assert cache_settings()[0] == found
    if sys.platform == "win32":
        assert found == str(tmp_path / "local" / "webnn" / "Cache")
    elif sys.platform != "darwin":
        assert found == str(tmp_path / "xdg" / "webnn" if xdg == "absolute" else tmp_path / "home" / ".cache" / "webnn")


# ------------------------------------------------------------------------------ command line


def test_cli_info_path_clear(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WEBNN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("WEBNN_CACHE_MAX_SIZE", "512M")
    put_sample(CompiledCache(tmp_path), KEY1, payload=b"x" * 3000)
    put_sample(CompiledCache(tmp_path), KEY2)
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path) in out and "entries: 2" in out and "KiB" in out and "512.0 MiB" in out
    assert "enabled" in out
    assert main(["cache", "path"]) == 0
    assert capsys.readouterr().out == f"{tmp_path}\n"
    assert main(["cache", "clear"]) == 0
    assert "removed 2 entries" in capsys.readouterr().out
    assert CompiledCache(tmp_path).info()["entries"] == 0
    monkeypatch.setenv("WEBNN_CACHE", "0")
    assert main(["cache", "info"]) == 0
    assert "disabled" in capsys.readouterr().out


def test_cli_bad_setting_is_exit_code_1(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WEBNN_CACHE_MAX_SIZE", "lots")
    assert main(["cache", "info"]) == 1
    captured = capsys.readouterr()
    assert "WEBNN_CACHE_MAX_SIZE" in captured.err and captured.out == ""


def test_checksums_checked_later_still_catch_damage(tmp_path: pathlib.Path) -> None:
    cache = CompiledCache(tmp_path)
    cache.put(KEY1, {"model.onnx": b"m" * 5000}, {"engine": "ort"})
    entry = cache.get(KEY1, checksums=False)
    assert entry is not None and cache.check(entry)
    path = entry_folder(tmp_path, KEY1) / "model.onnx"
    data = bytearray(path.read_bytes())
    data[2500] ^= 1  # same size: only the checksum tells
    path.write_bytes(bytes(data))
    entry = cache.get(KEY1, checksums=False)
    assert entry is not None  # the cheap checks pass ...
    assert not cache.check(entry)  # ... the checksum does not, and the entry is gone
    assert cache.get(KEY1) is None and not entry_folder(tmp_path, KEY1).exists()
