"""The commune-local correction: reviewers' decisions teach the model words it did not know,
without retraining the base, and the corrected model is an ordinary model (saved, loaded,
explained)."""

import numpy as np

from classifiers import ModelStore
from classifiers.correction import MIN_PER_CLASS, correct

# a local insult the toy corpus never uses, and ordinary commune talk
INSULTS = ["lũ ba que lại lên mạng xuyên tạc", "bọn ba que cứ rêu rao chống phá",
           "đám ba que ăn cháo đá bát", "ba que thì chỉ biết nói láo", "lũ ba que bịa chuyện hoài",
           "tụi ba que đi chỗ khác", "bọn ba que xuyên tạc tin xã", "ba que phản động lại bịa"]
TALK = ["xã vừa làm xong con đường mới", "mai họp chi bộ lúc tám giờ sáng",
        "giá lúa năm nay tăng nhẹ", "bà con nhớ tiêm phòng cho gà", "trường mở lớp học bơi cho trẻ",
        "chợ phiên họp vào chủ nhật", "đội văn nghệ tập cho ngày hội",
        "thôn trồng thêm cây xanh ven đường"]
NEW_INSULT = "bọn ba que lại tụ tập bịa chuyện"
NEW_TALK = "con đường mới của thôn rất đẹp"


def _decisions(insults=INSULTS, talk=TALK) -> dict:
    return {"harmful": [(t, True) for t in insults] + [(t, False) for t in talk]}


def test_decisions_teach_the_model_a_local_insult_it_did_not_know(toy_model):
    before = toy_model.predict([NEW_INSULT, NEW_TALK])
    assert before[0]["scores"]["harmful"] < 0.5  # a guess near the threshold
    fixed = correct(toy_model, _decisions())
    insult, talk = fixed.predict([NEW_INSULT, NEW_TALK])
    assert insult["label"] == "harmful" and insult["scores"]["harmful"] > 0.8
    assert talk["label"] != "harmful"
    assert "ba que" in " ".join(item["text"] for item in insult["explanation"])
    # the heads without decisions are the base model's own
    assert insult["scores"]["unverified"] == before[0]["scores"]["unverified"]
    facts = fixed.metadata["correction"]["harmful"]
    assert facts["corrected"] and facts["n"] == 16 and facts["positives"] == 8
    assert fixed.metadata["base_version"] == toy_model.version != fixed.version


def test_a_corrected_model_is_saved_and_loaded_like_any_other(toy_model, tmp_path):
    fixed = correct(toy_model, _decisions())
    store = ModelStore(tmp_path)
    version = store.save(fixed)
    loaded = store.load(version)
    assert [p["scores"] for p in loaded.predict([NEW_INSULT, NEW_TALK])] == \
        [p["scores"] for p in fixed.predict([NEW_INSULT, NEW_TALK])]
    assert store.metadata(version)["correction"]["harmful"]["corrected"] is True


def test_too_few_decisions_of_a_kind_leave_the_head_as_it_was(toy_model):
    few = _decisions(INSULTS[: MIN_PER_CLASS - 1])
    fixed = correct(toy_model, few)
    assert np.array_equal(fixed.W, toy_model.W) and np.array_equal(fixed.b, toy_model.b)
    facts = fixed.metadata["correction"]["harmful"]
    assert facts["corrected"] is False
    assert facts["why"] == f"cần ít nhất {MIN_PER_CLASS} quyết định mỗi loại"



def test_a_correction_that_ranks_no_better_than_the_base_is_not_used(toy_model, toy_recipe):
    rows = [line.rsplit(",", 1) for line in
            (toy_recipe.parent / "toy.csv").read_text(encoding="utf-8").splitlines()[1:]]
    known = [(text.strip('"'), label == "harmful") for text, label in rows
             if label in ("harmful", "neutral")]  # the base ranks its own training posts perfectly
    fixed = correct(toy_model, {"harmful": known})
    facts = fixed.metadata["correction"]["harmful"]
    assert facts["corrected"] is False and facts["base_roc_auc"] == 1.0
    assert facts["why"].startswith("hiệu chỉnh không xếp hạng tốt hơn mô hình gốc")
    assert np.array_equal(fixed.W, toy_model.W)
