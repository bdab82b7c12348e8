# shellcheck shell=bash
# Sourced by scripts/test.sh, scripts/example.sh (and so scripts/demo.sh) and .ci/run:
# the packages of scripts/packages.list a use needs, and installing the missing ones.

_lwsj_packages_list="$(dirname "${BASH_SOURCE[0]}")/packages.list"

# packages_for USE: the packages that use needs (build < test < ci), one per line
packages_for() {
    local want=$1
    awk -v want="$want" '
        /^#/ || NF < 3 { next }
        { rank = ($2 == "build") ? 1 : ($2 == "test") ? 2 : 3 }
        (want == "build" && rank <= 1) || (want == "test" && rank <= 2) || want == "ci" { print $1 }
    ' "$_lwsj_packages_list"
}

# package_present PACKAGE: true when its probe finds it
package_present() {
    local probe what c
    probe=$(awk -v p="$1" '$1 == p { print $3 }' "$_lwsj_packages_list")
    what=${probe#*:}
    case "$probe" in
        cmd:*)
            IFS=, read -r -a cmds <<<"$what"
            for c in "${cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || return 1; done ;;
        java:*)
            command -v javac >/dev/null 2>&1 || return 1
            local v
            v=$(javac -version 2>&1 | sed -n 's/^javac \([0-9]*\).*/\1/p')
            [ -n "$v" ] && [ "$v" -ge "$what" ] ;;
        py:*) # the suites try python3 on PATH, then Debian's
            python3 -c "import $what" >/dev/null 2>&1 || /usr/bin/python3 -c "import $what" >/dev/null 2>&1 ;;
        lib:*) ldconfig -p 2>/dev/null | grep -q "$what" ;;
        *) dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ;;
    esac
}

# ensure_packages USE: installs what that use needs and is missing, with apt-get, as root
# or through sudo without a password; otherwise stops with the exact command to run.
ensure_packages() {
    local use=$1 p missing=()
    while IFS= read -r p; do
        package_present "$p" || missing+=("$p")
    done < <(packages_for "$use")
    [ ${#missing[@]} -gt 0 ] || return 0
    local cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
    if ! command -v apt-get >/dev/null 2>&1; then
        printf 'lwsj: missing: %s (Debian/Ubuntu package names; install their equivalents)\n' "${missing[*]}" >&2
        return 1
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo)
        else
            printf 'lwsj: missing packages; run this once, as root, then try again:\n  sudo apt-get update && sudo %s\n' \
                "${cmd[*]}" >&2
            return 1
        fi
    fi
    printf 'lwsj: installing %s\n' "${missing[*]}" >&2
    "${sudo[@]}" apt-get update -q >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "${cmd[@]}" -q >&2
}
