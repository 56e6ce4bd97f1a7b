"""Take the stargz snapshotter out of buildkitd's OCI worker (scripts/engine.sh).

Debian's stargz-snapshotter is built against containerd 1, BuildKit's
against containerd 2, so that case cannot compile. It becomes an error
naming why; everything else in the file is left as it is.
"""

import re
import sys

path = sys.argv[1]
s = open(path, encoding="utf-8").read()
if "sgzfs" not in s:
    sys.exit(0)  # already done

start = s.index('\tcase "stargz":\n')
end = s.index('\tdefault:\n\t\treturn snFactory, errors.Errorf("unknown snapshotter name')
s = (
    s[:start]
    + '\tcase "stargz":\n'
    + '\t\treturn snFactory, errors.New("the stargz snapshotter is not built into this'
    + " buildkitd (built from Debian's sources by rdock's scripts/engine.sh)\")\n"
    + s[end:]
)
# The labels and the source helper after the worker setup serve stargz only.
s = s[: s.index("const (\n\t// targetRefLabel")].rstrip() + "\n"

# Imports that only stargz used.
unused = {
    "sgzfs", "sgzconf", "sgzlayer", "sgzsource", "remotesn",
    '"fmt"', '"path/filepath"', '"strings"',
    '"github.com/containerd/containerd/v2/pkg/reference"',
    '"github.com/moby/buildkit/util/resolver"',
    '"github.com/pelletier/go-toml"', '"github.com/sirupsen/logrus"',
}
head, rest = s.split("import (\n", 1)
imports, body = rest.split("\n)\n", 1)
kept = [
    line for line in imports.split("\n")
    if line.strip().split(" ")[0] not in unused and line.strip() not in unused
]
s = head + "import (\n" + "\n".join(kept) + "\n)\n" + body
open(path, "w", encoding="utf-8").write(s)
