"""Merge pending Indonesian translations into locale/id and compile the catalogue (no GNU gettext needed).

Pending translations are JSON files in locale/id/pending/ ({"English msgid": "Indonesian"}); run
`make messages` after adding strings: it extracts them, merges these files and compiles.
"""
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Fill locale/id/LC_MESSAGES/django.po from locale/id/pending/*.json and write django.mo."

    def handle(self, *args, **options):
        try:
            import polib
        except ImportError:
            raise CommandError("polib is a development dependency: pip install -e '.[dev]'") from None
        folder = Path(settings.BASE_DIR) / "locale" / "id"
        pending = {}
        for path in sorted((folder / "pending").glob("*.json")):
            pending.update(json.loads(path.read_text(encoding="utf-8")))
        po_path = folder / "LC_MESSAGES" / "django.po"
        catalogue = polib.pofile(str(po_path))
        missing = []
        for entry in catalogue:
            if entry.msgid in pending:
                if entry.msgid_plural:
                    # Indonesian has one plural form (nplurals=1).
                    entry.msgstr_plural = {0: pending[entry.msgid]}
                else:
                    entry.msgstr = pending[entry.msgid]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            translated = entry.msgstr_plural.get(0) if entry.msgid_plural else entry.msgstr
            if not translated or "fuzzy" in entry.flags:
                missing.append(entry.msgid)
        catalogue.metadata.update({"Language": "id", "Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"})
        catalogue.save(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        for msgid in missing:
            self.stdout.write(f"untranslated: {msgid!r}")
        self.stdout.write(f"{len(catalogue) - len(missing)} translated, {len(missing)} missing")
