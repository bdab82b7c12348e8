#!/usr/bin/env bash
# Usage: scripts/test-service-threads.sh [N (2)] [extra Maven arguments]
#
# Runs the suites that hold a server to its guarantees (hostile input, the request and
# frame fuzzers, broadcast and send accounting, the 8-thread send stress test, echo,
# flow control, clients, compression, TLS, back-pressure, stale handles, lifecycle
# misuse) against servers with N service threads (-Dlwsj.test.serviceThreads=N), beside
# ServiceThreadsTest, which the normal suite runs. Installs the natives and the library
# first (mvn -DskipTests install: quick when scripts/test.sh has built them). CI runs it
# with N = 2.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-2}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "test-service-threads.sh: N must be a positive number, got $n" >&2; exit 2; }
shift || true
suites='Hostile*Test,FrameFuzzTest,RequestFuzzTest,BroadcastTest,ConcurrentSendStressTest,CrossThreadQueueTest'
suites+=',EchoTest,ClientTest,DeflateTest,TlsTest,BackpressureTest,StaleHandleTest,WritableTest'
suites+=',LifecycleMisuseTest,ThreadSendTest,SendCompletionTest,ConformanceRulesTest,RxFlowControlTest,BroadcastRelayTest'
mvn -B -q -DskipTests install -pl java/natives,java/lwsj
exec mvn -B -pl java/lwsj surefire:test -Dlwsj.test.serviceThreads="$n" -Dtest="$suites" -Dsurefire.failIfNoSpecifiedTests=false "$@"
