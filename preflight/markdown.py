"""Putting text a pull request controls (resource names and types, tag and input values, rule messages, keys) into
the GitHub markdown of a pull-request comment without it becoming markup.

- `code(text)`: a code span that holds any text: the fence is one backtick longer than the longest run of
  backticks inside (so a backtick in a name cannot end it); inside a code span HTML is literal and GitHub neither
  links `@mentions` nor `#references`.
- `text(text)`: prose (a rule's message): HTML-significant characters as entities, markdown punctuation
  backslash-escaped, and a zero-width space after `@` so `@user` / `@org/team` cannot notify anyone, and after a
  `#` before a digit so `#12` / `owner/repo#12` is no cross-reference. Bare URLs stay (GitHub links them).
- `table=True` (the default) escapes `|` as `\\|`, which GFM tables unescape even inside code spans; a line break
  ends a table row, so it becomes `<br>` in prose and a space in code.
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
# Backslash-escapable ASCII punctuation that starts inline markup: emphasis, links/images, code, strikethrough,
# escapes themselves. `|` is handled apart (only tables need it); `<`, `>` and `&` become entities.
_INLINE = re.compile(r"([\\`*_\[\]~])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_REFERENCE = re.compile(r"#(?=[0-9])")  # `#12`, `owner/repo#12`: a cross-reference shows on that timeline
_BREAKS = re.compile(r"\r\n|\r|\n")


def text(value: object, table: bool = True) -> str:
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _INLINE.sub(r"\\\1", escaped)
    escaped = _MENTION.sub("@" + ZERO_WIDTH_SPACE, escaped)
    escaped = _REFERENCE.sub("#" + ZERO_WIDTH_SPACE, escaped)
    if table:
        escaped = escaped.replace("|", "\\|")
    return _BREAKS.sub("<br>", escaped)


def code(value: object, table: bool = True) -> str:
    content = _BREAKS.sub(" ", str(value))
    if table:
        content = content.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space on each side when both are there: pad when the content starts or ends with a
    # backtick (it would join the fence) or with a space (it would be stripped).
    if content[:1] in ("`", " ") or content[-1:] in ("`", " "):
        content = f" {content} "
    return f"{fence}{content}{fence}" if content else f"{fence} {fence}"


def fence(block: str) -> str:
    """The backtick fence for a fenced code block holding `block`: longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", block)), default=0)
    return "`" * max(3, longest + 1)
