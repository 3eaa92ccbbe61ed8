"""The book's own Sphinx extension: every page works with no network, and asks for nothing it does not use.

Loaded from _config.yml (``sphinx.local_extensions``). It runs when each HTML page is written and at the end of
the build:

- **One copy of each inline script.** Sphinx 7.4 keeps a script that an extension adds with ``app.add_js_file(None,
  body=...)`` after the builder has started twice: once as the builder's ``_JavaScript(None)`` and again, when
  pages are prepared, re-added from the registry as ``_JavaScript('')`` (``js_filename or ''`` in
  ``StandaloneHTMLBuilder.prepare_writing``), and the two do not compare equal. sphinx-thebe adds its settings
  that way (``const THEBE_JS_URL = ...``), so every page declared the constant twice and the browser reported
  "Identifier 'THEBE_JS_URL' has already been declared". Here, scripts that differ only by ``None`` versus ``''``
  are kept once.
- **The widgets' scripts only where a widget is shown.** myst-nb adds require.js, the widgets' HTML manager
  (both from CDNs) and the saved widget state to every page whose notebook made a widget, even when the widget's
  output is removed from the page (chapter 11 shows a figure instead of controls that cannot move). A page
  whose HTML holds no widget view gets none of them.
- **Nothing from another host.** A page that would still load a script or style sheet from another host is a
  build warning (an error in ``make test-book``), so the offline promise is checked at every build. Thebe
  ("Live Code") is not a script tag: sphinx-thebe loads it only when the reader clicks, and
  ``_static/live-code.js`` says on the button when that fails because there is no network.
- **A complete redirect page.** ``index.html`` only sends the reader to the first page; it is written here as a
  small HTML page with the book's title and its favicon inside (sphinx-external-toc's version, a single
  ``<meta>`` line, makes browsers ask for ``/favicon.ico``, which does not exist).

MathJax is served from the build by ``sphinx-mathjax-offline`` (see _config.yml), not by this file.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _key(asset: Any) -> tuple:
    """What makes two scripts (or style sheets) the same asset: None and '' are both "inline"."""
    filename = str(getattr(asset, "filename", asset) or "")
    attributes = tuple(sorted((getattr(asset, "attributes", None) or {}).items()))
    return filename, getattr(asset, "priority", 500), attributes


def _is_widget_script(asset: Any, widget_urls: set[str]) -> bool:
    attributes = getattr(asset, "attributes", None) or {}
    return attributes.get("type") == WIDGET_STATE or str(getattr(asset, "filename", "") or "") in widget_urls


def tidy_page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Drop repeated inline scripts and unused widget scripts; warn about anything from another host."""
    if "script_files" not in context:
        return
    shows_widget = WIDGET_VIEW in context.get("body", "")
    widget_urls = set(getattr(app.config, "nb_ipywidgets_js", {}) or {})
    kept, seen = [], set()
    for asset in context["script_files"]:
        key = _key(asset)
        if key in seen or (not shows_widget and _is_widget_script(asset, widget_urls)):
            continue
        seen.add(key)
        kept.append(asset)
    context["script_files"] = kept
    for asset in [*kept, *context.get("css_files", [])]:
        name = str(getattr(asset, "filename", asset) or "")
        if "://" in name or name.startswith("//"):
            logger.warning(
                "%s loads %s from another host; the book must work offline: serve a copy from _static/ "
                "(for widgets, set nb_ipywidgets_js in _config.yml to local copies)",
                pagename,
                name,
                type="book_offline",
                location=pagename,
            )


def write_index(app: Sphinx, exception: Exception | None) -> None:
    """index.html: a small page that sends the reader to the first page, with the book's title and favicon.

    The favicon is written into the page (a data: URL, 594 bytes): the page is left at once, and a favicon
    fetched from the server would be cut off by that redirect (a failed request), while no favicon at all makes
    the browser ask for /favicon.ico, which does not exist.
    """
    if exception is not None or app.builder.format != "html":
        return
    first = f"{app.config.root_doc}.html"
    icon = '<link rel="icon" href="data:,">\n'  # no favicon: say so, or the browser asks for /favicon.ico
    favicon = Path(app.confdir, app.config.html_favicon or "")
    if app.config.html_favicon and favicon.is_file():
        kind = mimetypes.guess_type(favicon.name)[0] or "image/png"
        icon = f'<link rel="icon" href="data:{kind};base64,{base64.b64encode(favicon.read_bytes()).decode()}">\n'
    title = html.escape(app.config.html_title or app.config.project)
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{app.config.language or "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n{icon}"
        f'<meta http-equiv="refresh" content="0; url={first}">\n</head>\n'
        f'<body><p><a href="{first}">{title}</a></p></body>\n</html>\n'
    )
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    # After every other html-page-context handler (myst-nb adds the widget scripts there, Sphinx MathJax).
    app.connect("html-page-context", tidy_page_assets, priority=900)
    # Before sphinx-external-toc's ensure_index_file (priority 500), which then leaves index.html alone.
    app.connect("build-finished", write_index, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
