"""Vietnamese folded to GSM-7 and SMS parts counted, against cases worked out by hand."""

from __future__ import annotations

import pytest

from services.notify.delivery.sms_text import fold_vietnamese, is_gsm7, prepare


@pytest.mark.parametrize(("written", "folded"), [
    ("Hồ sơ đã được tiếp nhận", "Ho so da duoc tiep nhan"),
    ("Nguyễn Thị Hoà", "Nguyen Thi Hoa"),
    ("ĐỖ ĐỨC ĐẠT", "DO DUC DAT"),                       # đ/Đ are letters, not d + a mark
    ("Ủy ban nhân dân phường Ba Đình", "Uy ban nhan dan phuong Ba Dinh"),
    ("Thửa đất số 12, tờ bản đồ 03", "Thua dat so 12, to ban do 03"),
    ("Lệ phí: 50.000 đồng", "Le phi: 50.000 dong"),
    ("Hạn: 17:00 – 26/11/2026", "Han: 17:00 - 26/11/2026"),   # en dash is not GSM-7
    ("“Một cửa” …", '"Mot cua" ...'),
    ("Chữ Hán 漢", "Chu Han ?"),                          # what GSM-7 cannot carry at all
])
def test_folding(written, folded):
    assert fold_vietnamese(written) == folded
    assert is_gsm7(folded)


def test_decomposed_input_folds_like_composed():
    # "ệ" typed as e + circumflex + dot below (NFD), as some keyboards produce it
    assert fold_vietnamese("Vie\u0302\u0323t Nam") == "Viet Nam"


@pytest.mark.parametrize(("text", "unicode", "encoding", "units", "segments"), [
    ("a" * 160, False, "gsm7", 160, 1),
    ("a" * 161, False, "gsm7", 161, 2),
    ("a" * 306, False, "gsm7", 306, 2),
    ("a" * 307, False, "gsm7", 307, 3),
    ("{" * 80, False, "gsm7", 160, 1),            # extension characters take two septets
    ("a" * 152 + "€", False, "gsm7", 154, 1),      # 154 septets still fit one unsplit message
    ("ệ" * 70, True, "ucs2", 70, 1),
    ("ệ" * 71, True, "ucs2", 71, 2),
    ("ệ" * 134, True, "ucs2", 134, 2),
    ("ệ" * 135, True, "ucs2", 135, 3),
    ("Hồ sơ", False, "gsm7", 5, 1),               # folded first, so GSM-7
    ("Ho so", True, "gsm7", 5, 1),                # Unicode allowed, but not needed
])
def test_segments(text, unicode, encoding, units, segments):
    body = prepare(text, unicode=unicode)
    assert (body.encoding, body.units, body.segments) == (encoding, units, segments)


def test_an_escape_pair_is_never_split_across_parts():
    # 152 plain characters then "€" (2 septets) would end part one at 154 > 153: the euro moves to part two.
    body = prepare("a" * 152 + "€" + "b" * 10, unicode=False)
    assert (body.units, body.segments) == (164, 2)
    body = prepare("a" * 152 + "€" + "b" * 152, unicode=False)
    assert body.units == 306 and body.segments == 3   # 152 | € + 151 | 1: the pair pushed a part over


def test_a_typical_vietnamese_sms_fits_one_part_folded_but_not_in_unicode():
    text = ("Hồ sơ 000.00.12.H29-261123-0001 đã được tiếp nhận. Hẹn trả kết quả: 17:00 ngày 26/11/2026.")
    assert prepare(text, unicode=False).segments == 1
    assert prepare(text, unicode=True).segments == 2
