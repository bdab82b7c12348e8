#!/usr/bin/env bash
# Usage: scripts/release-local.sh [DIR]
#
# Deploys what lwsj publishes (mvn -P release deploy: lwsj-parent, lwsj, lwsj-natives,
# lwsj-redis, each with its sources and javadoc jars, checksums and metadata) to DIR (default
# target/local-repo), a Maven repository in a folder, exactly as a repository would
# serve it. Then checks it as a new user would meet it:
#   - every published artifact is there, with its .sha1 and .md5, and nothing else is;
#   - a fresh project made of README's dependency lines (its first ```xml block) and
#     README's first example (its first ```java block), whose only source of io.lwsj
#     artifacts is DIR, builds, runs and prints what README says it prints.
# Builds with -DskipTests (run the tests with scripts/test.sh). CI runs it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { printf 'release-local: %s\n' "$*" >&2; }
die() { printf 'release-local: error: %s\n' "$*" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || die "python3 is needed (to read README)"

repo=$(realpath -m "${1:-$root/target/local-repo}")
version=$(sed -n '0,/<artifactId>lwsj-parent<\/artifactId>/d; s:.*<version>\(.*\)</version>.*:\1:p' "$root/pom.xml" | head -n 1)
[ -n "$version" ] || die "no version in pom.xml"

rm -rf "$repo"
log "deploying lwsj $version to $repo (mvn -P release deploy)"
(cd "$root" && mvn -B -q -P release -DskipTests deploy -DaltDeploymentRepository="local::file://$repo") \
    || die "mvn deploy failed"

# ---- what a repository must serve ------------------------------------------------------------
failed=0
expect() { # artifactId suffix...: each file (timestamped for a snapshot) with its checksums
    local artifact=$1 dir f
    shift
    dir="$repo/io/lwsj/$artifact/$version"
    for suffix in "$@"; do
        f=$(find "$dir" -maxdepth 1 -name "$artifact-*$suffix" ! -name "*$suffix.*" 2>/dev/null \
            | grep -E "/$artifact-${version%-SNAPSHOT}(-SNAPSHOT|-[0-9]{8}\.[0-9]{6}-[0-9]+)?$suffix$" | sort | tail -n 1)
        if [ -z "$f" ]; then
            printf '  missing: io.lwsj:%s %s\n' "$artifact" "$suffix"
            failed=1
            continue
        fi
        for sum in sha1 md5; do
            [ -s "$f.$sum" ] || { printf '  missing: %s.%s\n' "${f#"$repo"/}" "$sum"; failed=1; }
        done
        printf '  %s\n' "${f#"$repo"/}"
    done
}
log "checking the repository's content"
expect lwsj-parent .pom
expect lwsj .pom .jar -sources.jar -javadoc.jar
expect lwsj-redis .pom .jar -sources.jar -javadoc.jar
expect lwsj-natives .pom .jar -linux-x86_64.jar -sources.jar -javadoc.jar
if [ -x /usr/bin/aarch64-linux-gnu-gcc ]; then
    expect lwsj-natives -linux-aarch64.jar
fi
others=$(find "$repo/io/lwsj" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | grep -Ev '^(lwsj-parent|lwsj|lwsj-natives|lwsj-redis)$' || true)
if [ -n "$others" ]; then
    printf '  published, but not meant to be: %s\n' "$(tr '\n' ' ' <<<"$others")"
    failed=1
fi
[ "$failed" = 0 ] || die "the repository is not what it should be"

# ---- README's dependency lines and first example, against that repository only --------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$root/README.md" "$work" <<'EOF'
import re, sys, pathlib
readme = pathlib.Path(sys.argv[1]).read_text()
out = pathlib.Path(sys.argv[2])
blocks = re.findall(r"^```(\w+)\n(.*?)^```", readme, re.S | re.M)
first = lambda kind: next(body for k, body in blocks if k == kind)
java = first("java")
after = readme[readme.index(java) + len(java):]
(out / "dependencies.xml").write_text(first("xml"))
(out / "expected.txt").write_text(re.search(r"^```text\n(.*?)^```", after, re.S | re.M).group(1))
name = re.search(r"public class (\w+)", java).group(1)
src = out / "project/src/main/java"
src.mkdir(parents=True)
(src / f"{name}.java").write_text(java)
(out / "main-class").write_text(name)
EOF
grep -q "<version>$version</version>" "$work/dependencies.xml" \
    || die "README's dependency lines do not name version $version"
cat >"$work/project/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.lwsj.check</groupId>
  <artifactId>readme-user</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <repositories>
    <repository><id>lwsj-local</id><url>file://$repo</url></repository>
  </repositories>
  <dependencies>
$(cat "$work/dependencies.xml")
  </dependencies>
  <build>
    <plugins>
      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
    </plugins>
  </build>
</project>
EOF
# a local repository without io.lwsj (hard links to the user's, so nothing is downloaded
# twice; an empty one where that is not possible)
local_repo="${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}"
mkdir -p "$work/m2"
if [ -d "$local_repo" ]; then
    cp -al "$local_repo/." "$work/m2/" 2>/dev/null || { rm -rf "$work/m2"; mkdir -p "$work/m2"; }
fi
rm -rf "$work/m2/io/lwsj"
log "building README's first example with README's dependency lines, io.lwsj only from $repo"
(cd "$work/project" && mvn -B -q -Dmaven.repo.local="$work/m2" compile \
    dependency:build-classpath -Dmdep.outputFile="$work/classpath" -Dmdep.includeScope=runtime) \
    || die "the README project did not build against $repo"
grep -q "$work/m2/io/lwsj/lwsj-natives/" "$work/classpath" || die "lwsj-natives was not resolved"
actual=$(java -cp "$work/project/target/classes:$(cat "$work/classpath")" -Dlwsj.native.dir="$work/natives" \
    "$(cat "$work/main-class")" 2>"$work/stderr") || die "README's example failed: $actual $(cat "$work/stderr")"
if [ "$actual" != "$(sed '$ { /^$/ d }' "$work/expected.txt")" ]; then
    die "README's example printed '$actual', README says '$(cat "$work/expected.txt")'"
fi
log "README's example, built from $repo alone, printed what README says: $actual"
echo "release-local: passed ($repo)"
