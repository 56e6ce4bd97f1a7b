#!/usr/bin/env bash
# image.sh: build the rdock container image (the repository's Dockerfile) on
# the private engine of scripts/engine.sh, which cannot pull from a registry.
#
#   scripts/image.sh [--tag NAME] [--profile dev|release]
#
# The Dockerfile is the one users build with `docker build -t rdock .`; only
# its build arguments change here. Its two base images are replaced by local
# stand-ins built from scripts/image/stand-ins.Dockerfile:
# - RUST_IMAGE=rdock-ci/rust:<version>: the engine's debootstrapped
#   `debian:12.4` with gcc (apt), the host's Rust toolchain (`rustc --print
#   sysroot`: cargo, rustc and the standard library only) and an offline crate
#   mirror: `cargo vendor` of Cargo.lock, which cargo's configuration in the
#   image puts in place of crates.io. The build itself runs with no network.
# - RUNTIME_IMAGE=rdock-ci/cc-debian12:nonroot: glibc and libgcc from that
#   Debian, no shell, user nonroot (65532), like distroless/cc-debian12:nonroot.
# PROFILE defaults to `dev` here (the stand-in's dev profile has no debug info
# and unoptimised dependencies: the quickest build that proves the Dockerfile
# builds and runs); `--profile release` builds what users get.
#
# Environment: DOCKER_HOST, else the file scripts/engine.sh writes
# ($RDOCK_ENGINE_PREFIX/env, default /opt/rdock-engine/env).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=rdock
profile=dev
while (($#)); do
    case $1 in
        --tag) tag=${2:?--tag needs a name}; shift ;;
        --profile) profile=${2:?--profile needs dev or release}; shift ;;
        -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) printf '[image] error: unknown argument: %s (see --help)\n' "$1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '[image] %s\n' "$*" >&2; }
die() { printf '[image] error: %s\n' "$*" >&2; exit 2; }

if [[ -z ${DOCKER_HOST:-} ]]; then
    envfile=${RDOCK_ENGINE_PREFIX:-/opt/rdock-engine}/env
    [[ -f $envfile ]] || die "no DOCKER_HOST and no $envfile: start the engine with scripts/engine.sh --debian"
    # shellcheck disable=SC1090
    . "$envfile"
fi
docker image inspect debian:12.4 >/dev/null 2>&1 ||
    die "the engine has no image debian:12.4: run scripts/engine.sh --debian"

t0=$SECONDS
step() { log "$* ($((SECONDS - t0)) s)"; }
# build NAME ARGS...: docker build, its log in target/image/NAME.log, shown on failure.
build() {
    local name=$1
    shift
    docker build --progress=plain "$@" >"target/image/$name.log" 2>&1 || {
        tail -n 30 "target/image/$name.log" >&2
        die "docker build of $name failed (log above, full log in target/image/$name.log)"
    }
}

mkdir -p target/image
sysroot=$(rustc --print sysroot)
[[ -x $sysroot/bin/cargo && -x $sysroot/bin/rustc ]] ||
    die "$sysroot has no bin/cargo and bin/rustc (a rustup toolchain is expected)"
version=$("$sysroot/bin/rustc" --version | awk '{split($2, v, "."); print v[1] "." v[2]}')
rust_image=rdock-ci/rust:$version
runtime_image=rdock-ci/cc-debian12:nonroot

# The crates of Cargo.lock, from cargo's cache when it has them all.
vendor=target/image/vendor
step "cargo vendor into $vendor"
cargo vendor --locked --versioned-dirs --offline "$vendor" >/dev/null 2>target/image/vendor.log ||
    cargo vendor --locked --versioned-dirs "$vendor" >/dev/null 2>target/image/vendor.log ||
    die "cargo vendor failed: $(tail -n 3 target/image/vendor.log)"

# The stand-ins; the engine's build cache makes a rebuild with the same
# toolchain and crates take seconds. apt needs the host's network.
step "stand-in $rust_image (toolchain $sysroot)"
build rust --network=host --target rust -t "$rust_image" \
    --build-context toolchain="$sysroot" --build-context vendor="$vendor" \
    -f scripts/image/stand-ins.Dockerfile scripts/image
step "stand-in $runtime_image"
build cc --network=none --target cc -t "$runtime_image" \
    -f scripts/image/stand-ins.Dockerfile scripts/image

step "docker build -t $tag . (PROFILE=$profile, no network)"
build rdock --network=none -t "$tag" \
    --build-arg RUST_IMAGE="$rust_image" \
    --build-arg RUNTIME_IMAGE="$runtime_image" \
    --build-arg PROFILE="$profile" .
step "built $tag: $(docker image inspect --format '{{.Size}}' "$tag") bytes, user $(docker image inspect --format '{{.Config.User}}' "$tag")"
