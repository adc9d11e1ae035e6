"""Model files: ``model.skops`` (skops, trusted types only) plus the ``model.json`` sidecar.

The sidecar records the SHA-256 of the skops file, so a truncated or edited file is refused
before skops even parses it; skops then loads with an explicit, empty trusted list (only the
types skops trusts by default: numpy, scipy, scikit-learn, builtins), so loading never runs
code from the file.
"""

import hashlib
import json
import zipfile
from pathlib import Path

import skops.io as sio

from classifiers.model import Model

MODEL_FILE = "model.skops"
SIDECAR_FILE = "model.json"
TRUSTED: list[str] = []


class ModelLoadError(Exception):
    """A model cannot be loaded (missing, corrupt, tampered, untrusted); message in Vietnamese."""


def _sha256(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_model(model: Model, directory: Path) -> None:
    """Write the skops file and the sidecar (with the skops file's hash) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=False)
    path = directory / MODEL_FILE
    sio.dump(model.state, path, compression=zipfile.ZIP_DEFLATED)
    untrusted = sio.get_untrusted_types(file=path)
    if untrusted:
        raise ModelLoadError(f"Mô hình chứa kiểu dữ liệu không tin cậy: {untrusted}")
    metadata = dict(model.metadata, artifact={"file": MODEL_FILE, "sha256": _sha256(path)})
    (directory / SIDECAR_FILE).write_text(
        json.dumps(metadata, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8"
    )
    model.metadata = metadata


def _json_default(value):
    """numpy numbers and arrays in the sidecar become plain JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_sidecar(directory: Path) -> dict:
    """The sidecar of a model directory, or ModelLoadError."""
    try:
        metadata = json.loads((directory / SIDECAR_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelLoadError(
            f"Không tìm thấy mô hình '{directory.name}' (thiếu {SIDECAR_FILE})."
        ) from exc
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"Tệp {SIDECAR_FILE} của mô hình '{directory.name}' bị hỏng: {exc}"
        ) from exc
    if not isinstance(metadata, dict) or "version" not in metadata:
        raise ModelLoadError(f"Tệp {SIDECAR_FILE} của mô hình '{directory.name}' không hợp lệ.")
    return metadata


def file_intact(directory: Path, metadata: dict) -> bool:
    """Whether the skops file is there and matches the hash its sidecar recorded."""
    path = Path(directory) / MODEL_FILE
    return path.is_file() and metadata.get("artifact", {}).get("sha256") == _sha256(path)


def _check_file(directory: Path, metadata: dict) -> Path:
    """The skops file, after checking it exists, matches the sidecar hash and holds trusted types."""
    path = directory / MODEL_FILE
    name = directory.name
    if not path.is_file():
        raise ModelLoadError(f"Mô hình '{name}': thiếu tệp {MODEL_FILE}.")
    if not file_intact(directory, metadata):
        raise ModelLoadError(
            f"Mô hình '{name}': tệp {MODEL_FILE} bị hỏng, bị cắt cụt hoặc bị sửa (SHA-256 không khớp)."
        )
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises many types on a malformed archive
        raise ModelLoadError(f"Mô hình '{name}': tệp {MODEL_FILE} không đọc được ({exc}).") from exc
    if untrusted:
        raise ModelLoadError(
            f"Mô hình '{name}': tệp chứa kiểu không tin cậy {untrusted}, từ chối nạp."
        )
    return path


def load_model(directory: Path) -> Model:
    """Load and rebuild a model, or raise ModelLoadError with a clear Vietnamese message."""
    directory = Path(directory)
    metadata = read_sidecar(directory)
    path = _check_file(directory, metadata)
    try:
        state = sio.load(path, trusted=TRUSTED)
        if not isinstance(state, dict) or state.get("format") != 1:
            raise ValueError("định dạng không được hỗ trợ")
        return Model(state, metadata)
    except Exception as exc:  # any failure to rebuild is the same problem for the caller
        raise ModelLoadError(f"Mô hình '{directory.name}' không nạp được: {exc}") from exc
