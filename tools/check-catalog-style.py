#!/usr/bin/env python3
"""The conventions of messages/STYLE.md that a script can check.

Reads messages/LANG.po for each LANG given and fails, naming the entry,
when a translation uses a form the conventions forbid: the Ukrainian
apostrophe other than U+02BC, capitalised "you" inside a sentence in
Ukrainian and Russian, the retired variants of terms, and in SMS variants
(msgctxt "sms") typographic dashes and quotes or slash commands. The SMS
variants' part counts are checked by tests/test_ftext.c, which renders
them with the real code.
"""
import re
import sys

FORBIDDEN = {
    "uk": [("\u2019", "apostrophe: use \u02bc (U+02BC)"),
           ("'", "apostrophe: use \u02bc (U+02BC)"),
           ("пов\u02bcяза", "linking an account: привʼязати"),
           ("підʼєдна", "linking an account: привʼязати"),
           ("на заміну", "calque: say who stands in plainly"),
           ("Використання:", "calque: \"Як написати:\""),
           ("заступник", "a substitute is not a deputy"),
           ("SMS-ом", "\u00abчерез SMS\u00bb"),
           ("по SMS", "\u00abчерез SMS\u00bb")],
    "ru": [("учётн", "account: аккаунт"),
           ("смахн", "swipe: \"проведите пальцем\""),
           ("заместител", "a substitute is not a deputy"),
           ("поступают команде", "\"получает команда\""),
           ("Использование:", "calque: \"Как написать:\""),
           ("слишком длинно", "\"текст слишком длинный\"")],
    "pl": [("W nagłych wypadkach", "emergency: \"W nagłej sytuacji dzwoń pod numer 112\""),
           ("numer alarmowy 112", "emergency: \"W nagłej sytuacji dzwoń pod numer 112\""),
           ("ustawowo wolnych", "\"oprócz świąt\""),
           ("Witaj ponownie", "\"Witamy ponownie\""),
           ("jego odpowiedzi", "the assistant's gender is unknown")],
    "en": [],
}
SMS_FORBIDDEN = ["\u2014", "\u2013", "\u201e", "\u201d", "\u201c", "\u00ab",
                 "\u00bb", "\u2019", "\u2018", "\u2026", "/start", "/stop"]
CAPITAL_YOU = {
    "uk": re.compile(r"\b(Ви|Вас|Вам|Вами|Ваш\w*)\b"),
    "ru": re.compile(r"\b(Вы|Вас|Вам|Вами|Ваш\w*)\b"),
}


def unquote(s):
    return bytes(s[1:-1], "utf-8").decode("unicode_escape").encode(
        "latin-1").decode("utf-8")


def entries(path):
    """Yields (msgctxt, msgid, [msgstr...]) of a PO file."""
    ctx = mid = None
    strs, cur = [], None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n") + [""]
    for line in lines:
        if line.startswith("#") or not line.strip():
            if not line.strip() and mid is not None:
                yield ctx, mid, strs
                ctx = mid = None
                strs, cur = [], None
            continue
        if line.startswith("msgctxt "):
            ctx, cur = unquote(line[8:]), "ctx"
        elif line.startswith("msgid_plural "):
            cur = "plural"
        elif line.startswith("msgid "):
            mid, cur = unquote(line[6:]), "id"
        elif line.startswith("msgstr"):
            strs.append(unquote(line.split(" ", 1)[1]))
            cur = "str"
        elif line.startswith('"'):
            s = unquote(line)
            if cur == "ctx":
                ctx += s
            elif cur == "id":
                mid += s
            elif cur == "str":
                strs[-1] += s


def capital_inside(lang, s):
    rx = CAPITAL_YOU.get(lang)
    if rx is None:
        return None
    for m in rx.finditer(s):
        before = s[:m.start()].rstrip(" ")
        if before and before[-1] not in ".!?:\n(«—•":
            return m.group(0)
    return None


def main(langs):
    bad = 0
    for lang in langs:
        for ctx, mid, strs in entries("messages/%s.po" % lang):
            if not mid:
                continue
            where = "messages/%s.po: %s\"%s\"" % (
                lang, "[%s] " % ctx if ctx else "",
                mid[:60].replace("\n", " "))
            for s in strs:
                for word, why in FORBIDDEN.get(lang, []):
                    if word in s:
                        print("%s: \"%s\": %s" % (where, word, why))
                        bad += 1
                cap = capital_inside(lang, s)
                if cap:
                    print("%s: \"%s\": \"you\" is lowercase inside a "
                          "sentence" % (where, cap))
                    bad += 1
                if ctx == "sms":
                    for word in SMS_FORBIDDEN:
                        if word in s:
                            print("%s: \"%s\" in an SMS variant" %
                                  (where, word))
                            bad += 1
    print("catalog style: %d problem%s" % (bad, "" if bad == 1 else "s"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["pl", "uk", "ru", "en"]))
