"""The ``flask classifiers`` commands through a minimal app's test runner."""

import json

from classifiers import ModelStore


def test_list_json(runner, store_dir):
    result = runner.invoke(args=["classifiers", "list", "--json"])
    assert result.exit_code == 0, result.output
    models = json.loads(result.stdout)["models"]
    assert len(models) == 1 and models[0]["active"] is True
    assert set(models[0]) == {"version", "active", "heads", "created_at"}


def test_list_marks_a_damaged_model_file(runner, store_dir):
    version = ModelStore(store_dir).active_version()
    assert "HỎNG" not in runner.invoke(args=["classifiers", "list"]).output
    path = store_dir / version / "model.skops"
    path.write_bytes(path.read_bytes()[:100])
    result = runner.invoke(args=["classifiers", "list"])
    assert result.exit_code == 0 and version in result.output and "HỎNG" in result.output


def test_predict_reads_lines_and_prints_json_lines(runner):
    result = runner.invoke(
        args=["classifiers", "predict", "active"], input="thằng ngu mất dạy\nmai họp bản\n"
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    assert lines[0]["label"] == "harmful"
    assert set(lines[1]) == {"label", "scores", "explanation", "model_version"}


def test_train_json_activates_when_asked(runner, store_dir, toy_recipe):
    before = ModelStore(store_dir).active_version()
    result = runner.invoke(args=["classifiers", "train", str(toy_recipe), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"version", "dev"}
    assert out["dev"]["harmful"]["n"] == 20
    assert ModelStore(store_dir).active_version() == before
    result = runner.invoke(args=["classifiers", "activate", out["version"]])
    assert result.exit_code == 0 and out["version"] in result.output
    assert ModelStore(store_dir).active_version() == out["version"]


def test_train_table_and_first_model_becomes_active(cli_app, tmp_path, toy_recipe):
    cli_app.config["CAIDEP_MODELS_DIR"] = str(tmp_path / "fresh")
    result = cli_app.test_cli_runner().invoke(args=["classifiers", "train", str(toy_recipe)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "harmful" in result.stdout
    assert "Huấn luyện đầu 'harmful'" in result.stderr
    assert ModelStore(tmp_path / "fresh").active_version() in result.stdout


def test_train_include_reviews_needs_provider(runner, toy_recipe):
    result = runner.invoke(args=["classifiers", "train", str(toy_recipe), "--include-reviews"])
    assert result.exit_code != 0
    assert "chưa được đăng ký" in result.output


def test_train_include_reviews_uses_provider(cli_app, runner, toy_recipe):
    cli_app.extensions["caidep.review_examples"] = lambda: {
        "harmful": [("đồ lừa đảo khốn nạn", True)]
    }
    result = runner.invoke(
        args=["classifiers", "train", str(toy_recipe), "--include-reviews", "--json"]
    )
    assert result.exit_code == 0, result.output


def test_train_bad_recipe_is_a_clean_error(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[heads.x]\ntrain = [ { path = 'missing.csv' } ]\n", encoding="utf-8")
    result = runner.invoke(args=["classifiers", "train", str(bad)])
    assert result.exit_code != 0
    assert "không tìm thấy tệp dữ liệu 'missing.csv'" in result.output
    assert "Traceback" not in result.output


def test_evaluate_with_label_map(runner, tmp_path):
    data = tmp_path / "eval.csv"
    data.write_text(
        "text,label\nthằng ngu mất dạy,HATE\nmai họp bản lúc 8h,CLEAN\n", encoding="utf-8"
    )
    args = ["classifiers", "evaluate", "active", "--head", "harmful", "--data", str(data)]
    result = runner.invoke(args=[*args, "--label-map", "HATE=true,CLEAN=false", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {
        "n", "accuracy", "macro_f1", "per_label", "roc_auc", "confusion",
        "average_precision", "threshold",
    }
    assert out["n"] == 2 and out["roc_auc"] == 1.0 and out["average_precision"] == 1.0
    result = runner.invoke(args=[*args, "--label-map", "HATE=yes"])
    assert result.exit_code != 0 and "--label-map" in result.output
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "--label-map" in result.output


def test_evaluate_ignores_extra_columns_and_reads_a_named_label_column(runner, tmp_path):
    data = tmp_path / "export.csv"
    data.write_text(
        "id,Text,nguồn,nhan\n1,thằng ngu mất dạy,zalo,true\n2,mai họp bản lúc 8h,fb,false\n",
        encoding="utf-8",
    )
    args = ["classifiers", "evaluate", "active", "--head", "harmful", "--data", str(data)]
    result = runner.invoke(args=[*args, "--label-column", "nhan"])
    assert result.exit_code == 0, result.output
    assert "Bỏ qua 2 cột không dùng: id, nguồn." in result.stderr
    assert "ROC-AUC 1.000 · độ chính xác trung bình (AP) 1.000 · ở ngưỡng" in result.stdout
    assert "precision 1.000, recall 1.000, F1 1.000" in result.stdout
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "không có cột 'label' (các cột: id, Text, nguồn, nhan)" in result.output


def test_evaluate_a_wrong_file_is_one_vietnamese_line(runner, tmp_path, store_dir):
    args = ["classifiers", "evaluate", "active", "--head", "harmful", "--data"]
    model_file = next(store_dir.glob("*/model.skops"))
    short = tmp_path / "short.csv"
    short.write_text("text,label\nmột dòng\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("ghi chú họp chi bộ\nkhông phải bảng\n", encoding="utf-8")
    for path, said in [
        (model_file, "không phải tệp văn bản UTF-8"),
        (short, "dòng 2: cần 2 cột, thấy 1"),
        (notes, "không có cột 'text', 'label'"),
    ]:
        result = runner.invoke(args=[*args, str(path)])
        assert result.exit_code != 0
        assert said in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_evaluate_multiclass_head(runner, toy_recipe):
    data = toy_recipe.parent / "toy_dev.csv"
    args = ["classifiers", "evaluate", "active", "--head", "topic", "--data", str(data), "--json"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 20


def test_unknown_version_and_head(runner):
    result = runner.invoke(args=["classifiers", "predict", "20990101-000000-0000"], input="x\n")
    assert result.exit_code != 0 and "Không tìm thấy mô hình" in result.output
    result = runner.invoke(args=["classifiers", "activate", "nope"])
    assert result.exit_code != 0
    data_args = ["--data", "/nonexistent.csv"]
    result = runner.invoke(args=["classifiers", "evaluate", "active", "--head", "nope", *data_args])
    assert result.exit_code != 0 and "Không tìm thấy tệp" in result.output


def test_no_active_model(cli_app, tmp_path):
    cli_app.config["CAIDEP_MODELS_DIR"] = str(tmp_path / "empty")
    result = cli_app.test_cli_runner().invoke(
        args=["classifiers", "predict", "active"], input="x\n"
    )
    assert result.exit_code != 0 and "Chưa có mô hình" in result.output
