#!/usr/bin/env bash
# Usage: scripts/bench-scaling.sh [--threads 1,2,4,8] [--servers lwsj,netty] [--scenarios echo64,echo16k]
#                                [--server-cpus LIST --gen-cpus LIST] [--quick] [--reps N] [--duration S]
#
# The scaling curve of lwsj's service threads, beside Netty's event loops: for each N of
# --threads, scripts/bench.sh with --service-threads N, the server pinned to N cores
# (0..N-1) and N generator processes on the next N cores (fewer if the machine has
# fewer; at least one), and a table of throughput and server CPU time per round trip
# per N in bench/results/scaling-<date>.md. An N that does not fit the machine's cores
# (N server cores and one generator core) is skipped with a line saying so.
#
#   --server-cpus LIST --gen-cpus LIST  the same cores for every N instead (taskset
#                  lists, e.g. 0 and 1): more threads on the same cores, which shows
#                  what a thread costs where a machine has no cores to spare
#   --reuse N:REPORT,...  make the table from bench.sh reports already made (their .tsv
#                  beside them), without running anything
#
# On a machine with 2k+1 cores, `scripts/bench-scaling.sh --threads 1,2,...,k` is the
# whole curve in one command.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { printf 'bench-scaling.sh: %s\n' "$*" >&2; exit 1; }
log() { printf '[bench-scaling %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

threads=1,2,4,8
servers=lwsj,netty
scenarios=echo64,echo16k
server_cpus=""
gen_cpus=""
reuse=""
pass=()
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) threads=${2:?}; shift ;;
        --servers) servers=${2:?}; shift ;;
        --scenarios) scenarios=${2:?}; shift ;;
        --server-cpus) server_cpus=${2:?}; shift ;;
        --gen-cpus) gen_cpus=${2:?}; shift ;;
        --reuse) reuse=${2:?}; shift ;;
        --quick) pass+=(--quick) ;;
        --reps|--duration) pass+=("$1" "${2:?}"); shift ;;
        -h|--help) sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done
{ [ -n "$server_cpus" ] && [ -n "$gen_cpus" ]; } || { [ -z "$server_cpus" ] && [ -z "$gen_cpus" ]; } ||
    die "--server-cpus and --gen-cpus go together"
ncpu=$(nproc)
stamp=$(date +%Y%m%d-%H%M%S)
out=$root/bench/results/scaling-$stamp.md
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT

# add_rows N SERVER_CPUS GENERATORS REPORT: the medians of one bench.sh report
add_rows() {
    local n=$1 srv=$2 gens=$3 report=$4
    awk -F'\t' -v n="$n" -v srv="$srv" -v gens="$gens" '
        $4 !~ /status=(failed|na|unavailable)/ && $3 != "0" {
            k = $1 SUBSEP $2
            m = split($4, kv, " ")
            for (i = 1; i <= m; i++) {
                # the rate: round trips, or deliveries in the broadcast scenario
                if (kv[i] ~ /^(rt|deliveries)_per_s=/) rt[k] = rt[k] " " substr(kv[i], index(kv[i], "=") + 1)
                if (kv[i] ~ /^server_cpu_pct=/) cpu[k] = cpu[k] " " substr(kv[i], 16)
            }
            seen[k] = 1
        }
        function median(list,    a, c, i, j, x) {
            c = split(list, a, " ")
            for (i = 2; i <= c; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return c ? (c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2) : ""
        }
        END {
            for (k in seen) {
                split(k, p, SUBSEP)
                r = median(rt[k]); c = median(cpu[k])
                printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n, srv, gens, p[1], p[2], r, (r > 0 ? c / 100 * 1e6 / r : "")
            }
        }' "${report%.md}.tsv" >>"$rows"
    echo "$n $report" >>"$rows.reports"
}

if [ -n "$reuse" ]; then
    for item in ${reuse//,/ }; do
        n=${item%%:*} r=${item#*:}
        [ -f "${r%.md}.tsv" ] || r=$root/bench/results/$(basename "$r")
        [ -f "${r%.md}.tsv" ] || die "no ${r%.md}.tsv"
        add_rows "$n" "${server_cpus:-?}" 1 "$r"
    done
    threads=""
fi

first=1
for n in ${threads//,/ }; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--threads takes positive integers, got $n"
    if [ -n "$server_cpus" ]; then
        srv=$server_cpus gen=$gen_cpus gens=1
    else
        if [ $((n + 1)) -gt "$ncpu" ]; then
            log "N=$n needs $n server cores and a generator core; this machine has $ncpu: skipped"
            continue
        fi
        gens=$(( ncpu - n < n ? ncpu - n : n ))
        srv="0-$((n - 1))" gen="$n-$((n + gens - 1))"
    fi
    log "N=$n: server CPUs $srv, $gens generator(s) on CPUs $gen"
    build=()
    [ "$first" = 1 ] || build=(--no-build)
    first=0
    report=$(BENCH_SERVER_CPU=$srv BENCH_GEN_CPU=$gen "$root/scripts/bench.sh" --only "$servers,$scenarios" \
        --service-threads "$n" --generators "$gens" --no-readme "${build[@]}" "${pass[@]}" 2>&1 >/dev/null \
        | tee /dev/stderr | sed -n 's/.*\] report: //p' | tail -n 1) || die "bench.sh failed for N=$n"
    [ -n "$report" ] || die "bench.sh gave no report for N=$n"
    add_rows "$n" "$srv" "$gens" "$root/$report"
done
[ -s "$rows" ] || die "no N fitted this machine's $ncpu cores"

{
    echo "# lwsj service threads: scaling, $(date '+%Y-%m-%d %H:%M')"
    echo
    echo "Produced by \`scripts/bench-scaling.sh ${reuse:+--reuse $reuse }${threads:+--threads $threads}${server_cpus:+ --server-cpus $server_cpus --gen-cpus $gen_cpus}${pass[*]:+ ${pass[*]}}\`"
    echo "on $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $ncpu cores. Each row is one"
    echo "scripts/bench.sh run; medians of its runs. CPU per round trip: the server's CPU time"
    echo "(all its threads) over the round trips it served."
    echo
    echo "| Threads | Server cores | Generators | Server | Scenario | Round trips/s (broadcast: deliveries/s) | Server CPU per round trip (delivery) |"
    echo "|---:|---|---:|---|---|---:|---:|"
    sort -t$'\t' -k1,1n -k5,5 -k4,4 "$rows" | awk -F'\t' '{
        r = $6 >= 1e6 ? sprintf("%.2f M", $6 / 1e6) : sprintf("%.0f k", $6 / 1e3)
        if ($7 != "" && $7 < 1) c = sprintf("%.3f µs", $7); else c = ($7 == "" ? "" : sprintf("%.2f µs", $7))
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, r, c
    }'
    echo
    echo "Runs:"
    while read -r n r; do echo "- N=$n: [$(basename "$r")]($(basename "$r"))"; done <"$rows.reports"
} >"$out"
rm -f "$rows.reports"
log "scaling table: ${out#"$root"/}"
cat "$out"
