"""Forty invented posts of the kind that circulate in a commune's Zalo groups, and the edits
people make when they forward them (written for these tests; not taken from any dataset).

Several posts share a topic and phrases on purpose (two scams about prizes, two weather
warnings, two rumours about the school…) so that "distinct posts stay apart" means something.
"""

from __future__ import annotations

import random
import re
import unicodedata

ORIGINALS = [
    # Rumours and unverified claims
    "Nghe nói tuần sau xã sẽ thu hồi đất của các hộ ở Bản Mạt để làm khu công nghiệp. "
    "Ai chưa có sổ đỏ thì sẽ không được đền bù đồng nào. Mọi người lên xã hỏi ngay đi kẻo muộn.",
    "Có người ở huyện báo là nước giếng khoan ở Bản Sam Quang bị nhiễm độc, uống vào sẽ bị ung thư. "
    "Cán bộ biết mà giấu không cho dân biết. Nhà nào có trẻ con thì đừng cho uống nước giếng nữa.",
    "Trường tiểu học của xã sắp bị sáp nhập, học sinh lớp một sẽ phải đi học ở trung tâm huyện. "
    "Phụ huynh phải tự lo xe đưa đón hàng ngày. Thông tin này do một cô giáo kể lại.",
    "Trường trung học cơ sở năm nay sẽ thu thêm tiền xây nhà vệ sinh mỗi học sinh ba trăm nghìn. "
    "Ai không nộp thì con không được thi học kỳ. Phụ huynh phản đối đông lắm.",
    "Đêm qua có hai người lạ đi xe máy không biển số vào bản bắt trẻ con. "
    "Họ dùng kẹo có thuốc mê để dụ các cháu. Các gia đình trông con cẩn thận.",
    "Nghe tin trạm y tế xã sẽ đóng cửa từ tháng sau vì thiếu bác sĩ. "
    "Ai ốm đau phải xuống tận bệnh viện huyện mới được khám.",
    "Lợn ở Bản Huổi Lầu chết hàng loạt là do dịch tả châu Phi, thú y xã biết nhưng không công bố. "
    "Thịt lợn bán ở chợ phiên tuần này đều là lợn bệnh. Mọi người đừng mua.",
    "Có tin giá thóc năm nay thương lái chỉ mua ba nghìn một cân vì nhà máy đóng cửa. "
    "Bà con giữ thóc lại đừng bán vội.",
    "Điện lực sắp cắt điện toàn xã một tuần để thay đường dây mà không báo trước. "
    "Nhà nào có tủ lạnh thì chuẩn bị đi.",
    "Người ta đồn rằng cầu treo Nậm Hon sắp sập, đã có vết nứt lớn ở trụ. "
    "Xã vẫn cho xe máy đi qua như thường. Đi qua cầu nhớ cẩn thận.",
    # Scams
    "Chúc mừng quý khách đã trúng thưởng một xe máy Honda từ chương trình tri ân khách hàng. "
    "Vui lòng chuyển khoản phí hồ sơ hai triệu đồng để nhận giải trong hôm nay. "
    "Liên hệ số điện thoại trong tin nhắn để được hướng dẫn.",
    "Bạn được chọn nhận gói hỗ trợ người dân vùng biên giới mười lăm triệu đồng. "
    "Chỉ cần bấm vào đường link, điền số tài khoản ngân hàng và mã OTP để nhận tiền ngay.",
    "Tuyển gấp lao động đi làm ở nước ngoài lương ba mươi triệu một tháng, không cần bằng cấp. "
    "Đặt cọc năm triệu để giữ chỗ, bay trong tháng này.",
    "Vay tiền không cần thế chấp, giải ngân trong ba mươi phút, chỉ cần căn cước công dân. "
    "Lãi suất thấp nhất thị trường, ai cần thì nhắn tin riêng.",
    "Công an xã thông báo tài khoản ngân hàng của anh chị liên quan đến một vụ rửa tiền. "
    "Yêu cầu chuyển toàn bộ số dư sang tài khoản tạm giữ để phục vụ điều tra.",
    # Hateful or vulgar
    "Mấy đứa người bản bên lười như hủi, chỉ biết ăn bám trợ cấp nhà nước. "
    "Đừng cho chúng nó vào làm ở hợp tác xã.",
    "Thằng trưởng bản ngu như bò, ăn tiền của dân mà còn lên mặt. "
    "Cả nhà nó rồi sẽ không có kết cục tốt đâu.",
    "Tối nay cả bản kéo lên nhà văn hóa đập phá cho bọn cán bộ biết tay. "
    "Ai không đi là hèn.",
    # Positive stories
    "Chi đoàn thanh niên Bản Mạt vừa sửa xong con đường đất dài hai cây số dẫn lên nương. "
    "Hơn ba mươi đoàn viên làm suốt hai ngày cuối tuần. Bà con đi lại thuận tiện hơn nhiều.",
    "Hợp tác xã chè Bản Pá Khoang vừa xuất bán lô chè đầu tiên đạt chuẩn an toàn. "
    "Mỗi cân chè búp khô bán được hai trăm nghìn, gấp đôi năm ngoái. "
    "Các hộ trồng chè rất phấn khởi.",
    "Cô giáo Lò Thị Hoa ở điểm trường Bản Co Đứa đã mười năm cắm bản dạy chữ. "
    "Cô còn tự bỏ tiền mua sách vở cho học sinh nghèo. Phụ huynh trong bản ai cũng quý cô.",
    "Đội văn nghệ Bản Nà Cang giành giải nhất hội diễn văn nghệ quần chúng của huyện. "
    "Tiết mục múa xòe của các chị em được ban giám khảo đánh giá rất cao.",
    "Anh Quàng Văn Thắng ở Bản Huổi Mòn nhặt được chiếc ví có hơn năm triệu đồng. "
    "Anh đã mang đến công an xã để trả lại cho người đánh rơi.",
    "Mô hình nuôi cá lồng trên lòng hồ của nhóm hộ Bản Nà Lan cho thu nhập ổn định. "
    "Mỗi lồng cá một năm lãi khoảng ba mươi triệu đồng. Xã đang nhân rộng cho các bản khác.",
    "Ngày chủ nhật xanh, các hội viên phụ nữ xã đã thu gom rác và trồng hai trăm cây xanh dọc đường liên bản. "
    "Cảnh quan thôn bản sạch đẹp hơn hẳn.",
    "Chi bộ Bản Púng Bánh hoàn thành việc xóa nhà tạm cho ba hộ nghèo trước mùa mưa. "
    "Bà con góp công, đoàn viên góp sức, nhà nào cũng vững chãi.",
    # Official-looking notices (neutral)
    "Ủy ban nhân dân xã thông báo lịch tiêm vắc xin cho trẻ dưới năm tuổi vào sáng thứ bảy tại trạm y tế. "
    "Phụ huynh nhớ mang theo sổ tiêm chủng.",
    "Xã tổ chức tập huấn kỹ thuật trồng cà phê cho bà con vào ngày mười lăm tháng này tại nhà văn hóa. "
    "Mỗi hộ cử một người tham dự.",
    "Lịch họp bản tháng này chuyển sang tối thứ sáu tại nhà văn hóa Bản Lóng Lay. "
    "Nội dung bàn về việc làm đường bê tông nội bản.",
    "Trạm khuyến nông thông báo cấp phát giống ngô lai vụ hè thu cho các hộ đã đăng ký. "
    "Bà con mang theo căn cước khi đến nhận.",
    # Weather / safety (pairs sharing phrases on purpose)
    "Cảnh báo mưa lớn kéo dài ba ngày tới, nguy cơ lũ quét và sạt lở đất ở các bản ven suối. "
    "Bà con không đi qua ngầm tràn khi nước đang lên.",
    "Dự báo đợt rét đậm rét hại từ đêm nay, nhiệt độ vùng núi có thể xuống dưới năm độ. "
    "Bà con chú ý che chắn chuồng trại và giữ ấm cho trâu bò.",
    "Mùa khô hanh nguy cơ cháy rừng rất cao. "
    "Bà con tuyệt đối không đốt nương gần rừng phòng hộ và báo ngay khi thấy khói.",
    "Có tin mưa lớn làm sạt lở đoạn đường lên Bản Phiêng Xa, xe ô tô không đi được. "
    "Bà con đi chợ phiên nên đi đường vòng qua Bản Nà Tòng.",
    # Short ones
    "Ai nhặt được con trâu đực màu đen lạc từ Bản Huổi Sẳn thì báo giúp gia đình ông Lường Văn Sáu.",
    "Chợ phiên Mường Lèo tuần này vẫn họp bình thường vào sáng chủ nhật, bà con yên tâm đi chợ.",
    "Cần bán gấp hai con bê giống khỏe mạnh, giá hợp lý, liên hệ anh Tòng ở Bản Nà Tòng.",
    "Nhà văn hóa bản cần người dọn dẹp trước buổi liên hoan tối mai, ai rảnh thì đến giúp.",
    "Đường điện Bản Pá Lông bị đổ cột sau cơn giông chiều nay, điện lực đang khắc phục.",
    "Xin mọi người cầu nguyện cho bé Thảo ở Bản Huổi Hịa đang điều trị ở bệnh viện tỉnh.",
]

# Distinct posts that reuse the wording of an original above (same scam template, same kind of
# notice): they must not join the original's cluster.
SIBLINGS = [
    "Chúc mừng quý khách đã trúng thưởng một chiếc điện thoại từ chương trình quay số may mắn. "
    "Vui lòng chuyển khoản phí vận chuyển năm trăm nghìn đồng để nhận quà tại nhà.",
    "Cảnh báo mưa lớn trong đêm nay, nước suối Nậm Lạnh dâng cao. "
    "Bà con không cho trẻ em ra suối tắm và không đánh cá khi nước đang lên.",
    "Ủy ban nhân dân xã thông báo lịch khám sức khỏe miễn phí cho người cao tuổi vào sáng chủ nhật "
    "tại trạm y tế. Các cụ nhớ mang theo thẻ bảo hiểm y tế.",
    "Nghe nói tháng sau xã sẽ làm đường bê tông qua Bản Mạt, các hộ ven đường phải hiến đất. "
    "Ai không đồng ý thì lên xã họp vào tối thứ năm.",
    "Đội bóng chuyền Bản Nà Cang giành giải nhì giải thể thao các dân tộc của huyện. "
    "Cả bản ra đón các vận động viên trở về.",
    "Hợp tác xã chè Bản Pá Khoang đang tuyển thêm người hái chè vụ xuân. "
    "Trả công theo ngày, ai cần việc thì đăng ký với chủ nhiệm hợp tác xã.",
    "Ai nhặt được con bò cái màu vàng lạc ở khu nương Bản Phiêng Xa thì báo giúp gia đình bà Cầm Thị Lả.",
    "Công an xã thông báo thời gian làm căn cước công dân lưu động tại nhà văn hóa các bản trong tuần tới. "
    "Bà con mang theo sổ hộ khẩu cũ nếu còn.",
    "Dự báo nắng nóng gay gắt mấy ngày tới, nhiệt độ có thể lên ba mươi tám độ. "
    "Bà con hạn chế lên nương buổi trưa và cho trâu bò uống đủ nước.",
    "Trường tiểu học của xã tổ chức ngày hội đọc sách vào sáng thứ bảy. "
    "Phụ huynh có sách cũ có thể mang đến tặng thư viện của trường.",
]

PREFIXES = ["Chia sẻ gấp!!!", "CHIA SẺ GẤP!!!", "Chia sẻ gấp!!! ", "⚠️ Chia sẻ gấp!!!"]
EMOJI = ["😱", "🔥", "🙏", "⚠️", "👉", "‼️", "😡", "❤️", "👍"]
EXTRA_SENTENCES = [
    "Mọi người cẩn thận nhé.",
    "Ai biết thì báo cho bà con cùng biết.",
    "Đọc xong nhớ chia sẻ cho người thân.",
    "Tin này mình nhận từ nhóm khác.",
]


def strip_diacritics(text: str) -> str:
    """What a phone keyboard without Vietnamese input produces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sentences(text: str) -> list[str]:
    """Split after each run of sentence-ending punctuation, keeping it."""
    return [part.strip() for part in re.split(r"(?<=[.!?])(?![.!?])\s*", text) if part.strip()]


def _add_prefix(text, rng):
    return rng.choice(PREFIXES) + (" " if rng.random() < 0.5 else "\n") + text


def _add_emoji(text, rng):
    words = text.split(" ")
    for _ in range(rng.randint(1, 4)):
        words.insert(rng.randint(0, len(words)), rng.choice(EMOJI) * rng.randint(1, 3))
    return " ".join(words)


def _lose_diacritics(text, rng):
    return strip_diacritics(text)


def _change_whitespace(text, rng):
    parts = sentences(text)
    glue = rng.choice(["\n", "\n\n", "  ", " \n "])
    return glue.join(parts).replace(", ", rng.choice([",  ", ",\n", ", "]))


def _drop_sentence(text, rng):
    parts = sentences(text)
    if len(parts) < 3:
        return text
    parts.pop(rng.randrange(len(parts)))
    return " ".join(parts)


def _add_sentence(text, rng):
    parts = sentences(text)
    parts.insert(rng.randint(0, len(parts)), rng.choice(EXTRA_SENTENCES))
    return " ".join(parts)


# Edits of the content come first (one sentence dropped or added, not both), the forwarder's
# "Chia sẻ gấp!!!" last, as people do it.
SENTENCE_EDITS = [_drop_sentence, _add_sentence]
SURFACE_EDITS = [_add_emoji, _lose_diacritics, _change_whitespace]


def forwarded_variant(text: str, rng: random.Random) -> str:
    """One forwarded copy: one to four edits drawn from the lists above."""
    edits = rng.sample(SURFACE_EDITS, rng.randint(0, 3))
    if rng.random() < 0.5:
        edits.insert(0, rng.choice(SENTENCE_EDITS))
    if rng.random() < 0.5 or not edits:
        edits.append(_add_prefix)
    for edit in edits:
        text = edit(text, rng)
    return text


def forwarded_variants(per_original: int = 6, seed: int = 5) -> list[tuple[int, str]]:
    """(original index, variant) pairs, `per_original` variants of each original."""
    rng = random.Random(seed)
    return [(index, forwarded_variant(original, rng))
            for index, original in enumerate(ORIGINALS) for _ in range(per_original)]


# --- Real texts (ViHSD, ReINTEL, ViCTSD dev from CAIDEP_DATA_DIR; never copied here) ---------
# The edits forwarders make, as SPEC and issue 14 list them. A forwarder's own words in front
# ("Nhóm bên gửi sang:") go only on posts of 12 words or more: on a three-word comment they
# would make another comment, not a copy.
SHARE_PREFIXES = ["Chia sẻ gấp!!!", "CHIA SẺ NGAY", "⚠️ KHẨN CẤP:", "Fw:", "Chia sẻ ngay cho mọi người"]
SHARE_SUFFIXES = ["Chia sẻ ngay!!!", "chia se gap", "Đọc xong nhớ chia sẻ cho người thân.", "👉 Xem thêm"]
OWN_WORDS = ["Mọi người đọc cái này:", "Nhóm bên gửi sang:", "Không biết thật không?",
             "Tin từ bản Nà Vạc:", "Bác nào biết chuyện này không ạ:"]
TRUNCATION_TAILS = ["…", "... Xem thêm", ""]


def _real_edits(text: str) -> list[str]:
    """The edits that apply to this text."""
    count = len(text.split())
    edits = ["emoji", "share", "diacritics", "lines"]
    return edits + (["prefix"] if count >= 12 else []) + (["truncate"] if count >= 30 else [])


def _apply(edit: str, text: str, rng: random.Random) -> str:
    if edit == "emoji":
        return _add_emoji(text, rng)
    if edit == "share":
        if rng.random() < 0.5:
            return rng.choice(SHARE_PREFIXES) + rng.choice([" ", "\n"]) + text
        return text + rng.choice([" ", "\n"]) + rng.choice(SHARE_SUFFIXES)
    if edit == "diacritics":
        return strip_diacritics(text)
    if edit == "lines":
        return re.sub(r"(?<=[.!?,]) ", lambda m: rng.choice(["\n", " ", "\n\n"]), text)
    if edit == "prefix":
        return rng.choice(OWN_WORDS) + " " + text
    words = text.split(" ")  # truncate: Zalo's preview cuts a long post
    return " ".join(words[:int(len(words) * rng.uniform(0.6, 0.9))]) + rng.choice(TRUNCATION_TAILS)


def real_variant(text: str, rng: random.Random) -> tuple[str, list[str]]:
    """A forwarded copy of a real post (one to three edits) and the edits made."""
    edits = rng.sample(_real_edits(text), rng.randint(1, 3))
    for edit in edits:
        text = _apply(edit, text, rng)
    return text, edits


def shared_copy(a: str, b: str) -> bool:
    """Reference rule, independent of the clustering: the two texts are copies of one text
    when their normalised characters are 90 % alike, or when 80 % of the shorter one appears
    in the longer in verbatim runs of 40 characters or more (a chain message quoted whole)."""
    import difflib

    from moderation.neardup import normalise

    x, y = sorted((normalise(a), normalise(b)), key=len)
    matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
    if matcher.ratio() >= 0.9:
        return True
    runs = sum(block.size for block in matcher.get_matching_blocks() if block.size >= 40)
    return bool(x) and runs / len(x) >= 0.8


def evaluate_real(texts: list[str], seed: int = 1, per_text: int = 2) -> dict:
    """Distinct real posts through the band index as intake uses it (candidates ranked by shared
    keys, MAX_CANDIDATES kept, the closest accepted), then forwarded copies of each."""
    from collections import Counter, defaultdict

    from moderation import neardup
    from moderation.services.clusters import MAX_CANDIDATES

    rng = random.Random(seed)
    posts = list({neardup.words(t): t for t in texts if neardup.words(t)}.values())
    index: dict[int, list[int]] = defaultdict(list)
    fps: list = []

    def lookup(fp) -> list[int]:
        hits = Counter(j for key in neardup.band_keys(fp, 1) for j in index[key])
        return [j for j, _ in hits.most_common(MAX_CANDIDATES)]

    def pick(fp, candidates) -> int | None:
        best = neardup.closest(fp, [posts[j] for j in candidates],
                               [fps[j].to_bytes() for j in candidates],
                               [fps[j].count for j in candidates])
        return None if best is None else candidates[best]

    proposed = copies = 0
    merges: list[tuple[str, str]] = []
    for i, text in enumerate(posts):
        fp = neardup.fingerprint(text)
        for j in lookup(fp):
            proposed += 1
            if shared_copy(posts[j], text):
                copies += 1
            elif pick(fp, [j]) is not None:
                merges.append((posts[j], text))
        for key in neardup.band_keys(fp, 1):
            index[key].append(i)
        fps.append(fp)
    joined: Counter = Counter()
    tried: Counter = Counter()
    misses: list[tuple[str, str]] = []
    for i, text in enumerate(posts):
        for _ in range(per_text):
            copy, edits = real_variant(text, rng)
            fp = neardup.fingerprint(copy)
            ok = pick(fp, lookup(fp)) == i
            for edit in edits:
                tried[edit] += 1
                joined[edit] += ok
            tried["all"] += 1
            joined["all"] += ok
            if not ok:
                misses.append((text, copy))
    distinct = proposed - copies
    return {
        "posts": len(posts),
        "pairs_proposed_by_the_index": proposed,
        "of_which_copies_by_the_reference_rule": copies,
        "distinct_pairs_merged": len(merges),
        "distinct_pairs_kept_apart": round(1 - len(merges) / distinct, 4) if distinct else 1.0,
        "copies": tried["all"],
        "copies_joined": round(joined["all"] / tried["all"], 4) if tried["all"] else None,
        "joined_by_edit": {k: round(joined[k] / n, 4) for k, n in sorted(tried.items()) if k != "all"},
        "merges": merges,
        "misses": misses,
    }
