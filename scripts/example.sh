#!/usr/bin/env bash
# Usage: scripts/example.sh NAME [args...]
#
# Runs one of the examples in java/examples with java, from any directory:
#   echo   io.lwsj.examples.echo.EchoServer   [--port P (9000)] [--bind ADDR (127.0.0.1)] [--deflate] [--tls-cert F --tls-key F]
#          [--service-threads N (1)] [--redis redis://HOST:PORT [--redis-namespace NS]] (/broadcast across servers)
#   demo   io.lwsj.examples.demo.TestServer   [--port P (7681)] [--bind ADDR (127.0.0.1)] [--root DIR]
#   classic io.lwsj.examples.classic.ClassicTestServer  the demo written with the classic callback API:
#          [--port P (7681)] [--bind ADDR (127.0.0.1)] [--root DIR] [--ssl-cert F --ssl-key F] [--no-utf8-check]
#   client io.lwsj.examples.client.Client     URL [--protocol NAME] [--origin O] [--insecure]
#   smoke  io.lwsj.examples.smoke.PlatformSmoke CA_PEM CERT_PEM KEY_PEM  (ws, wss, deflate echo)
#   --classpath  prints the examples' runtime class path instead of running one
#
# The first run builds what the examples need (libwebsockets, the glue, the library and
# the examples: mvn -DskipTests install; on Debian/Ubuntu it first installs the packages
# of scripts/packages.list that the build needs and misses) and writes their runtime class path to
# java/examples/target/runtime-classpath.txt. Later runs build again only when a source
# file is newer than the last build. JAVA_OPTS is passed to java.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
examples=$root/java/examples
target=$examples/target
stamp=$target/.lwsj-built
classpath_file=$target/runtime-classpath.txt

known="echo, demo, classic, client, smoke"

usage() {
    sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
}

name=${1:-}
case "$name" in
    echo) main=io.lwsj.examples.echo.EchoServer ;;
    demo) main=io.lwsj.examples.demo.TestServer ;;
    classic) main=io.lwsj.examples.classic.ClassicTestServer ;;
    client) main=io.lwsj.examples.client.Client ;;
    smoke) main=io.lwsj.examples.smoke.PlatformSmoke ;;
    --classpath) main="" ;;
    ""|-h|--help)
        usage
        [ -n "$name" ] && exit 0 || exit 2 ;;
    *)
        printf 'example.sh: unknown example "%s"; known examples: %s\n' "$name" "$known" >&2
        exit 2 ;;
esac
shift

# Maven, quiet, on stderr; this Maven prints colour resets even when quiet: drop them.
mvn_quiet() {
    (cd "$root" && mvn -B -q "$@") 2>&1 | sed $'s/\033\\[[0-9;]*m//g' >&2
}

# True when there is no build yet or a file that goes into one is newer than it.
needs_build() {
    [ -f "$stamp" ] && [ -d "$target/classes" ] || return 0
    local newer
    newer=$(find "$root/pom.xml" "$root/cmake" "$root/native" "$root/java/natives" \
                 "$root/java/lwsj" "$root/java/redis" "$examples" \
                 \( -name target -o -name 'build*' -o -name '.*' -o -path '*/src/test' \
                    -o -path "$root/native/test" \) -prune -o \
                 -type f -newer "$stamp" -print -quit 2>/dev/null)
    [ -n "$newer" ]
}

if needs_build; then
    # shellcheck source=lib-packages.sh
    . "$root/scripts/lib-packages.sh"
    ensure_packages build
    echo "example.sh: building lwsj and the examples (mvn -DskipTests install)..." >&2
    mkdir -p "$target"
    touch "$stamp.new" # marks the start: an edit made during the build triggers the next one
    # maven.test.skip: tests are neither run nor compiled (ctest included)
    mvn_quiet -DskipTests -Dmaven.test.skip=true install -pl java/examples -am
    mv "$stamp.new" "$stamp"
fi

if [ ! -s "$classpath_file" ] || [ "$stamp" -nt "$classpath_file" ]; then
    mvn_quiet -f java/examples/pom.xml dependency:build-classpath \
        -DincludeScope=runtime -Dmdep.outputFile="$classpath_file"
    touch "$classpath_file" # the plugin leaves an unchanged file alone
fi

if [ -z "$main" ]; then
    printf '%s\n' "$target/classes:$(cat "$classpath_file")"
    exit 0
fi
exec java ${JAVA_OPTS:-} -cp "$target/classes:$(cat "$classpath_file")" "$main" "$@"
