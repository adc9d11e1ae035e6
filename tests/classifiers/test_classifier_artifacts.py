"""skops artifacts and the model store: round trip, trusted types, refusing broken files."""

import json

import pytest
import skops.io as sio

from classifiers import ModelLoadError, ModelStore, train_recipe


def test_round_trip_and_only_trusted_types(store_dir, toy_model):
    store = ModelStore(store_dir)
    version = store.active_version()
    assert version == toy_model.version
    assert sio.get_untrusted_types(file=store_dir / version / "model.skops") == []
    loaded = store.load(version)
    texts = ["thằng ngu mất dạy", "nghe đồn lũ về", "HTX chè được mùa", "mai họp"]
    assert loaded.predict(texts) == toy_model.predict(texts)
    assert loaded.thresholds == toy_model.thresholds
    sidecar = json.loads((store_dir / version / "model.json").read_text(encoding="utf-8"))
    assert sidecar["version"] == version
    assert set(sidecar["heads"]) == {"harmful", "unverified", "positive", "topic"}


def test_list_and_get_active(store_dir, toy_model):
    store = ModelStore(store_dir)
    listed = store.list()
    assert listed == [
        {
            "version": toy_model.version,
            "active": True,
            "heads": ["harmful", "positive", "topic", "unverified"],
            "created_at": toy_model.metadata["created_at"],
        }
    ]
    first = store.get_active()
    assert first is store.get_active()


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_model_file_is_refused(store_dir, toy_model, damage):
    path = store_dir / toy_model.version / "model.skops"
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    else:
        path.write_bytes(b"not a zip at all")
    with pytest.raises(ModelLoadError, match="bị hỏng, bị cắt cụt hoặc bị sửa"):
        ModelStore(store_dir).load(toy_model.version)


def test_untrusted_types_refused_even_with_matching_hash(store_dir, toy_model):
    """A file rewritten with a custom type (and a forged hash) is still refused."""
    import hashlib

    directory = store_dir / toy_model.version
    sio.dump({"format": 1, "x": ModelStore}, directory / "model.skops")
    sidecar = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    sidecar["artifact"]["sha256"] = hashlib.sha256(
        (directory / "model.skops").read_bytes()
    ).hexdigest()
    (directory / "model.json").write_text(json.dumps(sidecar), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="không tin cậy"):
        ModelStore(store_dir).load(toy_model.version)


def test_store_keeps_last_good_model_when_new_one_is_corrupt(
    store_dir, toy_model, toy_recipe, caplog
):
    store = ModelStore(store_dir)
    good = store.get_active()
    newer = train_recipe(toy_recipe, None)
    version = store.save(newer)
    store.activate(version)
    (store_dir / version / "model.skops").write_bytes(b"\0" * 10)
    assert store.get_active() is good
    assert "bị hỏng" in caplog.text
    assert store.get_active() is good
    fresh = ModelStore(store_dir)
    with pytest.raises(ModelLoadError):
        fresh.get_active()


def test_activate_refuses_broken_or_unknown_versions(store_dir):
    store = ModelStore(store_dir)
    with pytest.raises(ModelLoadError, match="Không tìm thấy"):
        store.activate("20990101-000000-ffff")
    with pytest.raises(ModelLoadError, match="không hợp lệ"):
        store.activate("../etc")


def test_empty_store(tmp_path):
    store = ModelStore(tmp_path / "none")
    assert store.list() == []
    assert store.active_version() is None
    assert store.get_active() is None
