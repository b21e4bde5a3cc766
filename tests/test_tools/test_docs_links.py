"""Every relative link in the repository's Markdown files points at a file
that exists and, with ``#anchor``, at a heading of that file (GitHub's
anchor rule: lower case, punctuation dropped, spaces to hyphens)."""
import os.path as osp
import re
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LINK = re.compile(r'\]\(([^)\s]+)\)')


def anchor(heading):
    text = heading.lstrip('#').strip().lower()
    return re.sub(r'[^\w\- ]', '', text).replace(' ', '-')


def headings(path):
    out, fenced = set(), False
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('```'):
                fenced = not fenced
            elif not fenced and line.startswith('#'):
                out.add(anchor(line))
    return out


def markdown_files():
    try:
        out = subprocess.check_output(['git', 'ls-files', '*.md'], cwd=ROOT)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('not a git checkout')
    return out.decode().split()


def broken_links(files):
    broken = []
    for name in files:
        with open(osp.join(ROOT, name), encoding='utf-8') as f:
            text = f.read()
        for target in LINK.findall(text):
            if re.match(r'[a-z]+:', target):  # http:, https:, mailto:
                continue
            path, _, frag = target.partition('#')
            resolved = (osp.normpath(osp.join(osp.dirname(name), path))
                        if path else name)
            if not osp.exists(osp.join(ROOT, resolved)):
                broken.append(f'{name}: {target} (no such file)')
            elif frag and resolved.endswith('.md') and frag not in headings(
                    osp.join(ROOT, resolved)):
                broken.append(f'{name}: {target} (no such heading)')
    return broken


def test_anchor_rule():
    assert anchor("## Ada-Segment at the paper's size (m = 8, T = 12)") == \
        'ada-segment-at-the-papers-size-m--8-t--12'
    assert anchor('### Transfer (`AdaSegmentWeighting`, Eq. 7)') == \
        'transfer-adasegmentweighting-eq-7'


def test_broken_links_are_found(tmp_path, monkeypatch):
    (tmp_path / 'a.md').write_text('# Top\n[ok](#top) [bad](#nope) '
                                   '[gone](b.md) [web](https://x.org/#y)\n'
                                   '```\n# not a heading\n```\n'
                                   '[fenced](#not-a-heading)\n')
    monkeypatch.setattr(sys.modules[__name__], 'ROOT', str(tmp_path))
    assert broken_links(['a.md']) == [
        'a.md: #nope (no such heading)', 'a.md: b.md (no such file)',
        'a.md: #not-a-heading (no such heading)'
    ]


def test_every_relative_link_resolves():
    assert broken_links(markdown_files()) == []
