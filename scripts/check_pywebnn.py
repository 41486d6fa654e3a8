"""Run pywebnn's own Python tests and examples against this package (docs/migrating-from-pywebnn.md).

    python scripts/check_pywebnn.py [--version 0.5.12] [--keep DIR]

Downloads pywebnn's source distribution from PyPI,
unpacks it in a temporary folder, runs ``tests/test_python_api.py`` and
``tests/test_device_tensors.py`` with this environment's ``webnn`` (the pywebnn package is
not installed: both are imported as ``webnn``), then runs the examples that
docs/migrating-from-pywebnn.md names.  pywebnn's async tests need ``pytest-asyncio`` (one of
pywebnn's test dependencies): install it for the count the guide gives.  Nothing of pywebnn
is kept (unless ``--keep``).  Prints the counts and every failing test; exit code 1 when an
example fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile

TESTS = ("tests/test_python_api.py", "tests/test_device_tensors.py")
EXAMPLES = (
    ("image_classification.py", "images/test.jpg"),
    ("text_generation_gpt.py",),
    ("save_load_example.py",),
    ("kv_cache_device_tensors.py",),
)


def _download_sdist(version: str, path: str) -> None:
    """pywebnn's source distribution from PyPI (its JSON API names the file; pip itself would
    build the package's metadata, which needs Rust tooling)."""
    import json
    import shutil
    from urllib.request import urlopen

    with urlopen("https://pypi.org/pypi/pywebnn/json", timeout=60) as response:
        releases = json.load(response)["releases"]
    url = next(f["url"] for f in releases[version] if f["packagetype"] == "sdist")
    with urlopen(url, timeout=300) as response, open(path, "wb") as out:
        shutil.copyfileobj(response, out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default="0.5.12", help="pywebnn version (default 0.5.12)")
    parser.add_argument("--keep", help="unpack into this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="pywebnn-")
    os.makedirs(folder, exist_ok=True)
    archive_path = os.path.join(folder, f"pywebnn-{args.version}.tar.gz")
    try:
        _download_sdist(args.version, archive_path)
    except (OSError, ValueError, KeyError) as exc:
        print(f"could not download pywebnn {args.version}'s source distribution: {exc}", file=sys.stderr)
        return 2
    with tarfile.open(archive_path) as archive:
        archive.extractall(folder, filter="data")
    source = os.path.join(folder, f"pywebnn-{args.version}")
    env = dict(os.environ, WEBNN_CACHE="0")
    tests = subprocess.run([sys.executable, "-m", "pytest", *TESTS, "-q", "-p", "no:cacheprovider",
                            "--tb=no", "-rfs"], cwd=source, env=env, capture_output=True, text=True)
    lines = tests.stdout.splitlines()
    print("\n".join(line for line in lines if line.startswith(("FAILED", "SKIPPED", "ERROR"))))
    print(lines[-1] if lines else tests.stderr)
    failed = 0
    for example in EXAMPLES:
        run = subprocess.run([sys.executable, *example], cwd=os.path.join(source, "examples"), env=env,
                             capture_output=True, text=True, timeout=600)
        print(f"example {' '.join(example)}: {'ok' if run.returncode == 0 else 'FAILED'}")
        if run.returncode:
            failed += 1
            print(run.stderr[-2000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
