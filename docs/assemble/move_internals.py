"""After splice.py: keep the engineering internals out of README.md, in docs/performance.md.

README keeps what a user needs (how to run, what the answers mean, the latest benchmark table);
docs/performance.md gets how each part is made fast, with the measurements behind it. Both are made from
the engineers' sections (docs/readme-*.md), so running splice.py then this script again gives the same files.
"""
import re, sys
root = sys.argv[1]
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from markdown_sections import lines, sections
readme = lines(f'{root}/README.md')
D, IO, AU = lines(f'{root}/docs/readme-decide.md'), lines(f'{root}/docs/readme-io.md'), lines(f'{root}/docs/readme-audit.md')

def find(ls, title):
    for s in sections(ls):
        if s[3] == title: return s
    return None

def body(ls, title):
    """A section's lines without its heading (its subsections included), trailing blanks dropped."""
    s = find(ls, title)
    if s is None: raise SystemExit(f'no section {title!r}')
    b = ls[s[0] + 1:s[1]]
    while b and not b[-1].strip(): b.pop()
    return b

def split_at(seg, marker):
    for k, l in enumerate(seg):
        if l.startswith(marker): return seg[:k], seg[k:]
    raise SystemExit(f'no line starting {marker!r}')

def promote(seg):
    """Level-3 sections become level-2 in docs/performance.md (and their subsections with them)."""
    out, fence = [], False
    for l in seg:
        if l.startswith('```'): fence = not fence
        if not fence and re.match(r'^#{3,5} ', l): l = l[1:]
        out.append(l)
    return out

def remove(title):
    global readme
    s = find(readme, title)
    if s: readme = readme[:s[0]] + readme[s[1]:]

def put(title, new_body, after):
    """Replace README section `title` (level 3) with new_body, or insert it after section `after`."""
    global readme
    seg = ['### ' + title] + new_body + ['']
    s = find(readme, title)
    if s: readme = readme[:s[0]] + seg + readme[s[1]:]; return
    a = find(readme, after)
    if a is None: raise SystemExit(f'no README section {after!r}')
    readme = readme[:a[1]] + seg + readme[a[1]:]

# The pieces.
decision = body(D, 'How a decision is made, and what it costs')
first_para = []
for l in decision:
    if not l.strip():
        if first_para: break
        continue
    first_para.append(l)
fast = body(IO, 'How fast `check` is (measured, not promised)')
before_wal, wal = split_at(fast, 'A process no longer copies the WAL')
wal, after_wal = split_at(wal, '(Timing loop:')
while wal and not wal[-1].strip(): wal.pop()
audit = body(AU, 'Audit speed and memory (`clearance audit`, `clearance usage import`)')
audit_head, rest = split_at(audit, 'Measure it yourself')
audit_measured, audit_demo = split_at(rest, 'Real output, the demo log')
while audit_head and not audit_head[-1].strip(): audit_head.pop()

# docs/performance.md
perf = []
perf += ['## How a decision is made, and what it costs (measured, not promised)'] + promote(decision) + ['']
for title in ['The engine pass (ODRL engine, compiled form)', 'Memory per prepared agreement',
              'Preparing an agreement, and wording a decision on demand (news)', 'The evaluation and the words apart',
              'One writer of the words (news, session 5)', 'The words for less (news, session 6)',
              "Preparing agreements at issue 4's scale (30,000 agreements)"]:
    perf += ['## ' + title] + promote(body(D, title)) + ['']
perf += ['## How fast `check` is (measured, not promised)'] + promote(before_wal + after_wal) + ['']
perf += ['## Audit speed and memory (`clearance audit`, `clearance usage import`)', ''] + audit_measured
doc = ['# How Clearance is made fast (measured, not promised)', '',
       'This page is generated from the engineers\' sections (`docs/readme-decide.md`, `docs/readme-io.md`,',
       '`docs/readme-audit.md`) when the README is assembled (`docs/assemble/`). The latest benchmark table is in the',
       '[README](../README.md#performance); the per-function instruction counts are in',
       '[bench/PROFILE.md](../bench/PROFILE.md). Figures quoted here carry their date, machine load and command;',
       'older ones are kept where they explain a design choice.', ''] + perf
text = re.sub(r'\n{3,}', '\n\n', '\n'.join(doc)).rstrip('\n') + '\n'
text = text.replace('](docs/', '](').replace('`bench/PROFILE.md`', '[bench/PROFILE.md](../bench/PROFILE.md)')
open(f'{root}/docs/performance.md', 'w').write(text)

# README: the internals out (first run), the user-facing parts made from the same pieces (every run).
for title in ['How a decision is made, and what it costs (measured, not promised)', 'The engine pass (ODRL engine, compiled form)',
              'Memory per prepared agreement', 'Preparing an agreement, and wording a decision on demand (news)',
              'The evaluation and the words apart', 'One writer of the words (news, session 5)',
              'The words for less (news, session 6)', "Preparing agreements at issue 4's scale (30,000 agreements)",
              'How fast `check` is (measured, not promised)']:
    remove(title)
s = find(readme, 'Audit speed and memory (`clearance audit`, `clearance usage import`)')
if s:  # first run: the old section becomes "How the audit and `usage import` run" in place
    readme = readme[:s[0]] + ['### How the audit and `usage import` run'] + readme[s[0] + 1:]
put('How a decision is made', [''] + first_para + ['',
    'How each step is made fast, and the measurements behind it: [docs/performance.md](docs/performance.md).'],
    after='Formats and territories')
put('The database is the file and its `-wal`', [''] + wal, after='Agreements that can never be in force')
put('How the audit and `usage import` run', [''] + audit_head + ['',
    'How fast they are, and how that was measured: [docs/performance.md](docs/performance.md#audit-speed-and-memory-clearance-audit-clearance-usage-import).', '']
    + audit_demo, after='Storing usage: `clearance usage import`')
# Grant numbers (user-facing, from docs/readme-io.md) at the end of the contracts section.
put('Grant numbers', [''] + body(IO, 'Grant numbers'),
    after='Contracts, subscribers and the decision log (`clearance contract`, `subscriber`, `log`)')
# Performance: point at the new page (once).
link = 'How each part is made fast, with the measurements behind it: [docs/performance.md](docs/performance.md); where the time goes, in instructions: [bench/PROFILE.md](bench/PROFILE.md).'
if link not in readme:
    p = find(readme, 'Performance')
    readme = readme[:p[0] + 1] + ['', link] + readme[p[0] + 1:]
out = re.sub(r'\n{3,}', '\n\n', '\n'.join(readme)).rstrip('\n') + '\n'
open(f'{root}/README.md', 'w').write(out)
