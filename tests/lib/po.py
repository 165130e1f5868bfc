"""Reads the project's PO catalogs, so tests compare against the real texts."""
import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _unquote(s):
    return ast.literal_eval(s) if s else ""


def load(lang):
    """{(msgctxt, msgid): msgstr or [plural forms]} of messages/LANG.po."""
    path = os.path.join(ROOT, "messages", lang + ".po")
    entries = {}
    cur = {}
    key = None

    def flush():
        if "msgid" in cur and cur["msgid"]:
            if "plural" in cur:
                val = [cur[k] for k in sorted(x for x in cur
                                              if isinstance(x, int))]
            else:
                val = cur.get("msgstr", "")
            entries[(cur.get("msgctxt"), cur["msgid"])] = val

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                if not line and cur:
                    flush()
                    cur = {}
                continue
            if line.startswith('"'):
                cur[key] += _unquote(line)
                continue
            word, _, rest = line.partition(" ")
            if word.startswith("msgstr["):
                key = int(word[7:-1])
            elif word == "msgid_plural":
                key = "plural"
            else:
                key = word
            cur[key] = _unquote(rest)
    flush()
    return entries


_cache = {}


def tr(lang, msgid, ctxt=None):
    if lang not in _cache:
        _cache[lang] = load(lang)
    v = _cache[lang].get((ctxt, msgid))
    if not v:
        raise KeyError("%s: no translation of %r" % (lang, msgid))
    return v


def expand(fmt, *args):
    """The daemon's %s expansion."""
    out, i = fmt, 0
    for a in args:
        out = out.replace("%s", a, 1)
        i += 1
    return out.replace("%%", "%")
