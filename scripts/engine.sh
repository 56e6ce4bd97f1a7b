#!/usr/bin/env bash
# engine.sh: install and start a private BuildKit-capable Docker engine on a
# Debian 12 machine, and build the local base images rdock's engine tests use
# (no registry needed). Idempotent: a second run reuses what is there.
#
#   scripts/engine.sh [start] [--debian] [--buildkitd]
#                                install, start, build base images
#   scripts/engine.sh stop       stop the private daemons
#   scripts/engine.sh env        print the environment to use
#
# What it does (see ../shared/engine/README.md for the facts behind it):
# - docker.io + docker-buildx from Debian sid (for `docker build --check`),
#   falling back to trixie, downloaded with apt's own client using private
#   lists and unpacked with `dpkg -x` into $RDOCK_ENGINE_PREFIX (default
#   /opt/rdock-engine); the system's packages are not upgraded. containerd,
#   runc, iptables, tini, busybox-static (and debootstrap with --debian) come
#   from Debian 12 itself, and so do docker-registry, skopeo and openssl (a
#   registry on loopback, with and without token authentication, for the
#   embedded engine's pull tests; not started here).
# - the buildx plugin goes to ~/.docker/cli-plugins;
# - dockerd runs in the background with its own data-root, exec-root, socket
#   and pidfile, and no bridge (build with --network=none or host);
# - base images: `rdock-test/busybox:latest` (also tagged `busybox:latest`)
#   from busybox-static, and with --debian `debian:12.4` from debootstrap
#   (and with --buildkitd too `rdock-test/debian-tools:12`, the same with
#   curl, git, unzip and ca-certificates, as an OCI layout only).
# - with --buildkitd, also a standalone buildkitd and buildctl (for
#   `rdock verify --engine buildctl`), built with Debian's Go from the BuildKit
#   source Debian ships in golang-github-docker-docker-dev (Debian has no
#   BuildKit binary package); it runs with the runc worker on its own socket,
#   and the base images are saved as OCI layouts under $RDOCK_ENGINE_PREFIX/layouts
#   (buildkitd has its own image store and no registry can be reached).
# The environment to use (PATH with the engine's client first, DOCKER_HOST,
# and with --buildkitd BUILDKIT_HOST and RDOCK_ENGINE_LAYOUTS) is written to
# $RDOCK_ENGINE_PREFIX/env and printed on stdout.
set -euo pipefail

prefix=${RDOCK_ENGINE_PREFIX:-/opt/rdock-engine}
run=${RDOCK_ENGINE_RUN:-/run/rdock-engine}
sock="$run/docker.sock"
pidfile="$run/dockerd.pid"
envfile="$prefix/env"

log() { printf '[engine] %s\n' "$*" >&2; }
die() {
    printf '[engine] error: %s\n' "$*" >&2
    exit 2
}

usage() { sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; }

# ------------------------------------------------------------- install ---

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    if ((!apt_updated)); then
        log "apt-get update"
        as_root apt-get update -qq
        apt_updated=1
    fi
    log "installing from Debian 12: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The mirror the system uses, read from its own sources.
mirror() {
    local m
    m=$(grep -h -m1 -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -n1 || true)
    if [[ -z $m ]]; then
        m=$(grep -h -m1 -E '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)
    fi
    printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# apt-get with private lists, sources and cache: the system's are untouched.
papt() { papt_tool apt-get "$@"; }
papt_cache() { papt_tool apt-cache "$@"; }
papt_tool() {
    local a="$prefix/apt" tool=$1
    shift
    "$tool" -q -o Dir::State::Lists="$a/lists" -o Dir::Etc::SourceList=/dev/null \
        -o Dir::Etc::SourceParts="$a/sources" -o Dir::Cache="$a/cache" \
        -o Dir::State::status=/var/lib/dpkg/status -o Debug::NoLocking=1 \
        -o APT::Get::List-Cleanup=0 "$@"
}

# Fetch docker.io and docker-buildx from SUITE into $prefix/root; succeed only
# when the unpacked dockerd and buildx run.
fetch_suite() {
    local suite=$1 a="$prefix/apt" dl
    mkdir -p "$a/lists/partial" "$a/sources" "$a/cache/archives/partial"
    cat >"$a/sources/rdock.sources" <<EOF
Types: deb
URIs: $(mirror)
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    log "apt-get update (private lists, suite $suite)"
    papt update >/dev/null 2>"$a/update.log" || {
        log "suite $suite: update failed: $(tail -n 3 "$a/update.log")"
        return 1
    }
    dl=$(mktemp -d)
    if ! (cd "$dl" && papt download "docker.io/$suite" "docker-buildx/$suite" >/dev/null 2>"$a/download.log"); then
        log "suite $suite: download failed: $(tail -n 3 "$a/download.log")"
        rm -rf "$dl"
        return 1
    fi
    rm -rf "$prefix/root.new"
    mkdir -p "$prefix/root.new"
    local deb
    for deb in "$dl"/*.deb; do dpkg -x "$deb" "$prefix/root.new"; done
    rm -rf "$dl"
    if ! "$prefix/root.new/usr/sbin/dockerd" --version >/dev/null 2>&1 ||
        ! "$prefix/root.new/usr/libexec/docker/cli-plugins/docker-buildx" version >/dev/null 2>&1; then
        log "suite $suite: the unpacked binaries do not run here"
        rm -rf "$prefix/root.new"
        return 1
    fi
    rm -rf "$prefix/root"
    mv "$prefix/root.new" "$prefix/root"
    echo "$suite" >"$prefix/suite"
    log "engine from $suite: $("$prefix/root/usr/sbin/dockerd" --version)"
}

install_engine() {
    apt_install ca-certificates containerd runc iptables tini busybox-static docker-registry skopeo openssl
    if [[ -x $prefix/root/usr/sbin/dockerd && -f $prefix/suite ]]; then
        log "engine present ($(cat "$prefix/suite")): $("$prefix/root/usr/sbin/dockerd" --version)"
    else
        mkdir -p "$prefix"
        fetch_suite "${RDOCK_ENGINE_SUITE:-sid}" || fetch_suite trixie ||
            die "could not fetch docker.io and docker-buildx from sid or trixie"
    fi
    mkdir -p "$HOME/.docker/cli-plugins"
    local plugin="$prefix/root/usr/libexec/docker/cli-plugins/docker-buildx"
    cmp -s "$plugin" "$HOME/.docker/cli-plugins/docker-buildx" ||
        cp "$plugin" "$HOME/.docker/cli-plugins/docker-buildx"
}

# -------------------------------------------------------------- daemon ---

engine_path() { printf '%s' "$prefix/root/usr/sbin:$prefix/root/usr/bin:$PATH"; }

docker_() { PATH=$(engine_path) DOCKER_HOST="unix://$sock" docker "$@"; }

running() { [[ -S $sock ]] && docker_ info >/dev/null 2>&1; }

start_daemon() {
    if running; then
        log "dockerd already running on unix://$sock"
        return 0
    fi
    if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        log "dockerd (pid $(cat "$pidfile")) is starting; waiting"
    else
        rm -f "$pidfile" "$sock"
        mkdir -p "$run" "$prefix/data"
        log "starting dockerd (log: $prefix/dockerd.log)"
        PATH=$(engine_path) setsid dockerd \
            --data-root "$prefix/data" --exec-root "$run/exec" \
            -H "unix://$sock" --pidfile "$pidfile" \
            --bridge=none --iptables=false --ip6tables=false \
            >"$prefix/dockerd.log" 2>&1 </dev/null 9>&- &
    fi
    local i
    for ((i = 0; i < 120; i++)); do
        running && {
            log "dockerd ready on unix://$sock"
            return 0
        }
        sleep 0.5
    done
    tail -n 20 "$prefix/dockerd.log" >&2 || true
    die "dockerd did not answer within 60 s (log above, full log in $prefix/dockerd.log)"
}

stop_daemon() {
    if [[ -f $pidfile ]]; then
        local pid
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            log "stopping dockerd (pid $pid)"
            kill "$pid"
            local i
            for ((i = 0; i < 60; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.5
            done
        fi
    fi
    rm -f "$pidfile"
}

# --------------------------------------------------------- base images ---

have_image() { docker_ image inspect "$1" >/dev/null 2>&1; }

busybox_image() {
    if have_image rdock-test/busybox:latest && have_image busybox:latest; then
        log "image rdock-test/busybox:latest present"
        return 0
    fi
    local dir
    dir=$(mktemp -d)
    mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/root"
    chmod 1777 "$dir/tmp"
    cp /bin/busybox "$dir/bin/busybox"
    local applet
    for applet in $(/bin/busybox --list); do
        [[ $applet == busybox ]] || ln -sf busybox "$dir/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
    tar -C "$dir" --numeric-owner -c . |
        docker_ import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - rdock-test/busybox:latest >/dev/null
    rm -rf "$dir"
    docker_ tag rdock-test/busybox:latest busybox:latest
    log "image rdock-test/busybox:latest (also busybox:latest) built"
}

debian_image() {
    if have_image debian:12.4; then
        log "image debian:12.4 present"
        return 0
    fi
    apt_install debootstrap
    local dir
    dir=$(mktemp -d)
    log "debootstrap --variant=minbase bookworm (a minute or two)"
    debootstrap --variant=minbase bookworm "$dir" "$(mirror)" >"$prefix/debootstrap.log" 2>&1 ||
        die "debootstrap failed (log: $prefix/debootstrap.log)"
    tar -C "$dir" --numeric-owner -c . |
        docker_ import -c 'CMD ["bash"]' - debian:12.4 >/dev/null
    rm -rf "$dir"
    log "image debian:12.4 built"
}

# A Debian with the tools whose command models the engine tests trace and
# the minimal base lacks (tests/engine/embedded.rs).
debian_tools_image() {
    if have_image rdock-test/debian-tools:12; then
        log "image rdock-test/debian-tools:12 present"
        return 0
    fi
    apt_install debootstrap
    local dir
    dir=$(mktemp -d)
    log "debootstrap --variant=minbase --include=curl,git,unzip,ca-certificates bookworm (a few minutes)"
    debootstrap --variant=minbase --include=curl,git,unzip,ca-certificates bookworm "$dir" "$(mirror)" \
        >"$prefix/debootstrap-tools.log" 2>&1 ||
        die "debootstrap failed (log: $prefix/debootstrap-tools.log)"
    tar -C "$dir" --numeric-owner -c . |
        docker_ import -c 'CMD ["bash"]' - rdock-test/debian-tools:12 >/dev/null
    rm -rf "$dir"
    log "image rdock-test/debian-tools:12 built"
}

# ----------------------------------------------------------- buildkitd ---
#
# Debian packages no BuildKit binaries, but golang-github-docker-docker-dev
# carries BuildKit's whole source (cmd/buildctl and cmd/buildkitd included).
# Built in GOPATH mode with Debian's Go and Debian's golang-*-dev packages,
# as Debian builds Go programs. Four things Debian does not package are left
# out (scripts/buildkit-shims): the azblob and gha remote caches, the
# fuse-overlayfs and stargz snapshotters; moby/profiles' default seccomp
# profile is containerd's.

bk="$prefix/buildkit"
bksock="$run/buildkitd.sock"
bkpid="$run/buildkitd.pid"
shims="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/buildkit-shims"
gover=1.27
# Packages beyond golang-github-docker-docker-dev's own dependencies that
# buildctl and buildkitd import.
bk_extra="golang-github-agext-levenshtein-dev golang-github-containerd-accelerated-container-image-dev
golang-github-coreos-go-systemd-dev golang-github-gofrs-flock-dev golang-github-google-shlex-dev
golang-github-hashicorp-go-immutable-radix-v2-dev golang-github-package-url-packageurl-go-dev
golang-github-pkg-profile-dev golang-github-spdx-tools-golang-dev golang-github-tonistiigi-go-archvariant-dev"

# What the build depends on in the repository: a change rebuilds.
bk_stamp() { find "$shims" -type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16; }

bk_env() {
    export GOROOT="$bk/root/usr/lib/go-$gover" GO111MODULE=off CGO_ENABLED=0 GOTOOLCHAIN=local \
        GOPATH="$bk/overlay:$bk/root/usr/share/gocode" GOCACHE="$bk/gocache" GOFLAGS=
    export PATH="$GOROOT/bin:$PATH"
}

install_buildkit() {
    local stamp
    stamp=$(bk_stamp)
    if [[ -x $bk/bin/buildkitd && -x $bk/bin/buildctl && $(cat "$bk/stamp" 2>/dev/null) == "$stamp" ]]; then
        log "buildkitd present: $("$bk/bin/buildkitd" --version)"
        return 0
    fi
    local suite=${RDOCK_ENGINE_SUITE:-sid} a="$prefix/apt" t0=$SECONDS
    mkdir -p "$a/lists/partial" "$a/sources" "$a/cache/archives/partial" "$bk"
    cat >"$a/sources/rdock.sources" <<EOF
Types: deb
URIs: $(mirror)
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    log "apt-get update (private lists, suite $suite) for BuildKit's source and Go $gover"
    papt update >/dev/null 2>"$a/update.log" || die "apt-get update of suite $suite failed: $(tail -n 3 "$a/update.log")"
    local pkgs
    # shellcheck disable=SC2086
    pkgs=$(papt_cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances golang-github-docker-docker-dev "golang-$gover-go" $bk_extra |
        grep -E '^golang-' | grep -vxE 'golang-go|golang-src|golang-golang-x-tools' | sort -u) ||
        die "could not resolve the Go packages BuildKit needs in suite $suite"
    rm -rf "$bk/debs" "$bk/root" "$bk/overlay"
    mkdir -p "$bk/debs" "$bk/root"
    log "downloading $(wc -l <<<"$pkgs") Go source packages and Go $gover from $suite"
    local want=()
    mapfile -t want <<<"$pkgs"
    want=("${want[@]/%//$suite}")
    (cd "$bk/debs" && papt download "${want[@]}" >/dev/null 2>"$a/download.log") ||
        die "download failed: $(tail -n 3 "$a/download.log")"
    log "unpacking ($((SECONDS - t0)) s so far)"
    # Only Go's tree and the Go sources matter.
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
    find "$bk/debs" -name '*.deb' -print0 |
        xargs -0 -P "$(nproc)" -I{} sh -c 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "./usr/lib/go-*" "./usr/share/go-*" "./usr/share/gocode/*" 2>/dev/null; true' _ {} "$bk/root"
    rm -rf "$bk/debs"
    [[ -x $bk/root/usr/lib/go-$gover/bin/go ]] || die "Go $gover did not unpack into $bk/root"
    local src="$bk/root/usr/share/gocode/src" ov="$bk/overlay/src"
    [[ -d $src/github.com/moby/buildkit/cmd/buildkitd ]] ||
        die "golang-github-docker-docker-dev in $suite carries no BuildKit source (cmd/buildkitd)"
    # The overlay comes first on GOPATH: a patched copy of BuildKit, the
    # stand-ins, and major-version paths Debian installs without their /vN.
    mkdir -p "$ov/github.com/moby" "$ov/github.com/mitchellh/hashstructure" "$ov/github.com/coreos/go-systemd"
    cp -r "$src/github.com/moby/buildkit" "$ov/github.com/moby/"
    rm -f "$ov"/github.com/moby/buildkit/cache/remotecache/{azblob,gha}/*.go
    (cd "$shims" && find github.com -name '*.go' -exec sh -c 'mkdir -p "$2/$(dirname "$1")" && cp "$1" "$2/$1"' _ {} "$ov" \;)
    python3 "$shims/drop-stargz.py" "$ov/github.com/moby/buildkit/cmd/buildkitd/main_oci_worker.go"
    ln -sfn "$src/github.com/mitchellh/hashstructure" "$ov/github.com/mitchellh/hashstructure/v2"
    ln -sfn "$src/github.com/coreos/go-systemd" "$ov/github.com/coreos/go-systemd/v22"
    local version
    version="debian-$(papt_cache show golang-github-docker-docker-dev 2>/dev/null | awk '/^Version:/{print $2; exit}')"
    log "building buildctl and buildkitd (BuildKit from docker.io $version; a few minutes the first time)"
    mkdir -p "$bk/bin"
    (
        bk_env
        cd "$bk"
        go build -trimpath -ldflags "-s -w -X github.com/moby/buildkit/version.Version=$version" \
            -o bin/ github.com/moby/buildkit/cmd/buildctl github.com/moby/buildkit/cmd/buildkitd
    ) >"$bk/build.log" 2>&1 || {
        tail -n 20 "$bk/build.log" >&2
        die "building BuildKit failed (log above, full log in $bk/build.log)"
    }
    echo "$stamp" >"$bk/stamp"
    log "buildctl and buildkitd built in $((SECONDS - t0)) s: $("$bk/bin/buildkitd" --version)"
}

bk_running() { [[ -S $bksock ]] && "$bk/bin/buildctl" --addr "unix://$bksock" debug workers >/dev/null 2>&1; }

start_buildkitd() {
    if bk_running; then
        log "buildkitd already running on unix://$bksock"
        return 0
    fi
    if [[ -f $bkpid ]] && kill -0 "$(cat "$bkpid")" 2>/dev/null; then
        log "buildkitd (pid $(cat "$bkpid")) is starting; waiting"
    else
        rm -f "$bkpid" "$bksock"
        mkdir -p "$run" "$bk/data"
        log "starting buildkitd (log: $bk/buildkitd.log)"
        # runc comes from Debian 12 (installed with the engine above).
        setsid "$bk/bin/buildkitd" --root "$bk/data" --addr "unix://$bksock" \
            --oci-worker=true --containerd-worker=false \
            >"$bk/buildkitd.log" 2>&1 </dev/null 9>&- &
        echo $! >"$bkpid"
    fi
    local i
    for ((i = 0; i < 120; i++)); do
        bk_running && {
            log "buildkitd ready on unix://$bksock"
            return 0
        }
        sleep 0.5
    done
    tail -n 20 "$bk/buildkitd.log" >&2 || true
    die "buildkitd did not answer within 60 s (log above, full log in $bk/buildkitd.log)"
}

stop_buildkitd() {
    [[ -f $bkpid ]] || return 0
    local pid
    pid=$(cat "$bkpid")
    if kill -0 "$pid" 2>/dev/null; then
        log "stopping buildkitd (pid $pid)"
        kill "$pid"
        local i
        for ((i = 0; i < 60; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
    fi
    rm -f "$bkpid"
}

# The engine's base images as OCI layouts, for buildkitd (`docker save`
# writes one): `rdock verify --build-context NAME=oci-layout://DIR`.
save_layout() {
    local image=$1 dir="$prefix/layouts/$2" id
    id=$(docker_ image inspect --format '{{.Id}}' "$image")
    if [[ -f $dir/index.json && $(cat "$dir/.image-id" 2>/dev/null) == "$id" ]]; then
        log "OCI layout $dir present"
        return 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    docker_ save "$image" | tar -x -C "$dir"
    echo "$id" >"$dir/.image-id"
    log "OCI layout of $image in $dir"
}

write_env() {
    local path
    path=$(engine_path)
    ((buildkitd == 0)) || path="$bk/bin:$path"
    cat >"$envfile.tmp" <<EOF
export PATH="$path"
export DOCKER_HOST="unix://$sock"
EOF
    if ((buildkitd)); then
        cat >>"$envfile.tmp" <<EOF
export BUILDKIT_HOST="unix://$bksock"
export RDOCK_ENGINE_LAYOUTS="$prefix/layouts"
EOF
    fi
    mv "$envfile.tmp" "$envfile"
}

# ---------------------------------------------------------------- main ---

main() {
    local cmd=start debian=0
    buildkitd=0
    while (($#)); do
        case $1 in
            start | stop | env) cmd=$1 ;;
            --debian) debian=1 ;;
            --buildkitd) buildkitd=1 ;;
            -h | --help)
                usage
                exit 0
                ;;
            *)
                usage >&2
                die "unknown argument: $1"
                ;;
        esac
        shift
    done
    case $cmd in
        stop)
            stop_buildkitd
            stop_daemon
            return 0
            ;;
        env)
            [[ -f $envfile ]] || die "no engine installed yet: run scripts/engine.sh"
            cat "$envfile"
            return 0
            ;;
    esac
    mkdir -p "$prefix"
    # One run at a time (several worktrees may call this at once).
    exec 9>"$prefix/.lock"
    flock 9
    local t0=$SECONDS
    install_engine
    start_daemon
    busybox_image
    ((debian == 0)) || debian_image
    ((debian == 0 || buildkitd == 0)) || debian_tools_image
    if ((buildkitd)); then
        local t1=$SECONDS
        install_buildkit
        start_buildkitd
        save_layout busybox:latest busybox
        ((debian == 0)) || save_layout debian:12.4 debian-12.4
        ((debian == 0)) || save_layout rdock-test/debian-tools:12 debian-tools
        log "buildkitd part: $((SECONDS - t1)) s"
    fi
    write_env
    log "ready in $((SECONDS - t0)) s; environment in $envfile:"
    cat "$envfile"
}

main "$@"
