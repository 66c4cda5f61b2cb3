"""Screenshots of pages as a person sees them, with what ``tests/ui_audit.py`` finds wrong.

    .venv/bin/python scripts/screens.py --base http://127.0.0.1:8000 --user tech --menu
    .venv/bin/python scripts/screens.py --user 13800000001 --portal /app/ /app/bills/
    .venv/bin/python scripts/screens.py --user manager --langs en --widths 390 /console/

Logs in with the demo password, opens each page (or, with ``--menu``, the page the login lands
on and every entry of its menu) in Chinese and English, checks it at 390 and 1366 px and saves
full-page PNGs under ``--out`` (default ``var/screens/<user>/``). Prints one line per finding;
exits 1 when there was any. Needs Chromium (``ANJU_CHROMIUM``, default /usr/bin/chromium).
"""

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import ui_audit  # noqa: E402


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
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("ANJU_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        landed, results = ui_audit.walk(
            browser,
            args.base,
            args.user,
            password=args.password,
            portal=args.portal,
            langs=args.langs.split(","),
            widths=[int(w) for w in args.widths.split(",")],
            paths=args.paths,
            menu=args.menu or not args.paths,
            shots=None if args.no_shots else out,
        )
        browser.close()
    print(f"{args.user} lands on {landed}")
    problems = 0
    for (path, lang, width), found in results.items():
        for finding in found:
            problems += 1
            print(f"  {path} [{lang} {width}] {finding}")
    print(f"{len(results)} page views, {problems} findings; screenshots in {out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
