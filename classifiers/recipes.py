"""Training recipes (TOML): heads → CSV files (``text,label``) → label maps.

The format is a contract shared with other tools (SPEC §4)::

    [heads.harmful]
    train = [ { path = "data:vihsd/train.csv", labels = { OFFENSIVE = true, CLEAN = false } } ]
    dev = [ { path = "data:vihsd/dev.csv", labels = { OFFENSIVE = true, CLEAN = false } } ]

A head whose files all have ``labels`` is binary; one without any is multi-class over the
file's own labels. Paths: absolute, ``data:…`` inside the data directory, or relative to the
recipe. Optional per head: ``model`` (lr|svm; binary heads also nbsvm, and blend = NB-SVM
and LR log-odds averaged into one linear column, see ``heads.fit_blend``), ``C`` (not with
blend, whose two parts keep their own defaults), ``blend_weight`` (blend only: the LR share,
0–1, default 0.5), ``threshold`` (``f1`` or ``recall:0.9``), ``segmentation``
(auto|true|false), ``strip_augment`` (add accent-free copies of train posts),
``review_weight`` (how many times each reviewer example counts, 1–100). Optional ``[features]`` table (``bits``, ``min_df``, ``sublinear``, ``views``, ``shape`` =
surface-cue tokens); a view's ``source`` is one of ``features.SOURCES`` (norm, strip, raw =
words as typed with their punctuation, punct = punctuation and line breaks…).
Every problem is a ``RecipeError`` in Vietnamese naming the file (and row).
"""

import csv
import gzip
import hashlib
import io
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from classifiers.features import SOURCES
from classifiers.featurestream import MAX_N

HEAD_OPTIONS = {
    "train",
    "dev",
    "model",
    "C",
    "blend_weight",
    "threshold",
    "segmentation",
    "strip_augment",
    "review_weight",
}
FEATURE_OPTIONS = {"bits", "min_df", "sublinear", "views", "shape"}
VIEW_OPTIONS = {"name", "source", "kind", "ngram", "weight"}


class RecipeError(Exception):
    """A recipe or one of its data files cannot be used; the message says where and why."""


@dataclass
class DataFile:
    """One CSV of a head: where it is, how it was written, and its label map (binary heads)."""

    path: Path
    source: str
    labels: dict[str, bool] | None


@dataclass
class HeadSpec:
    """One head of a recipe."""

    name: str
    kind: str
    train: list[DataFile]
    dev: list[DataFile]
    options: dict = field(default_factory=dict)


@dataclass
class Recipe:
    """A parsed recipe."""

    path: Path
    heads: dict[str, HeadSpec]
    features: dict


def _resolve(raw: str, recipe_dir: Path, data_dir: Path | None, where: str) -> Path:
    """Absolute path of a file entry (``data:`` prefix → data directory)."""
    if raw.startswith("data:"):
        if data_dir is None:
            raise RecipeError(
                f"{where}: tệp '{raw}' cần thư mục dữ liệu (CAIDEP_DATA_DIR) nhưng chưa đặt."
            )
        return Path(data_dir) / raw[len("data:") :]
    path = Path(raw)
    return path if path.is_absolute() else recipe_dir / path


def _file_entry(entry, recipe_dir: Path, data_dir, where: str) -> DataFile:
    """Validate one ``{path, labels?}`` entry."""
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise RecipeError(f'{where}: mỗi tệp phải có dạng {{ path = "…", labels = {{…}} }}.')
    unknown = set(entry) - {"path", "labels"}
    if unknown:
        raise RecipeError(f"{where}: khóa không hợp lệ {sorted(unknown)} (chỉ có path, labels).")
    labels = entry.get("labels")
    if labels is not None and (
        not isinstance(labels, dict)
        or not labels
        or not all(isinstance(v, bool) for v in labels.values())
    ):
        raise RecipeError(f"{where}: labels phải ánh xạ mỗi nhãn sang true hoặc false.")
    path = _resolve(entry["path"], recipe_dir, data_dir, where)
    if not path.is_file():
        raise RecipeError(f"{where}: không tìm thấy tệp dữ liệu '{entry['path']}' ({path}).")
    return DataFile(path=path, source=entry["path"], labels=labels)


def _check_options(where: str, options: dict, kind: str) -> None:
    """Optional head settings must have a known value."""
    model = options.get("model", "lr")
    if model not in ("lr", "svm", "nbsvm", "blend") or (
        model in ("nbsvm", "blend") and kind != "binary"
    ):
        raise RecipeError(
            f"{where}: model phải là lr, svm, nbsvm hoặc blend (nbsvm, blend chỉ cho đầu nhị phân)."
        )
    C = options.get("C", 1.0)
    if isinstance(C, bool) or not isinstance(C, int | float) or C <= 0:
        raise RecipeError(f"{where}: C phải là số dương.")
    if model == "blend" and "C" in options:
        raise RecipeError(f"{where}: blend dùng C mặc định của từng phần, không nhận C.")
    if "blend_weight" in options:
        weight = options["blend_weight"]
        if model != "blend":
            raise RecipeError(f'{where}: blend_weight chỉ dùng với model = "blend".')
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
            raise RecipeError(f"{where}: blend_weight phải là số từ 0 đến 1.")
    rule = options.get("threshold", "f1")
    if not (rule in ("f1", "macro_f1") or re.fullmatch(r"recall:(0(\.\d+)?|1(\.0+)?)", str(rule))):
        raise RecipeError(f"{where}: threshold phải là f1, macro_f1 hoặc recall:0.9.")
    if options.get("segmentation", "auto") not in ("auto", True, False):
        raise RecipeError(f'{where}: segmentation phải là "auto", true hoặc false.')
    if not isinstance(options.get("strip_augment", False), bool):
        raise RecipeError(f"{where}: strip_augment phải là true hoặc false.")
    weight = options.get("review_weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
        raise RecipeError(f"{where}: review_weight phải là số nguyên từ 1 đến 100.")


def _head(name: str, table, recipe_dir: Path, data_dir) -> HeadSpec:
    """Validate one ``[heads.NAME]`` table."""
    where = f"[heads.{name}]"
    if not isinstance(table, dict):
        raise RecipeError(f"{where}: phải là một bảng.")
    unknown = set(table) - HEAD_OPTIONS
    if unknown:
        raise RecipeError(f"{where}: khóa không hợp lệ {sorted(unknown)}.")
    files = {}
    for part in ("train", "dev"):
        entries = table.get(part, [])
        if not isinstance(entries, list) or (part == "train" and not entries):
            raise RecipeError(f"{where}: '{part}' phải là danh sách tệp (train không được rỗng).")
        files[part] = [_file_entry(e, recipe_dir, data_dir, f"{where} {part}") for e in entries]
    mapped = {f.labels is not None for f in files["train"] + files["dev"]}
    if len(mapped) > 1:
        raise RecipeError(
            f"{where}: hoặc mọi tệp đều có labels (đầu nhị phân) hoặc không tệp nào có."
        )
    options = {k: v for k, v in table.items() if k not in ("train", "dev")}
    kind = "binary" if mapped == {True} else "multiclass"
    _check_options(where, options, kind)
    return HeadSpec(name, kind, files["train"], files["dev"], options)


def _check_features(where: str, features: dict) -> None:
    """Refuse a bad [features] table before any text is read (training would fail only after
    normalising the whole corpus, with a message from deep inside numpy)."""
    whole = {"bits": (12, 22), "min_df": (1, 1000)}
    for key, (low, high) in whole.items():
        value = features.get(key, low)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise RecipeError(f"{where}: {key} phải là số nguyên từ {low} đến {high}.")
    for key in ("sublinear", "shape"):
        if not isinstance(features.get(key, False), bool):
            raise RecipeError(f"{where}: {key} phải là true hoặc false.")
    views = features.get("views", [])
    if not isinstance(views, list) or ("views" in features and not views):
        raise RecipeError(f"{where}: views phải là danh sách bảng, không rỗng.")
    for number, view in enumerate(views, start=1):
        _check_view(f"{where} views[{number}]", view)


def _check_view(where: str, view) -> None:
    """One ``{ name, source, kind, ngram = [low, high], weight? }`` view."""
    if (
        not isinstance(view, dict)
        or set(view) - VIEW_OPTIONS
        or not isinstance(view.get("name"), str)
    ):
        raise RecipeError(
            f'{where}: cần dạng {{ name = "…", source = "…", kind = "…", '
            f"ngram = [1, 3] }} (khóa nhận: {sorted(VIEW_OPTIONS)})."
        )
    if view.get("source") not in SOURCES or view.get("kind") not in ("word", "char", "span"):
        raise RecipeError(
            f"{where}: source là một trong {sorted(SOURCES)}, kind là word, char hoặc span."
        )
    ngram = view.get("ngram")
    if not (
        isinstance(ngram, list)
        and len(ngram) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in ngram)
        and 1 <= ngram[0] <= ngram[1] <= MAX_N
    ):
        raise RecipeError(f"{where}: ngram = [thấp, cao] với 1 ≤ thấp ≤ cao ≤ {MAX_N}.")
    weight = view.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 100:
        raise RecipeError(f"{where}: weight phải là số dương (tối đa 100).")


def load_recipe(path, data_dir=None) -> Recipe:
    """Parse and validate a recipe; data files must exist (their rows are checked on reading)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RecipeError(f"Không tìm thấy công thức huấn luyện '{path}'.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{path}: TOML không hợp lệ: {exc}") from exc
    heads = raw.get("heads")
    if not isinstance(heads, dict) or not heads:
        raise RecipeError(f"{path}: cần ít nhất một bảng [heads.TÊN].")
    features = raw.get("features", {})
    if not isinstance(features, dict) or set(features) - FEATURE_OPTIONS:
        raise RecipeError(f"{path}: [features] chỉ nhận {sorted(FEATURE_OPTIONS)}.")
    _check_features(f"{path}: [features]", features)
    recipe_dir = path.resolve().parent
    specs = {name: _head(name, table, recipe_dir, data_dir) for name, table in heads.items()}
    return Recipe(path=path, heads=specs, features=features)


def _open_text(path: Path) -> str:
    """File contents as text (``.gz`` transparently), with a clear error on bad encoding."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecipeError(
            f"{path}: không phải tệp văn bản UTF-8 (byte lạ ở vị trí {exc.start});"
            " hãy lưu tệp dạng CSV UTF-8."
        ) from exc


def read_rows(data_file: DataFile) -> list[tuple[str, str]]:
    """(text, label) rows of a CSV with a ``text,label`` header; empty or malformed → RecipeError."""
    where = data_file.source
    reader = csv.reader(io.StringIO(_open_text(data_file.path), newline=""))
    header = next(reader, None)
    if header is None:
        raise RecipeError(f"{where}: tệp rỗng.")
    if [h.strip().lower() for h in header[:2]] != ["text", "label"] or len(header) != 2:
        raise RecipeError(f"{where}: dòng 1: cần đúng hai cột 'text,label', thấy {header}.")
    rows = []
    for number, row in enumerate(reader, start=2):
        if len(row) != 2:
            raise RecipeError(f"{where}: dòng {number}: cần 2 cột, thấy {len(row)}.")
        text, label = row[0].strip(), row[1].strip()
        if not text or not label:
            raise RecipeError(f"{where}: dòng {number}: thiếu nội dung hoặc nhãn.")
        rows.append((text, label))
    if not rows:
        raise RecipeError(f"{where}: tệp không có dòng dữ liệu nào.")
    return rows


def read_labelled(
    path: Path, text_column: str = "text", label_column: str = "label"
) -> tuple[list[tuple[str, str]], list[str]]:
    """(text, label) rows of any CSV that has the two named columns, and the names of the
    other columns (ignored). A file that is not such a CSV → one RecipeError line."""
    if not path.is_file():
        raise RecipeError(f"Không tìm thấy tệp dữ liệu '{path}'.")
    content = _open_text(path)
    if "\0" in content:
        raise RecipeError(f"{path}: không phải tệp CSV văn bản (có byte NUL: tệp nhị phân?).")
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        lowered = [h.lower() for h in header]
        missing = [c for c in (text_column, label_column) if c.lower() not in lowered]
        if not header or missing:
            raise RecipeError(
                f"{path}: dòng 1: không có cột {', '.join(repr(c) for c in missing or (text_column,))}"
                f" (các cột: {', '.join(header) or 'không có'}); cần một tệp CSV có cột nội dung và cột nhãn."
            )
        t, lab = lowered.index(text_column.lower()), lowered.index(label_column.lower())
        rows = []
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise RecipeError(f"{path}: dòng {number}: cần {len(header)} cột, thấy {len(row)}.")
            text, label = row[t].strip(), row[lab].strip()
            if not text or not label:
                raise RecipeError(f"{path}: dòng {number}: thiếu nội dung hoặc nhãn.")
            rows.append((text, label))
    except csv.Error as exc:
        raise RecipeError(f"{path}: không đọc được như CSV ({exc}).") from exc
    if not rows:
        raise RecipeError(f"{path}: tệp không có dòng dữ liệu nào.")
    return rows, [h for i, h in enumerate(header) if i not in (t, lab)]


def read_examples(data_file: DataFile) -> list[tuple[str, object]]:
    """Rows with labels mapped to True/False for a binary head, left as strings otherwise."""
    rows = read_rows(data_file)
    if data_file.labels is None:
        return rows
    out = []
    for number, (text, label) in enumerate(rows, start=2):
        if label not in data_file.labels:
            known = ", ".join(sorted(data_file.labels))
            raise RecipeError(
                f"{data_file.source}: dòng {number}: nhãn '{label}' không có trong bảng labels ({known})."
            )
        out.append((text, data_file.labels[label]))
    return out


def file_digest(path: Path) -> str:
    """SHA-256 of a data file, recorded in the model sidecar."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
