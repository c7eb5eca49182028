"""Bahasa Indonesia is the default: every message has its translation, and the compiled catalogue is current."""
import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "id" / "LC_MESSAGES" / "django.po"


def entries():
    """(msgid, msgstr, flags) from the .po file, multi-line strings joined."""
    text = PO.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0].split("msgid", 1)[-1]))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[-1])) if "msgstr" in block else ""
        if "msgid" in block and msgid:
            yield msgid, msgstr, flags


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [msgid for msgid, msgstr, flags in entries() if not msgstr or "fuzzy" in flags]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_po_file():
    with translation.override("id"):
        for msgid, msgstr, _ in entries():
            expected = msgstr.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            assert translation.gettext(msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")) == expected
