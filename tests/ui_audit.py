"""What a person would see wrong on a page, checked in a real browser.

Used by ``tests/test_screens.py`` (every menu entry of every role, both sizes, both languages)
and by ``scripts/screens.py`` (screenshots of given pages with the same findings printed).

A finding is a short English sentence. The checks:

- the page answers 2xx, and nothing it loads from us answers 4xx/5xx;
- no console error, no uncaught exception;
- no horizontal overflow (the document is no wider than the window);
- on a phone (narrower than 600 px) nothing a finger must hit is smaller than 44 × 44 px;
- on a Chinese page, no English word, raw code or msgid outside data (``translate="no"``,
  form values, ``<code>``, known acronyms and units);
- on an English page, no Chinese in interface text (headings, labels, buttons, menu, table
  headers, fact names) and none of the Chinese translations shipped in the catalogs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import polib_lite  # noqa: E402

# Words that stay in Latin letters on a Chinese page: names of things, acronyms and units.
ALLOWED_LATIN = {
    "anju",
    "excel",
    "pdf",
    "qr",
    "sla",
    "id",
    "api",
    "wechat",
    "wifi",
    "iot",
    "kpi",
    "ok",
    "kwh",
    "kw",
    "kv",
    "mpa",
    "kpa",
    "pa",
    "ppm",
    "db",
    "lx",
    "pm",
    "am",
    "co",
    "ph",
    "echarts",
    "htmx",
    "csv",
    "xlsx",
    "url",
    "sms",
    "app",
    "vip",
    "no",
    "ic",
    "led",
    "ups",
    "ai",
    "gb",
    "mb",
    "kb",
    "min",
    "max",
    "lan",
    "ip",
    "mac",
    "mqtt",
    "ntp",
    "pipl",
    "http",
    "https",
    "www",
    "com",
    "cn",
    "hvac",
    "tds",
    "orp",
    "nfc",
    "gps",
    "cctv",
    "tsg",  # 特种设备安全技术规范 designations (TSG T5002) in plan names
    "pos",  # POS 刷卡, the payment method as cashiers say it
    "cm",
    "mm",
    "ems",  # China Post's express mail, named so on every delivery slip
}
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(
    r"(?<![A-Za-z0-9_.@/-])([A-Za-z][A-Za-z]+(?:[._][A-Za-z]+)*)(?![A-Za-z0-9_@/-])"
)


def catalog_chinese() -> set[str]:
    """Every Chinese translation the apps ship, of three characters or more (so that a data
    value such as a two-character name is not taken for interface text)."""
    found = set()
    for po in (ROOT / "src" / "anju").glob("*/locale/zh_Hans/LC_MESSAGES/django.po"):
        for _msgid, msgstr, _fuzzy in polib_lite.entries(po):
            text = msgstr.strip()
            if len(text) >= 4 and "%" not in text and "{" not in text and "\\" not in text:
                found.add(text)
    return found


# The page side: gathers what the checks need in one evaluation (no eval: the CSP forbids it,
# Playwright's evaluate does not go through it).
COLLECT = """
(phone) => {
  const out = {overflow: 0, small: [], text: [], ui: []};
  const doc = document.documentElement;
  out.overflow = Math.max(doc.scrollWidth, document.body.scrollWidth) - window.innerWidth;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0;
  };
  const describe = (el) => {
    const t = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 30);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${t}"`;
  };
  if (phone) {
    const targets = document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
    for (const el of targets) {
      if (!visible(el) || el.closest('[data-audit-skip]')) continue;
      let r = el.getBoundingClientRect();
      const type = (el.type || '').toLowerCase();
      if ((type === 'checkbox' || type === 'radio') && el.closest('label')) {
        r = el.closest('label').getBoundingClientRect();
      }
      // A link inside running text is exempt (WCAG 2.5.8 "inline").
      if (el.tagName === 'A' && el.closest('p, .prose, .help, small, .muted-text')) continue;
      if (r.width < 43.5 || r.height < 43.5) {
        out.small.push(`${describe(el)} ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
    }
  }
  const skip = (node) => {
    const el = node.parentElement;
    if (!el) return true;
    if (el.closest('[translate=no], code, pre, script, style, noscript, textarea, option[data-raw]')) return true;
    return !visible(el);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const uiSel = 'h1, h2, h3, h4, th, label, button, legend, summary, dt, nav, .section, .card .title, .tab';
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.nodeValue.trim();
    if (!text || skip(node)) continue;
    out.text.push(text);
    if (node.parentElement.closest(uiSel)) out.ui.push(text);
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (visible(el) && !el.closest('[translate=no]')) out.ui.push(el.placeholder);
  }
  for (const el of document.querySelectorAll('[title], [aria-label]')) {
    if (el.closest('[translate=no]')) continue;
    for (const name of ['title', 'aria-label']) {
      const v = el.getAttribute(name); if (v) out.ui.push(v);
    }
  }
  return out;
}
"""


def language_findings(lang: str, texts: list[str], ui: list[str], chinese: set[str]) -> list[str]:
    found = []
    if lang.startswith("zh"):
        for text in texts + ui:
            for match in LATIN_WORD.finditer(text):
                word = match.group(1)
                if word.lower() in ALLOWED_LATIN or len(word) < 2:
                    continue
                found.append(f"English or code on a Chinese page: {word!r} in {text[:60]!r}")
    else:
        for text in ui:
            if CJK.search(text):
                found.append(f"Chinese in English interface text: {text[:60]!r}")
        for text in texts:
            if CJK.search(text) and text in chinese:
                found.append(f"a Chinese translation on an English page: {text[:60]!r}")
    return sorted(set(found))


class Watch:
    """Console errors, uncaught exceptions and our own 4xx/5xx answers while a page loads."""

    def __init__(self, page, origin):
        self.errors: list[str] = []
        self.origin = origin
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console error: {message.text[:200]}")

    def _response(self, response):
        if response.url.startswith(self.origin) and response.status >= 400:
            self.errors.append(f"{response.status} from {response.url[len(self.origin) :]}")

    def take(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


def audit(page, lang: str, chinese: set[str], phone: bool) -> list[str]:
    data = page.evaluate(COLLECT, phone)
    found = []
    if data["overflow"] > 1:
        found.append(f"wider than the screen by {data['overflow']} px")
    found += [f"touch target under 44 px: {s}" for s in data["small"][:12]]
    if len(data["small"]) > 12:
        found.append(f"... and {len(data['small']) - 12} more small touch targets")
    found += language_findings(lang, data["text"], data["ui"], chinese)
    return found


def visit(page, watch: Watch, url: str, lang: str, chinese: set[str], widths=(390, 1366)):
    """Open ``url`` once and check it at each width (the page is reflowed, not reloaded).
    Returns ``{width: [findings]}``."""
    watch.take()
    response = page.goto(url, wait_until="load")
    page.wait_for_timeout(150)  # charts and htmx fragments draw after load
    status = response.status if response else 0
    results = {}
    for i, width in enumerate(widths):
        page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
        page.wait_for_timeout(200)  # charts follow the window after a 50 ms pause
        found = [] if 200 <= status < 400 else [f"answered {status}"]
        found += audit(page, lang, chinese, phone=width < 600)
        if i == 0:
            found += watch.take()
        results[width] = found
    return results


MENU_LINKS = """() => [...document.querySelectorAll(
  'nav.side a[href], .tabbar a[href], .quick a[href], a.tile[href], .portal main nav a[href]')]
  .map(a => a.getAttribute('href'))"""


def login(page, base, user, password, portal):
    page.goto(f"{base}/{'app' if portal else 'console'}/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    return page.url[len(base) :]


def menu_links(page):
    seen, out = set(), []
    for href in page.evaluate(MENU_LINKS):
        if not href or not href.startswith("/") or href in seen or "logout" in href:
            continue
        seen.add(href)
        out.append(href)
    return out


def walk(
    browser,
    base,
    user,
    *,
    password,
    portal=False,
    langs=("zh-hans", "en"),
    widths=(390, 1366),
    paths=(),
    menu=True,
    shots=None,
):
    """Log ``user`` in, in each language, and open the page they land on and every entry of
    their menu (and ``paths``) at each width. Returns ``(landed, {(path, lang, width):
    [findings]})``; with ``shots`` (a directory) saves a full-page PNG of each."""
    import re as _re

    chinese = catalog_chinese()
    results, landed = {}, None
    for lang in langs:
        context = browser.new_context(
            locale="zh-CN" if lang.startswith("zh") else "en-US",
            viewport={"width": widths[0], "height": 844},
            has_touch=True,
        )
        context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
        page = context.new_page()
        page.set_default_timeout(20000)
        watch = Watch(page, base)
        landed = login(page, base, user, password, portal)
        todo = list(paths)
        if menu:
            todo = [landed, *menu_links(page), *todo]
        for path in dict.fromkeys(todo):
            for width, found in visit(page, watch, base + path, lang, chinese, widths).items():
                results[(path, lang, width)] = found
                if shots is not None:
                    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
                    name = _re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"
                    page.screenshot(path=str(shots / f"{name}.{lang}.{width}.png"), full_page=True)
        context.close()
    return landed, results


def walk_demo(live_server, browser, logins, report_name):
    """The browser walk of ``tests/test_screens_*.py``: build the demo, walk each login's menu
    in both languages at both widths, write the findings to ``var/screens/<report_name>.txt``
    and return them as lines."""
    import io

    from anju.core import demo

    world = demo.build(out=io.StringIO(), progress=False)
    resident = world.residents[0][0].username
    lines = []
    for login_name in logins:
        portal = login_name == "resident"
        user = resident if portal else login_name
        landed, results = walk(
            browser, live_server.url, user, password=demo.DEMO_PASSWORD, portal=portal
        )
        lines.append(f"{login_name} lands on {landed}; {len(results)} page views")
        for (path, lang, width), found in results.items():
            lines += [f"  {login_name} {path} [{lang} {width}] {f}" for f in found]
    report = ROOT / "var" / "screens" / f"{report_name}.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines
