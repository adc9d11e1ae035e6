"""The model store: ``<models_dir>/<version>/{model.skops,model.json}`` and ``ACTIVE``.

``get_active`` loads the active model once per process and caches it; it re-reads the small
``ACTIVE`` file on each call so an ``activate`` from another process is picked up. If the
newly active model cannot be loaded, the error is logged and the last good model keeps
serving (the error is raised only when there is no good model at all).
"""

import logging
import os
import re
import shutil
import threading
from pathlib import Path

from classifiers.artifacts import (
    ModelLoadError,
    file_intact,
    load_model,
    read_sidecar,
    save_model,
)
from classifiers.model import Model

ACTIVE_FILE = "ACTIVE"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
log = logging.getLogger(__name__)


class ModelStore:
    """Versions of trained models on disk, and which one is active."""

    def __init__(self, models_dir):
        """Remember the directory (created on first save)."""
        self.models_dir = Path(models_dir)
        self._lock = threading.Lock()
        self._current: Model | None = None
        self._failed: tuple | None = None

    def _dir(self, version: str) -> Path:
        """Directory of a version, refusing names that could escape the store."""
        if not isinstance(version, str) or not _VERSION.match(version):
            raise ModelLoadError(f"Tên phiên bản mô hình không hợp lệ: '{version}'.")
        return self.models_dir / version

    def list(self, check: bool = False) -> list[dict]:
        """Every stored version (oldest first) with its heads, creation time and whether active;
        with ``check``, also whether its model file is intact (reads and hashes each file)."""
        active = self.active_version()
        out = []
        if not self.models_dir.is_dir():
            return out
        for directory in sorted(p for p in self.models_dir.iterdir() if p.is_dir()):
            try:
                meta = read_sidecar(directory)
            except ModelLoadError:
                continue
            out.append(
                {
                    "version": directory.name,
                    "active": directory.name == active,
                    "heads": sorted(meta.get("heads", {})),
                    "created_at": meta.get("created_at"),
                }
            )
            if check:
                out[-1]["intact"] = file_intact(directory, meta)
        return out

    def metadata(self, version: str) -> dict:
        """A version's sidecar (training data, figures, heads) or raise ModelLoadError."""
        return read_sidecar(self._dir(version))

    def active_version(self) -> str | None:
        """Version named in ACTIVE, or None."""
        try:
            return (self.models_dir / ACTIVE_FILE).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def load(self, version: str) -> Model:
        """Load one version (checked: hash, trusted types) or raise ModelLoadError."""
        return load_model(self._dir(version))

    def activate(self, version: str) -> None:
        """Make a version active after checking it loads; the switch is one atomic rename."""
        self.load(version)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.models_dir / f".{ACTIVE_FILE}.tmp"
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, self.models_dir / ACTIVE_FILE)

    def save(self, model: Model) -> str:
        """Write a model under its version (atomically: temp dir then rename); return the version."""
        final = self._dir(model.version)
        if final.exists():
            raise ModelLoadError(f"Phiên bản '{model.version}' đã tồn tại.")
        self.models_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.models_dir / f".tmp-{model.version}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            save_model(model, tmp)
            os.rename(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return model.version

    def get_active(self) -> Model | None:
        """The active model, loaded once and cached; the last good one if the new one is broken."""
        version = self.active_version()
        with self._lock:
            current = self._current
            if version is None or (current is not None and current.version == version):
                return current
            stamp = (version, self._stamp(version))
            if self._failed != stamp:
                try:
                    self._current = self.load(version)
                    self._failed = None
                    return self._current
                except ModelLoadError as exc:
                    self._failed = stamp
                    log.error(
                        "%s Vẫn dùng mô hình cũ: %s",
                        exc,
                        current.version if current else "không có",
                    )
                    if current is None:
                        raise
            if current is None:
                raise ModelLoadError(f"Mô hình đang kích hoạt '{version}' không nạp được.")
            return current

    def _stamp(self, version: str):
        """Modification time of a version's files, so a repaired model is retried."""
        try:
            return tuple(p.stat().st_mtime_ns for p in sorted(self._dir(version).iterdir()))
        except (OSError, ModelLoadError):
            return None
