"""Every template, on every one of its channels, renders from the sample data into Vietnamese a person can read:
no field left unfilled, no English word where a citizen reads, the SMS short enough once folded. Pure: no server."""

from __future__ import annotations

import re

import pytest

from services.notify.delivery.sms_text import prepare
from services.notify.templates.library import EMAIL, IN_APP, SAMPLE, SMS, TEMPLATES_LIST

CASES = [(t, channel) for t in TEMPLATES_LIST for channel in t.channels]
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.IGNORECASE)


@pytest.mark.parametrize(("template", "channel"), CASES, ids=[f"{t.id}-v{t.version}-{c}" for t, c in CASES])
def test_every_template_renders_every_channel_in_vietnamese(template, channel):
    assert not template.missing(SAMPLE), f"{template.id}: no sample value for {template.missing(SAMPLE)}"
    message = template.render(channel, SAMPLE)
    assert "{" not in message["text"] and "}" not in message["text"]
    if channel in (EMAIL, IN_APP):
        assert VIETNAMESE.search(message["subject"]) and VIETNAMESE.search(message["text"])
    if channel == EMAIL:
        assert message["html"].startswith("<!doctype html><html lang=\"vi\">")
    if channel == SMS:
        sent = prepare(message["text"], unicode=False)
        assert sent.encoding == "gsm7" and sent.text.isascii() and sent.segments <= 3


def test_every_template_id_and_version_is_unique_and_the_latest_is_served():
    keys = [(t.id, t.version) for t in TEMPLATES_LIST]
    assert len(keys) == len(set(keys))
