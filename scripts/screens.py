"""Screenshots of pages as a person sees them, with what ``tests/ui_audit.py`` finds wrong.

    .venv/bin/python scripts/screens.py --base http://127.0.0.1:8000 --user tech --menu
    .venv/bin/python scripts/screens.py --user r13800000001 --portal /app/ /app/bills/
    .venv/bin/python scripts/screens.py --user manager --langs en --widths 390 /console/

Logs in with the demo password, opens each page (or, with ``--menu``, the page the login lands
on and every entry of its menu) in Chinese and English, checks it at 390 and 1366 px and saves
full-page PNGs under ``--out`` (default ``var/screens/<user>/``). Prints one line per finding;
exits 1 when there was any. Needs Chromium (``ANJU_CHROMIUM``, default /usr/bin/chromium).
"""

import argparse
import os
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import ui_audit  # noqa: E402


def login(page, base, user, password, portal):
    page.goto(f"{base}/{'app' if portal else 'console'}/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page.url


def menu_links(page, base):
    hrefs = page.evaluate(
        """() => [...document.querySelectorAll(
            'nav.side a[href], .portal-nav a[href], .tabbar a[href], .tiles a[href], nav a[href]')]
            .map(a => a.getAttribute('href'))"""
    )
    seen, out = set(), []
    for href in hrefs:
        if not href or not href.startswith("/") or href in seen or "logout" in href:
            continue
        seen.add(href)
        out.append(href)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--base", default=os.environ.get("ANJU_BASE", "http://127.0.0.1:8000"))
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", default="anju2026")
    parser.add_argument("--portal", action="store_true", help="log in on the resident portal")
    parser.add_argument("--menu", action="store_true", help="also every menu entry")
    parser.add_argument("--langs", default="zh-hans,en")
    parser.add_argument("--widths", default="390,1366")
    parser.add_argument("--out")
    parser.add_argument("--no-shots", action="store_true")
    args = parser.parse_args()
    out = Path(args.out or ROOT / "var" / "screens" / args.user)
    out.mkdir(parents=True, exist_ok=True)
    widths = [int(w) for w in args.widths.split(",")]
    chinese = ui_audit.catalog_chinese()
    host = re.sub(r"^https?://", "", args.base).split("/")[0].split(":")[0]
    problems = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("ANJU_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        for lang in args.langs.split(","):
            context = browser.new_context(
                locale="zh-CN" if lang.startswith("zh") else "en-US",
                viewport={"width": widths[0], "height": 844},
                has_touch=True,
            )
            context.add_cookies(
                [{"name": "django_language", "value": lang, "domain": host, "path": "/"}]
            )
            page = context.new_page()
            page.set_default_timeout(20000)
            watch = ui_audit.Watch(page, args.base)
            landed = login(page, args.base, args.user, args.password, args.portal)
            print(f"[{lang}] {args.user} lands on {landed[len(args.base) :]}")
            paths = list(args.paths)
            if args.menu:
                paths = (
                    [landed[len(args.base) :]]
                    + [h for h in menu_links(page, args.base) if h not in paths]
                    + paths
                )
            for path in dict.fromkeys(paths):
                results = ui_audit.visit(page, watch, args.base + path, lang, chinese, widths)
                for width, found in results.items():
                    if not args.no_shots:
                        page.set_viewport_size(
                            {"width": width, "height": 844 if width < 600 else 900}
                        )
                        name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"
                        page.screenshot(
                            path=str(out / f"{name}.{lang}.{width}.png"), full_page=True
                        )
                    for finding in found:
                        problems += 1
                        print(f"  {path} [{lang} {width}] {finding}")
            context.close()
        browser.close()
    print(f"{problems} findings; screenshots in {out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
