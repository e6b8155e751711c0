"""The HTML page shell shared by the run report and the index: inline CSS and JS, a strict CSP.

Pages are self-contained (no external request of any kind) and carry a Content-Security-Policy that only
lets the page's own script run, identified by its hash: even if API text escaped its escaping, an injected
``<script>`` or ``onerror=`` handler would be refused by the browser.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from typing import Final

from monitor.core.report import view

CSS: Final = """
:root{--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;--brk:#cf222e;--dng:#bc4c00;
--safe:#1a7f37;--info:#0969da;--ack:#8250df;font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;
--card:#161b22;--brk:#ff7b72;--dng:#ffa657;--safe:#3fb950;--info:#58a6ff;--ack:#d2a8ff}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);line-height:1.45;font-size:14px}
main{max-width:1200px;margin:0 auto;padding:24px}h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;
margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:6px}a{color:var(--info)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;background:var(--card);
padding:1px 4px;border-radius:4px;overflow-wrap:break-word}.meta{color:var(--muted)}
.badge{display:inline-block;padding:1px 8px;border-radius:12px;font-size:12px;font-weight:600;
border:1px solid currentColor;white-space:nowrap}.breaking,.failed,.broken{color:var(--brk)}
.dangerous,.deprecated{color:var(--dng)}.safe,.valid,.unchanged{color:var(--safe)}.changed,.baseline{color:var(--info)}
.ack{color:var(--ack)}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{background:var(--card);
border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:120px}.card b{display:block;
font-size:26px}.card span{color:var(--muted)}table{border-collapse:collapse;width:100%}th,td{text-align:left;
vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}th{font-size:12px;color:var(--muted);
text-transform:uppercase}
.item{border:1px solid var(--line);border-left:4px solid var(--brk);border-radius:6px;
padding:8px 12px;margin:8px 0;background:var(--card)}.item.acked{border-left-color:var(--ack);opacity:.8}
.item p{margin:4px 0}.filters{display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin:8px 0 12px}
.filters input[type=search],.filters select{padding:4px 8px;border:1px solid var(--line);border-radius:6px;
background:var(--bg);color:var(--fg)}.error{border:1px solid var(--brk);border-radius:8px;padding:12px;
background:var(--card);white-space:pre-wrap;overflow-wrap:anywhere}.timeline{display:flex;flex-wrap:wrap;
gap:3px;margin:8px 0 12px;align-items:flex-end;min-height:40px}
.timeline a,.timeline span{display:block;width:14px;min-height:10px;border-radius:3px;background:currentColor}
.timeline .current{outline:2px solid var(--fg);outline-offset:1px}
.chip{display:inline-block;margin:0 4px 2px 0}footer{margin-top:32px;color:var(--muted);font-size:12px}
ul.plain{padding-left:18px;margin:4px 0}#live td:first-child{width:30%}
"""


def esc(value: object, *, limit: int | None = None, single_line: bool = True) -> str:
    """API text as inert HTML text or attribute value."""
    return html.escape(view.clean(value, limit=limit, single_line=single_line), quote=True)


_SAFE_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def safe_href(name: str, suffix: str = "") -> str | None:
    """A relative link to a report file, or ``None`` when ``name`` is not a plain file-name token."""
    return f"{name}{suffix}" if _SAFE_NAME.match(name) and ".." not in name else None


def page(title: str, body: str, script: str = "") -> str:
    """A complete HTML document: ``title`` is escaped here; ``body`` must already be escaped markup."""
    script_hash = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
        + (f"script-src 'sha256-{script_hash}'" if script else "script-src 'none'")
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{body}\n</main>\n" + (f"<script>{script}</script>\n" if script else "") + "</body>\n</html>\n"
    )
