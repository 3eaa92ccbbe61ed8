"""The one-page summary (summary.md) printed from the built book, as a teacher prints it from the browser.

Chromium prints the page to PDF on A4 and on US Letter, as the browser's print dialog does with its default
settings (no "background graphics"), and the tests read the PDF back with PDFium (pypdfium2): its pages, its text
and, rendered to pixels, its colours. They check that the summary fits on one sheet; that every word of the page's
article is in the PDF and nothing is clipped or hidden by the print style sheet (_static/print.css); that no
navigation, sidebar, header, footer or button prints; and that the palette stripes print in their own colours
(and, to show that this check can fail, that they would not without the style sheet's print-color-adjust).

Run them after a build, with the other browser tests:

    make test-book            # builds _build/html
    make test-browser         # or: .venv/bin/python -m pytest tests/test_print.py -q

BOOK_HTML and CHROMIUM point them at another build or browser, as for tests/test_browser.py, whose Chromium flags
they use.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import numpy as np
import pytest

from test_browser import BOOK_HTML, CHROMIUM, CHROMIUM_ARGS, base_url, server  # noqa: F401 - fixtures

PAGE = "summary.html"
# Paper sizes in CSS pixels (96 per inch) and the summary's @page margins (11 mm top and bottom, 12 mm left and
# right, in _static/print.css): the width the printed text is laid out in.
PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MARGIN_MM = (11.0, 12.0)
PX_PER_MM = 96 / 25.4


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (see tests/test_browser.py)"
    if not (BOOK_HTML / PAGE).exists():
        return f"no {PAGE} in {BOOK_HTML}: run `make test-book` (or `make book`) first"
    try:
        import playwright.sync_api  # noqa: F401
        import pypdfium2  # noqa: F401
    except ImportError as exc:
        return f"the Python package {exc.name} is missing: `pip install -r requirements.txt`"
    return None


SKIP = _skip_reason()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(SKIP is not None, reason=SKIP or "")]


# --------------------------------------------------------------------------------------------------------------
# Fixtures: the book served on 127.0.0.1 (test_browser's server), one Chromium, the summary page, its PDFs
# --------------------------------------------------------------------------------------------------------------
# Run inside the page laid out for print: what would be cut off, stick out of the article, or hide its text.
_LAYOUT = """() => {
  const article = document.querySelector("article.bd-article").getBoundingClientRect();
  const out = {clipped: [], outside: [], hidden: []};
  for (const el of document.querySelectorAll("article.bd-article *")) {
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    if (style.display === "none" || !box.width) continue;
    const clips = /(hidden|clip|scroll|auto)/.test(style.overflowX + style.overflowY);
    if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
      out.clipped.push(el.className + ": " + el.textContent.trim().slice(0, 40));
    if (el.innerText && el.innerText.trim() && (box.left < article.left - 1 || box.right > article.right + 1))
      out.outside.push(el.tagName + ": " + el.textContent.trim().slice(0, 40));
    if (style.visibility === "hidden" && el.textContent.trim())
      out.hidden.push(el.tagName + ": " + el.textContent.trim().slice(0, 40));
  }
  return out;
}"""

# Every navigation element, button and form field that would take space on the printed sheet.
_CHROME_SHOWN = """() => Array.from(document.querySelectorAll(
    "nav, button, input, select, header, footer, [role=navigation], .bd-sidebar-primary, "
    + ".bd-sidebar-secondary, .header-article, .prev-next-area, #jb-print-toc"))
  .filter(e => { const b = e.getBoundingClientRect(); return b.width * b.height > 0
                 && getComputedStyle(e).visibility !== "hidden"; })
  .map(e => e.tagName + "." + e.className)"""

# Text of the navigation, sidebars, header, footer and buttons on screen: none of it may print.
_CHROME_TEXT = """els => els.map(e => e.textContent.replace(/\\s+/g, " ").trim()).filter(t => t.length > 3)"""


def _print_summary(base_url: str) -> dict:
    """Open the summary once, read what the reader sees, and print it; everything the tests below look at."""
    from playwright.sync_api import sync_playwright

    def route(route) -> None:  # every other host blocked, as in a classroom with no network
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort("blockedbyclient")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            def open_page(width: int = 1280):
                context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="light")
                context.route("**/*", route)
                page = context.new_page()
                page.goto(base_url + PAGE, wait_until="load")
                page.wait_for_function("() => Array.from(document.images).every(img => img.complete)")
                return context, page

            context, page = open_page()
            found = {
                "article": page.inner_text("article.bd-article"),
                "stripes": page.eval_on_selector_all(
                    ".kp-stripe", "els => els.map(e => [e.innerText.split(/\\s+/)[0], "
                                  "getComputedStyle(e).backgroundColor])"),
                "chrome": page.eval_on_selector_all(
                    ".bd-sidebar-primary a, .bd-header a, .header-article a, .header-article button, "
                    ".prev-next-area a, .bd-footer-content p, .bd-footer-article p, .search-button-field",
                    _CHROME_TEXT),
                # As the browser's print dialog does by default: no background graphics.
                "pdf": {paper: page.pdf(format=paper) for paper in PAPERS},
            }
            # The same without the style sheet's print-color-adjust: the stripes' colours should be lost.
            page.add_style_tag(content=".kp-stripes, .kp-stripe { -webkit-print-color-adjust: economy !important; "
                                       "print-color-adjust: economy !important; }")
            found["pdf_economy"] = page.pdf(format="A4")
            context.close()
            # The layout for print, at the printable width of each paper.
            found["layout"], found["chrome_shown"] = {}, {}
            for paper, (width_mm, _) in PAPERS.items():
                context, page = open_page(round((width_mm - 2 * MARGIN_MM[1]) * PX_PER_MM))
                page.emulate_media(media="print")
                found["layout"][paper] = page.evaluate(_LAYOUT)
                found["chrome_shown"][paper] = page.evaluate(_CHROME_SHOWN)
                context.close()
        finally:
            browser.close()
    return found


@pytest.fixture(scope="module")
def printed(base_url) -> dict:
    # In a thread of its own: tests/test_browser.py may hold a Playwright session (and its event loop) in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_summary, base_url).result()


def _document(pdf: bytes):
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(pdf)


def _pdf_text(pdf: bytes) -> str:
    doc = _document(pdf)
    return "\n".join(doc[i].get_textpage().get_text_bounded() for i in range(len(doc)))


def _words(text: str) -> Counter:
    """The words of a text, whatever the line breaks, hyphens at line ends and typographic quotes."""
    text = text.replace("\x02", "-")  # PDFium's mark for a hyphen at the end of a line ("k-" / "means")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return Counter(re.findall(r"[#\w.,%()'\"+*=/:-]*\w[%)]?", text.lower().replace("-\r\n", "-").replace("-\n", "-")))


def _hex(css_colour: str) -> str:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_colour)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


# --------------------------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("paper", PAPERS)
def test_summary_prints_on_one_sheet(printed, paper):
    doc = _document(printed["pdf"][paper])
    width, height = doc[0].get_size()  # in points, 72 per inch
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == tuple(round(v) for v in PAPERS[paper])
    assert len(doc) == 1, f"the summary prints on {len(doc)} {paper} pages: shorten it or tighten _static/print.css"


@pytest.mark.parametrize("paper", PAPERS)
def test_every_word_of_the_summary_prints(printed, paper):
    # What the reader sees on screen is what the sheet says: nothing hidden by the print style, nothing cut off.
    on_screen, on_paper = _words(printed["article"]), _words(_pdf_text(printed["pdf"][paper]))
    assert sum(on_screen.values()) > 400, "the article's text is missing: is this the summary page?"
    missing = on_screen - on_paper
    assert not missing, f"{paper}: words on the page that the PDF lacks: {sorted(missing)[:20]}"


@pytest.mark.parametrize("paper", PAPERS)
def test_printed_text_stays_on_the_sheet(printed, paper):
    # Every character of the PDF lies inside the paper, and inside its margins give or take a little.
    doc = _document(printed["pdf"][paper])
    page = doc[0]
    width, height = page.get_size()
    text = page.get_textpage()
    boxes = np.array([text.get_charbox(i) for i in range(text.count_chars())])
    boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]  # spaces and line ends have no box
    margin = 0.8 * MARGIN_MM[1] / 25.4 * 72
    assert len(boxes) > 1000
    assert boxes[:, 0].min() >= margin and boxes[:, 2].max() <= width - margin, f"{paper}: text runs off the side"
    assert boxes[:, 1].min() >= 0 and boxes[:, 3].max() <= height, f"{paper}: text runs off the sheet"


@pytest.mark.parametrize("paper", PAPERS)
def test_nothing_in_the_printed_layout_is_clipped(printed, paper):
    # The page laid out for print at the printable width of the paper: no element of the article cuts off its own
    # content (overflow hidden with more inside than shows), sticks out of the article, or hides its text.
    found = printed["layout"][paper]
    assert not found["clipped"], f"{paper}: content cut off by its box: {found['clipped'][:5]}"
    assert not found["outside"], f"{paper}: content outside the article: {found['outside'][:5]}"
    assert not found["hidden"], f"{paper}: text hidden in print: {found['hidden'][:5]}"


@pytest.mark.parametrize("paper", PAPERS)
def test_no_navigation_sidebar_or_button_prints(printed, paper):
    on_paper = " ".join(_pdf_text(printed["pdf"][paper]).split())
    article = " ".join(printed["article"].split())
    chrome = [t for t in printed["chrome"] if t not in article]
    assert len(chrome) > 10, f"too little navigation found to check: {chrome}"
    leaked = [t for t in chrome if t in on_paper]
    assert not leaked, f"{paper}: navigation, header or footer text printed: {leaked[:10]}"
    # And in the print layout itself: every navigation element, button and form field takes no space.
    shown = printed["chrome_shown"][paper]
    assert not shown, f"{paper}: these would print: {shown[:10]}"


def _stripe_colours(pdf: bytes, stripes: list, scale: float = 3.0) -> dict:
    """For each palette stripe, the most common colour of the printed sheet around its hex code."""
    doc = _document(pdf)
    page = doc[0]
    height = page.get_size()[1]
    pixels = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))
    text = page.get_textpage()
    found = {}
    for code, _ in stripes:
        search = text.search(code)
        hit = search.get_next()
        assert hit, f"{code} is not in the printed text"
        boxes = np.array([text.get_charbox(i) for i in range(hit[0], hit[0] + hit[1])])
        left, bottom, right, top = boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()
        pad = 0.6 * (top - bottom)  # the stripe's padding around its text
        x0, x1 = int((left - pad) * scale), int((right + pad) * scale)
        y0, y1 = int((height - top - pad) * scale), int((height - bottom + pad) * scale)
        region = pixels[y0:y1, x0:x1].reshape(-1, 3)
        colours, counts = np.unique(region, axis=0, return_counts=True)
        found[code] = colours[np.argmax(counts)]
    return found


def _distance(rgb, code: str) -> float:
    want = np.array([int(code[i: i + 2], 16) for i in (1, 3, 5)])
    return float(np.abs(np.asarray(rgb, dtype=int) - want).max())


@pytest.mark.parametrize("paper", PAPERS)
def test_palette_stripes_print_in_their_colours(printed, paper):
    stripes = printed["stripes"]
    assert len(stripes) >= 2 and all(_hex(colour) == code for code, colour in stripes), stripes
    colours = _stripe_colours(printed["pdf"][paper], stripes)
    wrong = {code: tuple(int(v) for v in rgb) for code, rgb in colours.items() if _distance(rgb, code) > 3}
    assert not wrong, f"{paper}: stripes printed in other colours (or none): {wrong}"


def test_without_the_print_style_the_stripes_would_lose_their_colours(printed):
    # The check above can fail: with print-color-adjust turned back to the browser's default, Chromium leaves the
    # stripes' backgrounds out of the PDF, and the sheet around each hex code is white.
    colours = _stripe_colours(printed["pdf_economy"], printed["stripes"])
    assert all(_distance(rgb, "#ffffff") <= 3 for rgb in colours.values()), colours
