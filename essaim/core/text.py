"""What text people send may hold: the one rule, for every form of the site.

Django's forms refuse NUL bytes; the other C0 control characters, DEL, the C1 controls and
bytes that are not UTF-8 (which Django decodes to U+FFFD) went through and were stored: they
corrupt exports, e-mails and terminals and mean nothing a person typed. Tab, line feed and
carriage return are text (multi-line fields; a browser never puts them in a one-line input).
"""

import re

UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


def is_storable(value: str) -> bool:
    return UNSTORABLE.search(value) is None
