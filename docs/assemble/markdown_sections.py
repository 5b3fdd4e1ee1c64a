"""Markdown sections of a file's lines, for splice.py and move_internals.py."""
import re


def lines(path):
    """A file's lines (no line ends)."""
    return open(path).read().split('\n')


def sections(ls):
    """[(start, end, level, title)] for the level 2-4 headings outside code fences; `end` is where the
    next heading of the same or a higher level starts (a section's subsections are inside it)."""
    heads, fence = [], False
    for i, l in enumerate(ls):
        if l.startswith('```'): fence = not fence; continue
        if not fence:
            m = re.match(r'^(#{2,4}) (.*)$', l)
            if m: heads.append((i, len(m.group(1)), m.group(2)))
    out = []
    for k, (i, lvl, t) in enumerate(heads):
        end = len(ls)
        for j, lvl2, _ in heads[k+1:]:
            if lvl2 <= lvl: end = j; break
        out.append((i, end, lvl, t))
    return out
