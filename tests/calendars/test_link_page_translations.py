"""Every text of the short-link pages is translated in each page language (from the compiled catalogues)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "links"
_TRANSLATE = re.compile(r'{%\s*translate\s+"([^"]+)"\s*%}')
_BLOCK = re.compile(r"{%\s*blocktranslate\s*%}(.*?){%\s*endblocktranslate\s*%}", re.S)


def page_texts() -> set[str]:
    texts: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text()
        texts.update(_TRANSLATE.findall(source))
        # {{ name }} in a block is %(name)s in the catalogue.
        texts.update(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", block) for block in _BLOCK.findall(source))
    return texts


def test_the_pages_have_texts_to_translate():
    assert len(page_texts()) > 20


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES if code != "en"])
def test_every_text_is_translated(language):
    with translation.override(language):
        untranslated = sorted(text for text in page_texts() if translation.gettext(text) == text)
    assert untranslated == []
