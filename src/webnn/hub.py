"""``Hub``: webnn-graph models from a model hub, or from a local folder (pywebnn's ``Hub``).

A model on the hub is a repository holding ``model.webnn``, ``model.weights`` and
``manifest.json``.  ``download_model`` returns the paths of the three files: from a local
folder given instead of a model id (nothing is downloaded: the way to work offline), from
the cache folder when an earlier call downloaded them, else downloaded now.  Downloads go
to a temporary file and are renamed into place, so an interrupted download never leaves a
partial file that a later call would take for the model.

The hub's address is ``WEBNN_HUB_URL`` (default ``https://huggingface.co``); files are
fetched from ``<address>/<model id>/resolve/main/<file>``.  The cache folder is
``cache_dir``, else ``<webnn's cache folder>/hub`` (``webnn cache path``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile

#: The files of a hub model: key -> file name.
FILES = {"graph": "model.webnn", "weights": "model.weights", "manifest": "manifest.json"}
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
_TIMEOUT_SECONDS = 60.0


class Hub:
    """Finds webnn-graph models on a model hub or in local folders."""

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None) -> None:
        if cache_dir is None:
            from .cache import cache_directory

            cache_dir = os.path.join(cache_directory(), "hub")
        self.cache_dir = os.fspath(cache_dir)

    def _folder(self, model_id: str) -> str:
        return os.path.join(self.cache_dir, model_id.replace("/", "--"))

    def download_model(self, model_id: str | os.PathLike[str], force: bool = False) -> dict[str, str]:
        """``{"graph": ..., "weights": ..., "manifest": ...}``: the paths of the model's files.

        ``model_id`` is a local folder holding the files (used as it is: no network), or a
        hub id ``"owner/name"`` (from the cache, or downloaded; ``force`` downloads again).
        A download that fails raises ``RuntimeError`` saying to pass a local folder instead
        (without a network, downloads cannot work)."""
        path = os.fspath(model_id)
        if os.path.isdir(path):
            return self._complete(path, f"the folder {path!r}")
        if not _MODEL_ID.fullmatch(path):
            raise ValueError(
                f"download_model: {path!r} is neither a folder nor a model id of the form 'owner/name'")
        folder = self._folder(path)
        files = {key: os.path.join(folder, name) for key, name in FILES.items()}
        if not force and all(os.path.isfile(p) for p in files.values()):
            return files
        created = not os.path.isdir(folder)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        base = os.environ.get("WEBNN_HUB_URL", "https://huggingface.co").rstrip("/")
        for key, name in FILES.items():
            url = f"{base}/{path}/resolve/main/{name}"
            try:
                _download(url, files[key])
            except OSError as exc:  # urllib's errors are OSErrors
                if created:
                    shutil.rmtree(folder, ignore_errors=True)
                raise RuntimeError(
                    f"download_model: could not download {name} of {path} from {url} ({exc}); without a "
                    f"network, put the model's {', '.join(FILES.values())} in a folder and pass its path"
                ) from None
        return self._complete(folder, f"the download of {path}")

    @staticmethod
    def _complete(folder: str, what: str) -> dict[str, str]:
        files = {key: os.path.join(folder, name) for key, name in FILES.items()}
        missing = [FILES[k] for k, p in files.items() if not os.path.isfile(p)]
        if missing:
            raise FileNotFoundError(f"download_model: {what} lacks {', '.join(missing)}")
        return files

    def list_cached_models(self) -> list[str]:
        """The model ids in the cache folder."""
        if not os.path.isdir(self.cache_dir):
            return []
        return sorted(name.replace("--", "/", 1) for name in os.listdir(self.cache_dir)
                      if os.path.isdir(os.path.join(self.cache_dir, name)) and "--" in name)

    def clear_cache(self, model_id: str | None = None) -> None:
        """Remove one cached model (or all of them)."""
        target = self.cache_dir if model_id is None else self._folder(model_id)
        if os.path.isdir(target):
            shutil.rmtree(target)


def _download(url: str, path: str) -> None:
    """``url`` into ``path``, atomically."""
    from urllib.request import urlopen

    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as out, urlopen(url, timeout=_TIMEOUT_SECONDS) as response:  # noqa: S310
            shutil.copyfileobj(response, out, 1 << 20)
        os.replace(temp, path)
    except BaseException:
        try:
            os.remove(temp)
        except OSError:
            pass
        raise


__all__ = ["FILES", "Hub"]
