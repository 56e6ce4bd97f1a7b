#!/usr/bin/env python3
"""Draw the findings of one rule to judge by hand (docs/precision.md).

    scripts/precision-sample.py RULE [N] [CONTEXT] CRR_TXT CRR_DIR CORPUS_TXT

CRR_TXT and CORPUS_TXT are `rdock lint --output-format concise` over the
corpus-repos copies (paths relative to CRR_DIR) and over the corpus files
(absolute paths). Every finding of RULE is shown when there are at most N
(default 40), else N drawn with `random.seed(15)` from both lists in file
order; each with CONTEXT lines (default 3) around it.
"""
import os
import random
import re
import sys


def main(argv):
    if len(argv) not in (5, 6, 7):
        sys.exit(__doc__)
    rule = argv[1]
    n = int(argv[2]) if len(argv) >= 6 else 40
    ctx = int(argv[3]) if len(argv) == 7 else 3
    crr_txt, crr_dir, corpus_txt = argv[-3:]
    rows = []
    for listing, base in ((crr_txt, crr_dir), (corpus_txt, "/")):
        for line in open(listing, encoding="utf-8", errors="replace"):
            m = re.match(r"(.*?):(\d+):(\d+): (RD\d+) (.*)", line.rstrip("\n"))
            if m and m.group(4) == rule:
                rows.append((os.path.join(base, m.group(1)), int(m.group(2)), m.group(5)))
    random.seed(15)
    pick = rows if len(rows) <= n else random.sample(rows, n)
    print(f"# {rule}: {len(rows)} findings, {len(pick)} shown")
    for i, (path, line, msg) in enumerate(pick):
        print(f"\n=== [{i}] {path}:{line}  {msg}")
        lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
        for k in range(max(0, line - 1 - ctx), min(len(lines), line + ctx)):
            mark = ">" if k == line - 1 else " "
            print(f"{mark}{k + 1:4} {lines[k][:220]}")


if __name__ == "__main__":
    main(sys.argv)
