"""iCalendar text (RFC 5545): escaping and line folding, for every calendar the app serves."""

LINE_OCTETS = 75


def ical_escape(text: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n (3.3.11)."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ical_fold(line: str) -> str:
    """Lines longer than 75 octets folded (3.1): CRLF then one space, which counts toward the
    next line's 75. Split between characters, never inside a multi-byte UTF-8 one."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def ical_text(lines: list[str]) -> str:
    """The calendar's content lines, folded, each ended by CRLF."""
    return "".join(ical_fold(line) + "\r\n" for line in lines)
