"""The shared layout of every HTML email the service sends (templates/email/layout.html)."""

import re

from django.template.loader import render_to_string

EMAIL_LAYOUT = "email/layout.html"
_DOCUMENT_BODY = re.compile(r"<body\b[^>]*>(.*)</body\s*>", re.IGNORECASE | re.DOTALL)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)


def email_html(body: str, *, application) -> str:
    """The HTML part of an email: `body` inside the shared layout; "" stays "" (a text-only email)."""
    if not body:
        return ""
    content, styles = body, ""
    document = _DOCUMENT_BODY.search(body)
    if document:
        # A template written as a whole document: its <body> goes into the layout,
        # its <style> elements into the layout's <head>, so nothing nests a second <html>.
        content, styles = document.group(1), "".join(_STYLE.findall(body[: document.start()]))
    # The layout takes body and styles as they are: they are HTML already, in which
    # rendering.render escaped every value and kept the template's own markup.
    return render_to_string(
        EMAIL_LAYOUT, {"application_name": application.name, "body": content, "styles": styles}
    )
