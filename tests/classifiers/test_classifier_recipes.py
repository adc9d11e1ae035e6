"""Recipe errors are clear Vietnamese RecipeErrors naming the file and row."""

import pytest

from classifiers import RecipeError, load_recipe, train_recipe

LABELS = "{ harmful = true, unverified = false, positive = false, neutral = false }"


def _recipe(tmp_path, body: str):
    path = tmp_path / "r.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _csv(tmp_path, name: str, content: str):
    (tmp_path / name).write_text(content, encoding="utf-8")
    return name


def _binary(train: str) -> str:
    return f'[heads.harmful]\ntrain = [ {{ path = "{train}", labels = {LABELS} }} ]\n'


def test_bad_toml(tmp_path):
    with pytest.raises(RecipeError, match="TOML không hợp lệ"):
        load_recipe(_recipe(tmp_path, "[heads.harmful\n"))


def test_missing_file(tmp_path):
    with pytest.raises(RecipeError, match="không tìm thấy tệp dữ liệu 'nope.csv'"):
        load_recipe(_recipe(tmp_path, _binary("nope.csv")))


def test_data_prefix_without_data_dir(tmp_path):
    with pytest.raises(RecipeError, match="CAIDEP_DATA_DIR"):
        load_recipe(_recipe(tmp_path, _binary("data:vihsd/train.csv")))


def test_data_prefix_resolves_in_data_dir(tmp_path):
    (tmp_path / "d").mkdir()
    _csv(tmp_path / "d", "x.csv", "text,label\na,harmful\n")
    recipe = load_recipe(_recipe(tmp_path, _binary("data:x.csv")), tmp_path / "d")
    assert recipe.heads["harmful"].train[0].path == tmp_path / "d" / "x.csv"


def test_unknown_label_names_file_and_row(tmp_path):
    _csv(tmp_path, "t.csv", "text,label\nxin chào,neutral\nđồ ngu,HATE\n")
    with pytest.raises(
        RecipeError, match=r"t\.csv: dòng 3: nhãn 'HATE' không có trong bảng labels"
    ):
        train_recipe(_recipe(tmp_path, _binary("t.csv")), None)


def test_empty_file(tmp_path):
    _csv(tmp_path, "t.csv", "")
    with pytest.raises(RecipeError, match="t.csv: tệp rỗng"):
        train_recipe(_recipe(tmp_path, _binary("t.csv")), None)


def test_header_only(tmp_path):
    _csv(tmp_path, "t.csv", "text,label\n")
    with pytest.raises(RecipeError, match="không có dòng dữ liệu"):
        train_recipe(_recipe(tmp_path, _binary("t.csv")), None)


def test_wrong_columns(tmp_path):
    _csv(tmp_path, "t.csv", "content,class\na,b\n")
    with pytest.raises(RecipeError, match="dòng 1: cần đúng hai cột 'text,label'"):
        train_recipe(_recipe(tmp_path, _binary("t.csv")), None)


def test_short_row(tmp_path):
    _csv(tmp_path, "t.csv", "text,label\nchỉ một cột\n")
    with pytest.raises(RecipeError, match="dòng 2: cần 2 cột"):
        train_recipe(_recipe(tmp_path, _binary("t.csv")), None)


def test_single_class(tmp_path):
    _csv(tmp_path, "t.csv", "text,label\na,harmful\nb,harmful\n")
    with pytest.raises(RecipeError, match="chỉ có một nhãn"):
        train_recipe(_recipe(tmp_path, _binary("t.csv")), None)


def test_mixed_binary_and_multiclass(tmp_path):
    _csv(tmp_path, "t.csv", "text,label\na,harmful\n")
    body = _binary("t.csv") + 'dev = [ { path = "t.csv" } ]\n'
    with pytest.raises(RecipeError, match="hoặc mọi tệp đều có labels"):
        load_recipe(_recipe(tmp_path, body))


def test_unknown_keys(tmp_path):
    _csv(tmp_path, "t.csv", "text,label\na,harmful\n")
    with pytest.raises(RecipeError, match="khóa không hợp lệ"):
        load_recipe(_recipe(tmp_path, _binary("t.csv") + "colour = 1\n"))
    with pytest.raises(RecipeError, match="cần ít nhất một bảng"):
        load_recipe(_recipe(tmp_path, "title = 'x'\n"))


def test_labels_must_be_booleans(tmp_path):
    _csv(tmp_path, "t.csv", "text,label\na,harmful\n")
    body = '[heads.h]\ntrain = [ { path = "t.csv", labels = { harmful = "yes" } } ]\n'
    with pytest.raises(RecipeError, match="true hoặc false"):
        load_recipe(_recipe(tmp_path, body))


def test_dev_texts_never_in_train_and_duplicates_dropped(tmp_path, toy_recipe):
    model = train_recipe(
        toy_recipe, None, extra_examples={"harmful": [("thằng ngu mất dạy cút đi", True)]}
    )
    stats = model.metadata["heads"]["harmful"]
    # the extra example is a dev text of the toy corpus: it must not be trained on
    assert stats["dropped_train_duplicates_or_dev_overlap"] >= 1
    assert stats["extra_examples"] == 1


def test_extra_examples_must_match_head_kind(toy_recipe):
    with pytest.raises(RecipeError, match="true/false"):
        train_recipe(toy_recipe, None, extra_examples={"harmful": [("một bài mới", "harmful")]})


def test_bad_head_options(tmp_path):
    _csv(tmp_path, "t.csv", "text,label\na,harmful\n")
    for option, message in (
        ('model = "forest"', "model phải là"),
        ("C = -1", "C phải là số dương"),
        ('threshold = "recall:2"', "threshold phải là"),
        ('segmentation = "maybe"', "segmentation phải là"),
        ('strip_augment = "yes"', "strip_augment phải là"),
    ):
        with pytest.raises(RecipeError, match=message):
            load_recipe(_recipe(tmp_path, _binary("t.csv") + option + "\n"))


_VIEW = '{ name = "x", source = "norm", kind = "char", ngram = [1, 3] }'


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (f"views = [ {_VIEW.replace('[1, 3]', '[1, 12]')} ]", r"views\[1\]: ngram"),
        (f"views = [ {_VIEW.replace('[1, 3]', '[3, 1]')} ]", r"views\[1\]: ngram"),
        (f"views = [ {_VIEW.replace('norm', 'nowhere')} ]", r"views\[1\]: source"),
        (f"views = [ {_VIEW.replace('char', 'sentence')} ]", r"views\[1\]: source"),
        (f"views = [ {_VIEW.replace(' }', ', colour = 1 }')} ]", r"views\[1\]: cần dạng"),
        (f"views = [ {_VIEW.replace(' }', ', weight = -1 }')} ]", r"weight phải là số dương"),
        ("views = []", "views phải là danh sách"),
        ('views = "word"', "views phải là danh sách"),
        ('bits = "lots"', "bits phải là số nguyên từ 12 đến 22"),
        ("bits = 40", "bits phải là số nguyên từ 12 đến 22"),
        ("min_df = 0", "min_df phải là số nguyên"),
        ('shape = "yes"', "shape phải là true hoặc false"),
    ],
)
def test_bad_features_are_refused_before_any_text_is_read(tmp_path, features, message):
    """load_recipe says what is wrong at once (training would only fail after normalising)."""
    _csv(tmp_path, "t.csv", "text,label\na,harmful\nb,neutral\n")
    with pytest.raises(RecipeError, match=r"\[features\].*" + message):
        load_recipe(_recipe(tmp_path, f"[features]\n{features}\n" + _binary("t.csv")))
