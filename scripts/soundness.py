#!/usr/bin/env python3
"""Hunt for rewrites that change the image.

Writes random single-stage Dockerfiles from the vocabulary rdock's effect
models claim to understand, lets `rdock lint --fix --unsafe-fixes` split
them, and builds the original and the rewrite on BuildKit with
`rdock verify`, which compares the filesystems entry by entry and the image
configurations. A difference is shrunk to a minimal program and kept as a
regression fixture.

Programs are verified in batches: each program is a stage of one Dockerfile
(`p0`, `p1`, ...) and a last stage built FROM the last program copies every
program's filesystem under `/pN/` (busybox programs: all of it; debian
programs: the folders the vocabulary touches), so one build proves many
programs while each keeps its own state; the last program's configuration
is compared too.

    scripts/soundness.py --programs N [--seed S] [--batch B] [--rdock BIN]
                         [--keep DIR] [--sabotage] [--fixtures DIR]

The last line reads `programs N, split K, verified K, differences D`.
`--sabotage` deletes one COPY --from line from each rewrite that split, so
every split batch must come out different (the harness can fail).
`--fixtures DIR` verifies the kept programs in DIR (`*.Dockerfile`) instead
of generating. Exit status: 0 when no difference was found (with
`--sabotage`: when every sabotaged batch was caught), 1 otherwise, 2 when a
build failed or the engine is missing.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a debian program may touch: the last stage copies these folders
# (and what the local packages install, and dpkg's list of them).
DEBIAN_ROOTS = ["/etc", "/opt", "/srv", "/work", "/home", "/root", "/tmp", "/usr/local", "/var/lib/app", "/var/cache/app",
                "/usr/share/rdock", "/usr/bin/rdock-a", "/usr/bin/rdock-b", "/usr/bin/rdock-c", "/usr/bin/wget",
                "/var/lib/dpkg/status"]

# Package installs without a network: `rdock-a`, `rdock-b` and `rdock-c`
# ship the program /usr/bin/rdock-X (unknown to rdock: a step that runs it
# is opaque) and /usr/share/rdock/X.txt; `wget` ships a stand-in for
# `wget -O FILE URL` (it writes the URL to FILE), a program rdock models,
# so a step that runs it must stay after the install that names it. All
# built with dpkg-deb into a flat repository that becomes apt's only source.
PACKAGES = ["rdock-a", "rdock-b", "rdock-c", "wget"]
LOCAL_REPO = " && ".join([
    "mkdir -p /var/lib/rdock-repo",
    "for p in a b c; do d=/tmp/pkg-$p"
    " && mkdir -p $d/DEBIAN $d/usr/bin $d/usr/share/rdock"
    " && printf '#!/bin/sh\\necho %s\\n' $p > $d/usr/bin/rdock-$p && chmod 755 $d/usr/bin/rdock-$p"
    " && echo $p > $d/usr/share/rdock/$p.txt"
    " && printf 'Package: rdock-%s\\nVersion: 1\\nArchitecture: all\\nMaintainer: r <r@r>\\nDescription: x\\n' $p > $d/DEBIAN/control"
    " && dpkg-deb --build $d /var/lib/rdock-repo/rdock-$p.deb >/dev/null && rm -rf $d; done",
    "d=/tmp/pkg-wget && mkdir -p $d/DEBIAN $d/usr/bin"
    " && printf '#!/bin/sh\\n[ \"$1\" = -O ] && echo \"$3\" > \"$2\"\\n' > $d/usr/bin/wget && chmod 755 $d/usr/bin/wget"
    " && printf 'Package: wget\\nVersion: 1\\nArchitecture: all\\nMaintainer: r <r@r>\\nDescription: x\\n' > $d/DEBIAN/control"
    " && dpkg-deb --build $d /var/lib/rdock-repo/wget.deb >/dev/null && rm -rf $d",
    "cd /var/lib/rdock-repo",
    "for f in *.deb; do dpkg-deb -f $f; echo \"Filename: ./$f\"; echo \"Size: $(stat -c %s $f)\";"
    " echo \"SHA256: $(sha256sum $f | cut -d' ' -f1)\"; echo; done > Packages",
    "rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*",
    "echo 'deb [trusted=yes] file:/var/lib/rdock-repo ./' > /etc/apt/sources.list.d/rdock.list",
    "apt-get update -qq",
    "cd /work",
])


class Gen:
    """One random program: a prefix that leaves files, folders and links
    for later steps, then RUN steps with `sleep 1` so splits are worth it.
    The generator tracks what exists, so that every program builds."""

    def __init__(self, rng, debian):
        self.r = rng
        self.debian = debian
        self.n = 0
        self.files = ["/work/f1", "/work/f2", "/opt/app/docs/manual-v1.txt", "/etc/app.conf", "/opt/data/users.gz"]
        self.hard = ["/work/h1", "/work/h2"]
        self.dirs = ["/work", "/work/d1", "/work/d2", "/opt/app/docs", "/srv/sg", "/opt/data", "/work/shared"]
        # Local packages installed (PACKAGES).
        self.installed = []

    # --- state -------------------------------------------------------------
    def fresh(self):
        self.n += 1
        return f"{self.r.choice(self.dirs)}/n{self.n}"

    def fresh_file(self):
        """A fresh path that the operation makes a file."""
        p = self.fresh()
        self.made_file(p)
        return p

    def file(self):
        return self.r.choice(self.files) if self.files else None

    def dir(self):
        return self.r.choice(self.dirs)

    def gone(self, p):
        """`p` (and what is below it) no longer exists."""
        for pool in (self.files, self.hard, self.dirs):
            pool[:] = [x for x in pool if x != p and not x.startswith(p + "/")]
        if not self.dirs:
            self.dirs.append("/tmp")

    def made_file(self, p):
        if p not in self.files:
            self.files.append(p)

    def made_dir(self, p):
        if p not in self.dirs:
            self.dirs.append(p)

    def prefix(self):
        lines = [
            "mkdir -p /work/d1 /work/d2 /opt/app/docs /srv/sg /opt/data /var/lib/app /var/cache/app /usr/local /home /root /work/shared",
            "echo one > /work/f1 && echo two > /work/f2 && echo v1 > /opt/app/docs/manual-v1.txt",
            "echo 'a=1' > /etc/app.conf",
            "echo hard > /work/h1 && ln /work/h1 /work/h2",
            "ln -s /etc/passwd /work/plink && ln -s /work/d1 /work/dlink",
            "chgrp 50 /srv/sg && chmod 2775 /srv/sg && chmod 1777 /work/shared",
            "cp /etc/passwd /opt/data/users && gzip /opt/data/users",
        ]
        if self.r.random() < 0.5:
            lines.append("ln -s /work/later /work/dangling")
        out = ["RUN " + " && ".join(lines)]
        if self.debian:
            out.append("RUN " + LOCAL_REPO)
        return out

    # --- operations: each returns shell text and updates the state ---------
    def op(self):
        r = self.r
        name = r.choice(self.OPS + (self.DEBIAN_OPS if self.debian else []))
        return getattr(self, "op_" + name)()

    OPS = [
        "write_new", "write_old", "append", "mkdir_p", "mkdir", "mkdir_mode", "mkdir_existing",
        "cp_new", "cp_into", "cp_t", "cp_a", "cp_r", "mv", "mv_made", "ln_s", "ln_sf", "ln_hard",
        "rm", "rm_rf", "rm_made", "replace_doc", "chmod", "chmod_made", "chmod_r", "chown",
        "chown_made", "chgrp", "touch", "sed", "tar_c", "tar_cx", "gzip", "gzip_k", "gunzip",
        "sort_env", "rm_env", "cd", "sh_c", "for", "if", "test_or", "cat", "cat_link", "via_link",
        "later", "var", "export_sh", "unexported_sh", "write_hard", "heredoc_style", "stat",
        "exit_guard", "checksum", "opaque_then_rm", "find", "seq",
    ]
    DEBIAN_OPS = ["install_d", "install_d_mode", "install_m", "install_t", "install_D", "localtime", "timezone", "useradd",
                  "getconf", "dpkg_arch", "apt_install", "apt_install", "apt_remove", "run_installed", "run_installed"]

    def uninstalled(self):
        return [p for p in PACKAGES if p not in self.installed]

    def op_apt_install(self):
        todo = self.uninstalled()
        if not todo:
            return self.op_write_new()
        p = self.r.choice(todo)
        self.installed.append(p)
        return f"apt-get install -y -qq {p} >/dev/null"

    def op_apt_remove(self):
        if not self.installed:
            return self.op_apt_install()
        p = self.r.choice(self.installed)
        self.installed.remove(p)
        return f"apt-get remove -y -qq {p} >/dev/null"

    def op_run_installed(self):
        """A program a package installed (named as packages name theirs)."""
        if not self.installed:
            return self.op_apt_install()
        p = self.r.choice(self.installed)
        if p == "wget":
            self.n += 1
            return f"sleep 1 && wget -O {self.fresh_file()} http://files.invalid/f{self.n}"
        return f"{p} > {self.fresh_file()}"

    def op_write_new(self):
        p = self.fresh_file()
        return f"echo {self.r.choice('xyz')} > {p}"

    def op_write_old(self):
        f = self.file()
        return f"echo w > {f}" if f else self.op_write_new()

    def op_append(self):
        f = self.file() or self.fresh()
        self.made_file(f)
        return f"echo more >> {f}"

    def op_mkdir_p(self):
        d = self.fresh() + "/" + self.r.choice("ab")
        self.made_dir(d.rsplit("/", 1)[0])
        self.made_dir(d)
        return f"mkdir -p {d}"

    def op_mkdir(self):
        d = self.fresh()
        self.made_dir(d)
        return f"mkdir {d}"

    def op_mkdir_mode(self):
        d = self.fresh()
        self.made_dir(d)
        return f"mkdir -m 700 {d}"

    def op_mkdir_existing(self):
        return f"mkdir -p {self.dir()}"

    def op_cp_new(self):
        f, p = self.file(), self.fresh()
        if not f:
            return self.op_write_new()
        self.made_file(p)
        return f"cp {f} {p}"

    def op_cp_into(self):
        f, d = self.file(), self.dir()
        if not f or f.rsplit("/", 1)[0] == d:
            return self.op_write_new()
        self.made_file(d + "/" + f.rsplit("/", 1)[1])
        return f"cp {f} {d}/"

    def op_cp_t(self):
        d = self.dir()
        srcs = list(dict.fromkeys([x for x in (self.file(), self.file()) if x and x.rsplit("/", 1)[0] != d]))
        if not srcs:
            return self.op_write_new()
        names = [s.rsplit("/", 1)[1] for s in srcs]
        if len(set(names)) < len(names):
            srcs = srcs[:1]
        for s in srcs:
            self.made_file(d + "/" + s.rsplit("/", 1)[1])
        return f"cp -t {d} " + " ".join(srcs)

    def op_cp_a(self):
        p = self.fresh()
        srcs = [d for d in self.dirs if not p.startswith(d + "/")]
        if not srcs:
            return self.op_write_new()
        src = self.r.choice(srcs)
        self.made_dir(p)
        return f"cp -a {src} {p}"

    def op_cp_r(self):
        p = self.fresh()
        srcs = [d for d in self.dirs if not p.startswith(d + "/")]
        if not srcs:
            return self.op_write_new()
        src = self.r.choice(srcs)
        self.made_dir(p)
        return f"cp -r {src} {p}"

    def op_mv(self):
        f, p = self.file(), self.fresh()
        if not f:
            return self.op_write_new()
        self.gone(f)
        self.made_file(p)
        return f"mv {f} {p}"

    def op_mv_made(self):
        d = self.fresh()
        self.made_dir(d)
        self.made_file(d + "/y")
        return f"mkdir {d} && echo m > {d}/x && mv {d}/x {d}/y"

    def op_ln_s(self):
        t = self.r.choice(self.files + ["/work/later"]) if self.files else "/work/later"
        return f"ln -s {t} {self.fresh()}"

    def op_ln_sf(self):
        return f"ln -sf /etc/hostname {self.r.choice(['/work/plink', '/work/dlink', self.fresh()])}"

    def op_ln_hard(self):
        f = self.r.choice([x for x in self.files if x not in ("/work/plink",)] or [None])
        if not f:
            return self.op_write_new()
        p = self.fresh()
        self.hard += [f, p]
        return f"ln {f} {p}"

    def op_rm(self):
        f = self.file()
        if not f:
            return self.op_write_new()
        self.gone(f)
        return f"rm -f {f}"

    def op_rm_rf(self):
        cands = [d for d in self.dirs if d not in ("/work",)]
        if not cands:
            return self.op_write_new()
        d = self.r.choice(cands)
        self.gone(d)
        return f"rm -rf {d}"

    def op_rm_made(self):
        p = self.fresh()
        return f"echo t > {p} && rm -f {p}"

    def op_replace_doc(self):
        d = self.r.choice(["/opt/app/docs", self.fresh()])
        self.made_dir(d)
        self.made_file(d + "/v2")
        self.gone("/opt/app/docs/manual-v1.txt")
        return f"mkdir -p {d} && echo new > {d}/v2 && rm -f /opt/app/docs/manual-v1.txt"

    def op_chmod(self):
        mode = self.r.choice(["600", "755", "4755", "2775", "1777", "u+s", "g+s", "+t", "-x"])
        return f"chmod {mode} {self.r.choice(self.files + self.dirs)}"

    def op_chmod_made(self):
        p = self.fresh_file()
        return f"echo s > {p} && chmod {self.r.choice(['600', '4755'])} {p}"

    def op_chmod_r(self):
        return f"chmod -R go-w {self.dir()}"

    def op_chown(self):
        return f"chown 1000:1000 {self.r.choice(self.files + self.dirs)}"

    def op_chown_made(self):
        p = self.fresh_file()
        return f"echo o > {p} && chown 1000:50 {p}"

    def op_chgrp(self):
        f = self.file()
        return f"chgrp 50 {f}" if f else self.op_write_new()

    def op_touch(self):
        p = self.r.choice(self.files + self.dirs + [self.fresh()])
        if p not in self.dirs:
            self.made_file(p)
        return f"touch {p}"

    def op_sed(self):
        f = self.file()
        return f"sed -i s/o/0/ {f}" if f else self.op_write_new()

    def op_tar_c(self):
        p = self.fresh() + ".tar"
        d = self.dir()
        self.made_file(p)
        return f"tar -cf {p} -C {d} ."

    def op_tar_cx(self):
        d = self.fresh()
        self.made_dir(d)
        src = self.r.choice([x for x in self.dirs if not d.startswith(x + "/")] or ["/etc"])
        return f"tar -cf /tmp/t{self.n}.tar -C {src} . && mkdir -p {d} && tar -xf /tmp/t{self.n}.tar -C {d}"

    def _plain(self):
        """A regular file with one link, not compressed yet."""
        c = [f for f in self.files if f not in self.hard and not f.endswith(".gz") and f + ".gz" not in self.files and f != "/work/plink"]
        return self.r.choice(c) if c else None

    def op_gzip(self):
        f = self._plain()
        if not f:
            return self.op_write_new()
        self.gone(f)
        self.made_file(f + ".gz")
        return f"gzip {f}"

    def op_gzip_k(self):
        f = self._plain()
        if not f:
            return self.op_write_new()
        self.made_file(f + ".gz")
        return f"gzip -k {f}"

    def op_gunzip(self):
        c = [f for f in self.files if f.endswith(".gz") and f[:-3] not in self.files and f not in self.hard]
        if not c:
            return self.op_write_new()
        f = self.r.choice(c)
        self.gone(f)
        self.made_file(f[:-3])
        return f"gunzip {f}"

    def op_sort_env(self):
        p = self.fresh_file()
        return f"env LC_ALL=C sort -o {p} /etc/passwd"

    def op_rm_env(self):
        f = self.file()
        if not f:
            return self.op_write_new()
        self.gone(f)
        return f"env LC_ALL=C rm -f {f}"

    def op_cd(self):
        d = self.dir()
        self.n += 1
        self.made_file(f"{d}/c{self.n}")
        return f"cd {d} && echo c > c{self.n}"

    def op_sh_c(self):
        p = self.fresh_file()
        return f"sh -c 'echo sh > {p}'"

    def op_for(self):
        f = self.file() or "/tmp/loop"
        self.made_file(f)
        return f"for i in 1 2; do echo $i >> {f}; done"

    def op_if(self):
        f = self.file() or "/work"
        return f"if [ -f {f} ]; then echo i > {self.fresh()}; fi"

    def op_test_or(self):
        f = self.file() or "/work/none"
        return f"test -f {f} || touch {self.fresh()}"

    def op_exit_guard(self):
        """`|| exit`: the guard real scripts end a check with (never taken
        here, the file exists or is made first)."""
        p = self.fresh_file()
        return f"echo e > {p} && {{ test -f {p} || exit 3; }}"

    def op_checksum(self):
        """A file and its check: `echo "SUM  NAME" | sha256sum -c -` reads
        NAME (binary `*NAME` form too)."""
        import hashlib
        p = self.fresh_file()
        word = self.r.choice("xyz")
        digest = hashlib.sha256((word + "\n").encode()).hexdigest()
        mark = self.r.choice([" ", "*"])
        return f'echo {word} > {p} && echo "{digest} {mark}{p}" | sha256sum -c -'

    def op_opaque_then_rm(self):
        """A command rdock has no model of (`mktemp`), then a plain `rm` of
        a file: what rdock reads after the opaque command."""
        f = self.file()
        if not f or f in self.hard:
            return self.op_write_new()
        self.gone(f)
        # `mktemp -d` names its folder at random: removed, so that both
        # builds leave the same tree.
        return f'T="$(mktemp -d)"; rm -f {f} "$T"/none; rmdir "$T"'

    def op_find(self):
        """`find` reads its start point whole: a listing of a folder another
        command changes (sorted: the order of a folder's names is the
        filesystem's). The listing is taken before the file it goes to is
        made: `find d | sort > d/x` races the shell's redirect."""
        d = self.dir() or "/work"
        p = self.fresh_file()
        return f'L="$(find {d} -type f | sort)" && echo "$L" > {p}'

    def op_seq(self):
        p = self.fresh_file()
        return f"seq 1 {self.r.randint(1, 5)} > {p}"

    def op_cat(self):
        f = self.file()
        p = self.fresh_file()
        return f"cat {f} > {p}" if f else f"cat /etc/passwd > {p}"

    def op_cat_link(self):
        p = self.fresh_file()
        return f"cat /work/plink > {p}"

    def op_via_link(self):
        if "/work/d1" not in self.dirs:
            return self.op_write_new()
        self.n += 1
        base = self.r.choice(["/work/dlink", "/work/d1"])
        self.made_file(f"/work/d1/v{self.n}")
        return f"echo via > {base}/v{self.n}"

    def op_later(self):
        self.made_file("/work/later")
        return "echo later > /work/later"

    def op_var(self):
        p = self.fresh_file()
        return f"X={p}; echo var > $X"

    def op_export_sh(self):
        p = self.fresh_file()
        return f"export Y={p} && sh -c 'echo exported > $Y'"

    def op_unexported_sh(self):
        return f"Z={self.fresh()}; sh -c 'echo unexported > $Z/none' || true"

    def op_write_hard(self):
        c = [h for h in self.hard if h in self.files or h.startswith("/work/h")]
        return f"echo through >> {self.r.choice(c)}" if c else self.op_write_new()

    def op_heredoc_style(self):
        p = self.fresh_file()
        return f"printf '%s\\n' a b > {p}"

    def op_install_d(self):
        a, b = self.fresh(), self.fresh()
        self.made_dir(a)
        self.made_dir(b)
        return f"install -d {a} {b}"

    def op_install_d_mode(self):
        a = self.fresh()
        self.made_dir(a)
        return f"install -d -m 750 {a}"

    def op_install_m(self):
        f, p = self.file(), self.fresh()
        if not f:
            return self.op_write_new()
        self.made_file(p)
        return f"install -m 644 {f} {p}"

    def op_install_t(self):
        f, d = self.file(), self.dir()
        if not f or f.rsplit("/", 1)[0] == d:
            return self.op_write_new()
        self.made_file(d + "/" + f.rsplit("/", 1)[1])
        return f"install -t {d} {f}"

    def op_install_D(self):
        f, p = self.file(), self.fresh()
        if not f:
            return self.op_write_new()
        self.made_file(p + "/deep/file")
        return f"install -D {f} {p}/deep/file"

    def op_stat(self):
        f, p = self.file(), self.fresh()
        if not f:
            return self.op_write_new()
        self.made_file(p)
        return f"stat -c %s {f} > {p}"

    def op_getconf(self):
        p = self.fresh_file()
        return f"getconf LONG_BIT > {p}"

    def op_dpkg_arch(self):
        p = self.fresh_file()
        return f"echo $(dpkg --print-architecture) > {p}"

    def op_localtime(self):
        return "ln -sf /usr/share/zoneinfo/Europe/Paris /etc/localtime"

    def op_timezone(self):
        return "echo Europe/Paris > /etc/timezone"

    def op_useradd(self):
        self.n += 1
        return f"useradd -m u{self.n}"

    def between(self):
        """Instructions between RUN steps: metadata and ENV/ARG, which rdock
        moves RUN steps past (a split chain repeats ENV and ARG), and
        WORKDIR, which it does not."""
        r = self.r
        k = r.random()
        if k < 0.2:
            self.n += 1
            p = self.fresh()
            self.made_file(p)
            return [f"ENV OUT{self.n}={p}", f"RUN sleep 1 > $OUT{self.n}"]
        if k < 0.3:
            self.n += 1
            return [f"ARG LEVEL{self.n}=3", f"RUN sleep 1 && echo $LEVEL{self.n} > {self.fresh()}"]
        return [r.choice([
            "ENV MODE=batch", "LABEL step=x", "WORKDIR /work/shared", "ARG LEVEL=3",
            "EXPOSE 8080", 'CMD ["true"]', "ENV PATH=/opt/app/bin:$PATH", "STOPSIGNAL SIGTERM",
            'HEALTHCHECK CMD ["true"]', 'ENTRYPOINT ["sh"]',
        ])]

    def pieces_body(self):
        """One RUN whose commands rdock may split into stages of their own
        (`shell::pieces`): slow writes between other operations, joined
        with `&&` or after `set -e` with `;`, sometimes after a `cd` or a
        variable that every later piece carries."""
        r = self.r
        parts = []
        # As official images do: install packages first in the RUN, and
        # sometimes remove them at its end (RD501 may start the slow parts
        # before the install, as an unsafe fix).
        removal = None
        if self.debian and r.random() < 0.4:
            todo = self.uninstalled()
            if todo:
                pkg = r.choice(todo)
                parts.append(f"apt-get install -y -qq {pkg} >/dev/null")
                if r.random() < 0.5:
                    removal = f"apt-get remove -y -qq {pkg} >/dev/null"
                else:
                    self.installed.append(pkg)
        if r.random() < 0.3:
            d = self.dir()
            parts.append(f"cd {d}")
            self.n += 1
            rel = f"r{self.n}"
            self.made_file(f"{d}/{rel}")
            parts.append(f"sleep 1 > {rel}")
        if r.random() < 0.2:
            d = self.dir()
            parts.append(f"D={d}")
            self.n += 1
            self.made_file(f"{d}/v{self.n}")
            parts.append(f"sleep 1 > $D/v{self.n}")
        slow = []
        for _ in range(r.randint(2, 3)):
            p = self.fresh()
            self.made_file(p)
            slow.append(p)
            parts.append(f"sleep 1 > {p}")
            parts += [self.op() for _ in range(r.randint(0, 1))]
        if r.random() < 0.5:
            # Later parts use the slow files and delete or replace them, as
            # real RUNs do with downloads: a split hands them to the rest of
            # the RUN through mounts (RD501's hand-over).
            used = [p for p in slow if p in self.files][: r.randint(1, 2)]
            if used:
                joined = self.fresh()
                self.made_file(joined)
                parts.append(f"cat {' '.join(used)} > {joined}")
                how = r.choice(["rm", "mv", "append", "chmod"])
                if how == "rm":
                    parts.append(f"rm -f {' '.join(used)}")
                    for p in used:
                        self.gone(p)
                elif how == "mv":
                    dest = self.fresh()
                    parts.append(f"mv {used[0]} {dest}")
                    self.gone(used[0])
                    self.made_file(dest)
                elif how == "append":
                    parts.append(f"echo more >> {used[0]}")
                else:
                    parts.append(f"chmod 600 {used[0]}")
        if removal:
            parts.append(removal)
        and_sep, seq_sep = " && ", "; "
        if r.random() < 0.4:
            # Across continuation lines with comment and blank lines inside,
            # which BuildKit's parser drops before the shell sees the script.
            gap = r.choice([" \\\n    # next step\n    ", " \\\n\n    ", " \\\n    "])
            and_sep, seq_sep = gap + "&& ", ";" + gap
        if r.random() < 0.6:
            return and_sep.join(parts)
        return "set -e" + seq_sep + seq_sep.join(parts)

    def program(self):
        r = self.r
        base = "debian:12.4" if self.debian else "busybox:latest"
        out = [f"FROM {base}"]
        if r.random() < 0.5:
            out.append("USER root")
        out.append("WORKDIR /work")
        out += self.prefix()
        if r.random() < 0.2:
            out.append("ARG GREETING=hello")
        steps = r.randint(2, 5)
        for i in range(steps):
            if r.random() < 0.3:
                out.append("RUN " + self.pieces_body())
                if r.random() < 0.25:
                    out += self.between()
                continue
            ops = [self.op() for _ in range(r.randint(1, 2))]
            body = " && ".join(["sleep 1"] + ops)
            k = r.random()
            if k < 0.08:
                out.append(f"RUN --mount=type=cache,target=/var/cache/app sleep 1 && echo c{i} > /var/cache/app/c{i} && " + " && ".join(ops))
            elif k < 0.14 and not any("'" in o or "\\" in o for o in ops):
                out.append("RUN <<EOF\nset -e\nsleep 1\n" + "\n".join(ops) + "\nEOF")
            elif k < 0.18:
                out.append('RUN ["sh", "-c", ' + json.dumps(body) + "]")
            else:
                out.append("RUN " + body)
            if r.random() < 0.25:
                out += self.between()
        return "\n".join(out) + "\n"


def batch_file(programs):
    """Programs as stages p0..pN and a last stage, built FROM the last
    program (whose configuration is then compared), that copies every
    program's filesystem under /pN/ with GNU `cp -a` (modes, owners, links,
    hard links, extended attributes) in one step from read-only mounts of
    the program stages (one COPY per folder would pass the layer limit)."""
    text = []
    for i, (prog, debian) in enumerate(programs):
        lines = prog.splitlines()
        lines[0] = f"{lines[0]} AS p{i}"
        text.append("\n".join(lines))
    mounts = " ".join(f"--mount=from=p{i},target=/m/p{i}" for i in range(len(programs)))
    copies = []
    for i, (_, debian) in enumerate(programs):
        if debian:
            what = " ".join(r.lstrip("/") for r in DEBIAN_ROOTS)
            copies.append(
                f"mkdir /p{i}; cd /m/p{i}; for r in {what}; do if [ -e $r ]; then cp -a --parents $r /p{i}/; fi; done"
            )
        else:
            copies.append(f"mkdir /p{i}; cd /m/p{i}; cp -a --parents . /p{i}/")
    # Built FROM the last program when it is a debian one (GNU cp), so that
    # its image configuration is compared too (its USER aside: the copy
    # runs as root).
    last_debian = programs[-1][1]
    gather = [
        f"FROM p{len(programs) - 1} AS all" if last_debian else "FROM debian:12.4 AS all",
        "USER root",
        f"RUN --network=none {mounts} set -e; " + "; ".join(copies),
    ]
    text.append("\n".join(gather))
    return "\n\n".join(text) + "\n"


class Engine:
    def __init__(self, rdock, work, keep):
        self.rdock = rdock
        self.work = Path(work)
        self.keep = keep
        self.env = dict(os.environ)
        env_file = Path(os.environ.get("RDOCK_ENGINE_ENV", "/opt/rdock-engine/env"))
        if "DOCKER_HOST" not in self.env and env_file.exists():
            for line in env_file.read_text().splitlines():
                m = re.match(r'export (\w+)="(.*)"$', line)
                if m:
                    self.env[m.group(1)] = m.group(2)

    def rewrite(self, path):
        out = path.with_name(path.stem + ".rewrite.Dockerfile")
        shutil.copy(path, out)
        p = subprocess.run(
            [self.rdock, "lint", "--no-config", "--select", "RD501", "--fix", "--unsafe-fixes", "--quiet", str(out)],
            capture_output=True, text=True, env=self.env,
        )
        if p.returncode not in (0, 1):
            raise SystemExit(f"rdock lint --fix failed on {out}:\n{p.stdout}{p.stderr}")
        return out

    def base_images(self):
        """Local base images the vocabulary uses besides debian and busybox:
        one whose configuration says `USER app` (uid 1000)."""
        tag = "rdock-soundness/app-user:1"
        if subprocess.run(["docker", "image", "inspect", tag], capture_output=True, env=self.env).returncode == 0:
            return
        d = Path(tempfile.mkdtemp(prefix="rdock-soundness-image-"))
        (d / "Dockerfile").write_text("FROM debian:12.4\nRUN useradd -m -u 1000 app\nUSER app\n")
        p = subprocess.run(["docker", "buildx", "build", "--network", "none", "--load", "-q", "-t", tag, str(d)],
                           capture_output=True, text=True, env=self.env)
        shutil.rmtree(d, ignore_errors=True)
        if p.returncode != 0:
            raise SystemExit(f"cannot build {tag}: {p.stderr[-2000:]}")

    def builds(self, path, target=None):
        """Whether the file builds (with the engine's cache: a check, not a timing)."""
        cmd = ["docker", "buildx", "build", "--network", "none", "-q", "-f", str(path)]
        if target:
            cmd += ["--target", target]
        cmd.append(str(path.parent))
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env)
        return p.returncode == 0, p.stderr[-2000:]

    def failing_stages(self, path):
        """The stages whose own step fails when `path` is built (not the ones
        cancelled because another failed), from BuildKit's plain progress."""
        p = subprocess.run(
            ["docker", "buildx", "build", "--network", "none", "--progress=plain", "-f", str(path), str(path.parent)],
            capture_output=True, text=True, env=self.env,
        )
        if p.returncode == 0:
            return set()
        stage_of = {}
        failed = set()
        for line in p.stderr.splitlines():
            m = re.match(r"#(\d+) \[(p\d+) ", line)
            if m:
                stage_of[m.group(1)] = m.group(2)
            m = re.match(r"#(\d+) ERROR: (.*)", line)
            if m and "canceled" not in m.group(2) and m.group(1) in stage_of:
                failed.add(stage_of[m.group(1)])
        return failed

    def verify(self, a, b):
        p = subprocess.run(
            [self.rdock, "verify", str(a), "--against", str(b), "--output-format", "json", "--engine", "docker"],
            capture_output=True, text=True, env=self.env,
        )
        if p.returncode == 2:
            return None, p.stdout + p.stderr
        try:
            return json.loads(p.stdout), ""
        except json.JSONDecodeError:
            return None, p.stdout + p.stderr


def split_programs(rewrite_text, n):
    """Programs whose stage the rewrite split (its FROM became `pN-base`)."""
    return {i for i in range(n) if re.search(rf"\bAS p{i}-base\b", rewrite_text)}


def owners(report, n):
    """Programs each difference belongs to (by its /pN/ path)."""
    found = {}
    for d in report.get("differences", []):
        path = d.get("path", "")
        m = re.match(r"/p(\d+)(/|$)", path)
        i = int(m.group(1)) if m else n - 1
        found.setdefault(i, []).append(d)
    return found


def sabotage(text):
    """Drop one `COPY --from=<chain>` line of the rewrite."""
    lines = text.splitlines(keepends=True)
    for k, line in enumerate(lines):
        if re.match(r"COPY --from=(?!p\d+ )\S+ ", line):
            return "".join(lines[:k] + lines[k + 1:]), line.strip()
    return None, None


def verify_single(engine, prog, name, sabotaged=False):
    """Verify one program on its own: (split, report)."""
    path = engine.work / f"{name}.trial.Dockerfile"
    path.write_text(prog)
    rw = engine.rewrite(path)
    if rw.read_text() == prog:
        return False, None
    if sabotaged:
        bad, _ = sabotage(rw.read_text())
        if bad is None:
            return False, None
        rw.write_text(bad)
    report, err = engine.verify(path, rw)
    if report is None:
        return True, {"verdict": "error", "error": err}
    return True, report


def shrink(engine, prog, name, sabotaged=False):
    """Remove RUN steps and `&&` parts while the split still changes the image."""
    def still_bad(text):
        split, rep = verify_single(engine, text, name, sabotaged)
        # A program that no longer builds is no smaller difference.
        return split and rep is not None and rep.get("verdict") == "mismatch"

    lines = prog.splitlines()
    changed = True
    while changed:
        changed = False
        for k in range(len(lines) - 1, 0, -1):
            if not lines[k].startswith(("RUN ", "ENV ", "LABEL ", "ARG ", "USER ")):
                continue
            cand = lines[:k] + lines[k + 1:]
            if still_bad("\n".join(cand) + "\n"):
                lines, changed = cand, True
                continue
            parts = lines[k].split(" && ")
            for j in range(len(parts) - 1, 0, -1):
                trial = parts[:j] + parts[j + 1:]
                cand = lines[:k] + [" && ".join(trial)] + lines[k + 1:]
                if still_bad("\n".join(cand) + "\n"):
                    lines, parts, changed = cand, trial, True
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--programs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--rdock", default=str(ROOT / "target/debug/rdock"))
    ap.add_argument("--keep", default=None, help="folder for the batches and shrunk differences")
    ap.add_argument("--sabotage", action="store_true")
    ap.add_argument("--fixtures", default=None)
    ap.add_argument("--no-shrink", action="store_true")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rdock-soundness-"))
    work.mkdir(parents=True, exist_ok=True)
    engine = Engine(args.rdock, work, args.keep)
    engine.base_images()
    print(f"seed {seed}; work in {work}", flush=True)

    if args.fixtures:
        progs = []
        for f in sorted(Path(args.fixtures).glob("*.Dockerfile")):
            text = f.read_text()
            progs.append((text, "busybox" not in text.splitlines()[0]))
    else:
        progs = []
        for _ in range(args.programs):
            debian = rng.random() < 0.6
            progs.append((Gen(rng, debian).program(), debian))

    total = split = verified = differences = caught = sabotaged = errors = 0
    if args.fixtures:
        # Each kept program on its own: its whole image configuration is
        # compared too (USER included).
        for f, (prog, _) in zip(sorted(Path(args.fixtures).glob("*.Dockerfile")), progs):
            total += 1
            was_split, report = verify_single(engine, prog, f.stem)
            if not was_split:
                print(f"{f.name}: not split", flush=True)
                continue
            split += 1
            if report is None or report.get("verdict") == "error":
                errors += 1
                print(f"{f.name}: a build failed: {(report or {}).get('error', '')[-2000:]}", flush=True)
                continue
            verified += 1
            if report.get("verdict") != "match":
                differences += 1
                print(f"{f.name}: DIFFERENT: {json.dumps(report.get('differences'))[:1500]}", flush=True)
            else:
                print(f"{f.name}: split, same image", flush=True)
        print(f"programs {total}, split {split}, verified {verified}, differences {differences}")
        sys.exit(2 if errors else (1 if differences else 0))
    # Only what rdock splits needs building: lint each program alone
    # (milliseconds) and batch the ones it rewrites.
    generated = len(progs)
    kept = []
    for i, (prog, debian) in enumerate(progs):
        path = work / f"program-{i:05d}.Dockerfile"
        path.write_text(prog)
        rw = engine.rewrite(path)
        if rw.read_text() != prog:
            kept.append((prog, debian))
        path.unlink()
        rw.unlink()
    print(f"{generated} programs generated, {len(kept)} split by rdock", flush=True)
    total = generated - len(kept)
    progs = kept
    for start in range(0, len(progs), args.batch):
        chunk = progs[start:start + args.batch]
        # A debian program last: the batch's image is built FROM it.
        d = [k for k, c in enumerate(chunk) if c[1]]
        if d and not chunk[-1][1]:
            chunk.append(chunk.pop(d[-1]))
        total += len(chunk)
        path = work / f"batch-{start // args.batch:04d}.Dockerfile"
        path.write_text(batch_file(chunk))
        rw = engine.rewrite(path)
        rtext = rw.read_text()
        which = split_programs(rtext, len(chunk))
        split += len(which)
        if not which:
            print(f"batch {start // args.batch}: {len(chunk)} programs, none split", flush=True)
            continue
        if args.sabotage:
            bad, line = sabotage(rtext)
            if bad is None:
                continue
            rw.write_text(bad)
            sabotaged += 1
        report, err = engine.verify(path, rw)
        attempts = 0
        while report is None and '"side":"original"' in err and attempts < 5:
            attempts += 1
            # A program the generator got wrong (it fails on its own): drop
            # it and verify the rest again.
            bad = engine.failing_stages(path)
            keep = []
            for i, c in enumerate(chunk):
                if bad:
                    good, out = f"p{i}" not in bad, "(its step fails)"
                else:
                    good, out = engine.builds(path, f"p{i}")
                if good:
                    keep.append(c)
                else:
                    print(f"  program {start + i} does not build by itself; left out:\n{c[0]}{out[-600:]}", flush=True)
            total -= len(chunk) - len(keep)
            split -= len(which)
            chunk = keep
            if not chunk:
                break
            path.write_text(batch_file(chunk))
            rw = engine.rewrite(path)
            rtext = rw.read_text()
            which = split_programs(rtext, len(chunk))
            split += len(which)
            if not which:
                break
            if args.sabotage:
                bad, line = sabotage(rtext)
                if bad is None:
                    break
                rw.write_text(bad)
            report, err = engine.verify(path, rw)
        if not chunk or not which:
            continue
        if report is None:
            errors += 1
            print(f"batch {start // args.batch}: a build failed:\n{err[-3000:]}", flush=True)
            continue
        verified += len(which)
        by_prog = owners(report, len(chunk))
        if args.sabotage:
            if report.get("verdict") != "match":
                caught += 1
                print(f"batch {start // args.batch}: sabotage ({line}) caught: {len(report['differences'])} differences", flush=True)
                if not args.no_shrink and caught == 1:
                    # The shrinker at work on a known difference: the program
                    # whose copy was dropped, made minimal.
                    i = min(by_prog)
                    name = f"sabotage-{seed}-{start + i}"
                    minimal = shrink(engine, chunk[i][0], name, sabotaged=True)
                    (work / f"{name}.Dockerfile").write_text(minimal)
                    runs = sum(1 for l in minimal.splitlines() if l.startswith("RUN "))
                    print(f"  shrunk to {runs} RUN steps: {work / (name + '.Dockerfile')}", flush=True)
            else:
                print(f"batch {start // args.batch}: sabotage ({line}) NOT caught", flush=True)
            continue
        print(
            f"batch {start // args.batch}: {len(chunk)} programs, {len(which)} split, verdict {report.get('verdict')}",
            flush=True,
        )
        for i, diffs in sorted(by_prog.items()):
            differences += 1
            prog = chunk[i][0]
            name = f"difference-{seed}-{start + i}"
            print(f"  program {start + i}: {len(diffs)} differences, first: {json.dumps(diffs[0])[:400]}", flush=True)
            minimal = prog if args.no_shrink else shrink(engine, prog, name)
            (work / f"{name}.Dockerfile").write_text(minimal)
            print(f"  kept {work / (name + '.Dockerfile')}:\n" + "".join("    " + l + "\n" for l in minimal.splitlines()), flush=True)

    if args.sabotage:
        print(f"sabotaged {sabotaged}, caught {caught}")
        print(f"programs {total}, split {split}, verified {verified}, differences {caught}")
        sys.exit(0 if sabotaged and caught == sabotaged and not errors else 1)
    print(f"programs {total}, split {split}, verified {verified}, differences {differences}")
    sys.exit(2 if errors else (1 if differences else 0))


if __name__ == "__main__":
    main()
