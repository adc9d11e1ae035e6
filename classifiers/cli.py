"""``flask classifiers …``: train, evaluate, predict, list and activate models (SPEC §4).

The only module of the package that imports Flask: it reads ``CAIDEP_MODELS_DIR`` and
``CAIDEP_DATA_DIR`` from the app config and turns every known error into a Vietnamese
``ClickException`` (exit code 1, no traceback).
"""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from classifiers.artifacts import ModelLoadError
from classifiers.correction import train_with_reviews
from classifiers.evaluate import evaluate as evaluate_head
from classifiers.recipes import RecipeError, read_labelled
from classifiers.store import ModelStore
from classifiers.train import train_recipe

cli = AppGroup(
    "classifiers", help="Bộ phân loại bài viết: huấn luyện, đánh giá, dự đoán, phiên bản."
)
REVIEWS_EXTENSION = "caidep.review_examples"
_BATCH = 1000


def _store() -> ModelStore:
    """The model store of the current app."""
    return ModelStore(current_app.config["CAIDEP_MODELS_DIR"])


def _dump(data) -> str:
    """JSON as the commands print it (Vietnamese kept readable)."""
    return json.dumps(data, ensure_ascii=False)


def _version(store: ModelStore, version: str) -> str:
    """Resolve ``active`` to the active version."""
    if version != "active":
        return version
    active = store.active_version()
    if active is None:
        raise click.ClickException("Chưa có mô hình nào được kích hoạt.")
    return active


def _load(store: ModelStore, version: str):
    """Load a version or fail with the store's Vietnamese message."""
    try:
        return store.load(_version(store, version))
    except ModelLoadError as exc:
        raise click.ClickException(str(exc)) from exc


def _review_examples() -> dict:
    """Reviewers' decisions ({head: [(text, bool)]}), from the moderation package's provider."""
    provider = current_app.extensions.get(REVIEWS_EXTENSION)
    if provider is None:
        raise click.ClickException(
            "Không lấy được quyết định của người duyệt: chức năng kiểm duyệt chưa được đăng ký "
            f"(app.extensions['{REVIEWS_EXTENSION}'])."
        )
    return provider()


def _metrics_table(dev: dict, heads: dict) -> str:
    """Dev metrics, one line per head."""
    lines = [
        f"{'đầu':<18}{'loại':<12}{'n':>6}{'acc':>8}{'macro-F1':>10}{'F1(true)':>10}{'ROC-AUC':>9}{'ngưỡng':>9}"
    ]
    for name, m in dev.items():
        info = heads.get(name, {})
        f1_true = m.get("per_label", {}).get("true", {}).get("f1")
        cells = [
            m.get("accuracy"),
            m.get("macro_f1"),
            f1_true,
            m.get("roc_auc"),
            info.get("threshold"),
        ]
        acc, macro, f1t, auc, thr = (f"{c:.3f}" if isinstance(c, float) else "-" for c in cells)
        lines.append(
            f"{name:<18}{info.get('kind', ''):<12}{m.get('n', 0):>6}{acc:>8}{macro:>10}{f1t:>10}{auc:>9}{thr:>9}"
        )
    return "\n".join(lines)


@cli.command("train")
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--include-reviews", is_flag=True,
              help="Hiệu chỉnh mô hình theo quyết định của người duyệt.")
@click.option("--activate", is_flag=True, help="Kích hoạt mô hình mới ngay.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def train(recipe: Path, include_reviews: bool, activate: bool, as_json: bool) -> None:
    """Huấn luyện mô hình mới theo công thức RECIPE (TOML)."""
    extra = _review_examples() if include_reviews else None
    progress = None if as_json else (lambda message: click.echo(message, err=True))
    try:
        data_dir = current_app.config.get("CAIDEP_DATA_DIR")
        model = (train_with_reviews(recipe, data_dir, extra, progress) if extra is not None
                 else train_recipe(recipe, data_dir, None, progress))
    except RecipeError as exc:
        raise click.ClickException(str(exc)) from exc
    store = _store()
    version = store.save(model)
    if activate or store.active_version() is None:
        store.activate(version)
    if as_json:
        click.echo(_dump({"version": version, "dev": model.metadata["dev"]}))
        return
    click.echo(_metrics_table(model.metadata["dev"], model.metadata["heads"]))
    click.echo(
        f"Phiên bản mới: {version}"
        + (" (đang kích hoạt)" if store.active_version() == version else "")
    )


def _parse_label_map(raw: str | None) -> dict | None:
    """``A=true,B=false`` → {"A": True, "B": False}."""
    if raw is None:
        return None
    out = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        name, sep, value = part.rpartition("=")
        if not sep or not name or value.lower() not in ("true", "false"):
            raise click.ClickException(
                f"--label-map: '{part}' phải có dạng NHÃN=true hoặc NHÃN=false."
            )
        out[name.strip()] = value.lower() == "true"
    if not out:
        raise click.ClickException("--label-map rỗng.")
    return out


@cli.command("evaluate")
@click.argument("version")
@click.option("--head", "head", required=True, help="Tên đầu phân loại.")
@click.option("--data", "data", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--label-map", "label_map", default=None, help="Ví dụ: OFFENSIVE=true,HATE=true,CLEAN=false"
)
@click.option("--label-column", default="label", show_default=True, help="Tên cột nhãn.")
@click.option("--text-column", default="text", show_default=True, help="Tên cột nội dung.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def evaluate(
    version: str,
    head: str,
    data: Path,
    label_map: str | None,
    label_column: str,
    text_column: str,
    as_json: bool,
) -> None:
    """Đánh giá một đầu phân loại của VERSION trên tệp CSV (cột text và label; cột khác bỏ qua)."""
    mapping = _parse_label_map(label_map)
    model = _load(_store(), version)
    try:
        rows, ignored = read_labelled(data, text_column, label_column)
        result = evaluate_head(model, head, [t for t, _ in rows], [y for _, y in rows], mapping)
    except (RecipeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if ignored:
        click.echo(f"Bỏ qua {len(ignored)} cột không dùng: {', '.join(ignored)}.", err=True)
    if as_json:
        click.echo(_dump(result))
        return
    click.echo(_metrics_table({head: result}, model.metadata.get("heads", {})))
    if "threshold" in result:
        true = result["per_label"]["true"]
        auc, ap = (f"{v:.3f}" if v is not None else "-" for v in (result["roc_auc"], result["average_precision"]))
        click.echo(
            f"ROC-AUC {auc} · độ chính xác trung bình (AP) {ap} · ở ngưỡng {result['threshold']:.3f}:"
            f" precision {true['precision']:.3f}, recall {true['recall']:.3f}, F1 {true['f1']:.3f}"
        )
    click.echo("Ma trận nhầm lẫn (hàng: thật, cột: dự đoán) " + _dump(result["confusion"]))


@cli.command("predict")
@click.argument("version")
def predict(version: str) -> None:
    """Đọc từng dòng từ stdin, in một dòng JSON kết quả cho mỗi dòng."""
    model = _load(_store(), version)
    batch: list[str] = []
    for line in sys.stdin:
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= _BATCH:
            _print_predictions(model, batch)
            batch = []
    if batch:
        _print_predictions(model, batch)


def _print_predictions(model, texts: list[str]) -> None:
    """One JSON line per text."""
    for result in model.predict(texts):
        click.echo(_dump(result))
    sys.stdout.flush()


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def list_models(as_json: bool) -> None:
    """Liệt kê các phiên bản mô hình."""
    if as_json:
        click.echo(_dump({"models": _store().list()}))
        return
    models = _store().list(check=True)
    if not models:
        click.echo("Chưa có mô hình nào.")
    for m in models:
        mark = "*" if m["active"] else " "
        broken = "" if m["intact"] else "  [HỎNG: tệp mô hình thiếu hoặc không khớp SHA-256]"
        click.echo(f"{mark} {m['version']}  {m['created_at']}  {', '.join(m['heads'])}{broken}")


@cli.command("activate")
@click.argument("version")
def activate(version: str) -> None:
    """Kích hoạt phiên bản VERSION (sau khi kiểm tra nạp được)."""
    store = _store()
    try:
        store.activate(version)
    except ModelLoadError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã kích hoạt mô hình {version}.")
