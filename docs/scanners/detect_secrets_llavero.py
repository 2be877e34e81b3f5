"""detect-secrets plugin for Llavero API keys.

Usage:  detect-secrets scan --plugin docs/scanners/detect_secrets_llavero.py <paths>

Finds `<prefix>_<30 base62><6 base62 checksum>` and keeps only strings whose
checksum is right (a CRC32 of `<prefix>_<secret>`, in base62), so a made-up
or mistyped string is not reported. The prefix is `mco` unless
LLAVERO_KEY_PREFIX says otherwise. See docs/webhooks-and-leaks.md.
"""

import os
import re
import zlib

from detect_secrets.plugins.base import RegexBasedDetector

PREFIX = os.environ.get("LLAVERO_KEY_PREFIX", "mco")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def checksum(body: str) -> str:
    value = zlib.crc32(body.encode())
    out = []
    for _ in range(6):
        out.append(ALPHABET[value % 62])
        value //= 62
    return "".join(reversed(out))


def is_llavero_key(token: str) -> bool:
    body, given = token[:-6], token[-6:]
    return checksum(body) == given


class LlaveroKeyDetector(RegexBasedDetector):
    """Scans for Llavero API keys (checksum-verified)."""

    secret_type = "Llavero API key"
    denylist = [re.compile(r"\b(" + re.escape(PREFIX) + r"_[0-9A-Za-z]{36})\b")]

    def analyze_string(self, string):
        for match in super().analyze_string(string):
            if is_llavero_key(match):
                yield match
