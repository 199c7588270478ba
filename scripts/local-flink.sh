#!/usr/bin/env bash
# local-flink.sh start|stop|status|fetch|logs
#
# A real Apache Flink session cluster (JobManager, TaskManager, SQL Gateway)
# and a single-node Kafka broker in KRaft mode, on 127.0.0.1, assembled from
# Maven Central jars (there is no flink-dist or Kafka tarball to be had here).
# The jars are cached outside the repository; everything a run writes (config,
# logs, pids, Kafka data, Flink temp dirs) lives in the run dir.
#
# Environment:
#   SHIFTLEFT_CACHE       cache root (default ~/.cache/shiftleft)
#   SL_LOCAL_FLINK_RUN    run dir (default $SHIFTLEFT_CACHE/local-flink/run)
#   SL_FLINK_VERSION      Flink version (default 2.2.0, the version proven here)
#   SL_FLINK_KAFKA_VERSION  flink-sql-connector-kafka version (default 5.0.0-2.2;
#                         2.0.x pairs with 4.0.1-2.0. For 1.20 the registry
#                         serves no SQL connector jar: 3.3.0-1.20 and
#                         3.4.0-1.20 are refused, checked 2026-11-25)
#   SL_KAFKA_VERSION      Kafka broker version (default 4.1.1)
#   SL_JM_PORT, SL_GATEWAY_PORT, SL_KAFKA_PORT, SL_KAFKA_CONTROLLER_PORT
#                         ports (default 8081, 8083, 9092, 9093)
#   SL_START_TIMEOUT      seconds to wait for each service (default 180)
#
# `start` is idempotent: services already running (by recorded pid) are left
# alone. When Kafka is not running, `start` wipes its data so every start is
# a clean broker (the gateway's in-memory catalog is lost on restart anyway).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SHIFTLEFT_CACHE:-$HOME/.cache/shiftleft}
flink_version=${SL_FLINK_VERSION:-2.2.0}
flink_kafka_version=${SL_FLINK_KAFKA_VERSION:-5.0.0-2.2}
kafka_version=${SL_KAFKA_VERSION:-4.1.1}
log4j_version=2.24.3
flink_home=$cache/local-flink/flink-$flink_version-kafka-$flink_kafka_version
kafka_home=$cache/local-flink/kafka-$kafka_version
run=${SL_LOCAL_FLINK_RUN:-$cache/local-flink/run}
jm_port=${SL_JM_PORT:-8081}
gw_port=${SL_GATEWAY_PORT:-8083}
kafka_port=${SL_KAFKA_PORT:-9092}
controller_port=${SL_KAFKA_CONTROLLER_PORT:-9093}
start_timeout=${SL_START_TIMEOUT:-180}
# A fixed cluster id: a random one would have to be parsed out of the
# storage tool's output, which may carry log lines.
kafka_cluster_id=c2hpZnRsZWZ0LWxvY2Fs0Q

# Main classes, also used to recognise our processes behind a recorded pid.
jm_class=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
tm_class=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
gw_class=org.apache.flink.table.gateway.SqlGateway
kafka_class=kafka.Kafka

# Java 17 needs Flink's add-opens list (flink-dist's env.java.opts.all);
# without it Kryo and the gateway's operation threads fail at run time.
java_opens=(
	--add-exports=java.base/sun.net.util=ALL-UNNAMED
	--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
	--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
	--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
	--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
	--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
	--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
	--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
	--add-opens=java.base/java.lang=ALL-UNNAMED
	--add-opens=java.base/java.net=ALL-UNNAMED
	--add-opens=java.base/java.io=ALL-UNNAMED
	--add-opens=java.base/java.nio=ALL-UNNAMED
	--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
	--add-opens=java.base/java.lang.reflect=ALL-UNNAMED
	--add-opens=java.base/java.text=ALL-UNNAMED
	--add-opens=java.base/java.time=ALL-UNNAMED
	--add-opens=java.base/java.util=ALL-UNNAMED
	--add-opens=java.base/java.util.concurrent=ALL-UNNAMED
	--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
	--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

say() { printf 'local-flink: %s\n' "$*"; }
die() {
	printf 'local-flink: error: %s\n' "$*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"
}

# fetch_lib POM DEST PROPS...: copy the POM's runtime dependencies into
# DEST/lib once; a stamp file marks a complete copy so an interrupted
# download is redone rather than half used.
fetch_lib() {
	local pom=$1 dest=$2
	shift 2
	[[ -f $dest/.complete ]] && return 0
	need mvn "install Maven 3.8+ (apt-get install maven)"
	need java "install Java 17 (apt-get install openjdk-17-jdk-headless)"
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp/lib"
	say "fetching $(basename "$dest") jars with Maven (one time)"
	local t0=$SECONDS
	if ! mvn -B -q -f "$pom" "$@" \
		org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$dest.tmp/lib" >"$dest.tmp/mvn.log" 2>&1; then
		tail -n 30 "$dest.tmp/mvn.log" >&2
		die "Maven could not fetch the jars of $pom (log: $dest.tmp/mvn.log)"
	fi
	touch "$dest.tmp/.complete"
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
	say "fetched $(basename "$dest") in $((SECONDS - t0)) s ($(du -sh "$dest/lib" | cut -f1))"
}

fetch() {
	fetch_lib "$here/flink/flink-lib/pom.xml" "$flink_home" \
		-Dflink.version="$flink_version" -Dflink.kafka.version="$flink_kafka_version" -Dlog4j.version="$log4j_version"
	fetch_lib "$here/flink/kafka-lib/pom.xml" "$kafka_home" \
		-Dkafka.version="$kafka_version" -Dlog4j.version="$log4j_version"
}

pidfile() { echo "$run/pids/$1.pid"; }

# running NAME CLASS: true when the recorded pid is alive and still runs
# CLASS (a recycled pid belongs to someone else).
running() {
	local f pid
	f=$(pidfile "$1")
	[[ -f $f ]] || return 1
	pid=$(<"$f")
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for WHAT PIDNAME CHECK...: run CHECK until it succeeds, the process
# dies, or the start timeout passes.
wait_for() {
	local what=$1 name=$2 deadline=$((SECONDS + start_timeout))
	shift 2
	until "$@" >/dev/null 2>&1; do
		if ! kill -0 "$(<"$(pidfile "$name")")" 2>/dev/null; then
			tail -n 40 "$run/logs/$name.log" >&2 || true
			die "$what exited during start-up (log: $run/logs/$name.log)"
		fi
		((SECONDS < deadline)) || die "$what did not answer within ${start_timeout}s (log: $run/logs/$name.log)"
		sleep 0.5
	done
}

# launch NAME CMD...: start CMD in the background with its own process
# group, output to the run dir's log, and record its pid.
launch() {
	local name=$1
	shift
	setsid "$@" >"$run/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$(pidfile "$name")"
}

write_configs() {
	mkdir -p "$run/conf" "$run/logs" "$run/pids" "$run/tmp" "$run/savepoints" "$run/checkpoints" "$run/kafka"
	cat >"$run/conf/config.yaml" <<EOF
# Written by scripts/local-flink.sh; flat keys work for Flink 1.20 and 2.x.
jobmanager.rpc.address: 127.0.0.1
jobmanager.bind-host: 127.0.0.1
jobmanager.memory.process.size: 1024m
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.numberOfTaskSlots: 16
taskmanager.memory.process.size: 1600m
taskmanager.memory.managed.fraction: 0.05
taskmanager.memory.network.fraction: 0.05
parallelism.default: 1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $jm_port
io.tmp.dirs: $run/tmp
execution.target: remote
execution.runtime-mode: streaming
execution.checkpointing.interval: 10 s
# A broken job fails after a few tries instead of restarting for ever, so
# deploys and tests see FAILED with its cause.
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 3
restart-strategy.fixed-delay.delay: 2 s
state.checkpoints.dir: file://$run/checkpoints
state.savepoints.dir: file://$run/savepoints
sql-gateway.endpoint.rest.address: 127.0.0.1
sql-gateway.endpoint.rest.bind-address: 127.0.0.1
sql-gateway.endpoint.rest.port: $gw_port
sql-gateway.session.idle-timeout: 1 h
# The RPC system gives up after 10 s by default; a loaded 2-core machine
# can take longer to start it (seen: "Could not create actor system").
pekko.startup-timeout: 120 s
pekko.ask.timeout: 60 s
EOF
	cat >"$run/conf/log4j-console.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.shaded.name = org.apache.flink.kafka.shaded.org.apache.kafka
logger.shaded.level = WARN
appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} - %m%n
EOF
	cat >"$run/conf/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$run/kafka/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
	cat >"$run/conf/kafka-log4j2.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n
EOF
}

start_kafka() {
	if running kafka "$kafka_class"; then
		say "kafka already running (pid $(<"$(pidfile kafka)"))"
		return
	fi
	port_busy "$kafka_port" && die "port $kafka_port is taken by another process: stop it or set SL_KAFKA_PORT"
	rm -rf "$run/kafka/data"
	local cp="$kafka_home/lib/*"
	java -Xmx256m -cp "$cp" -Dlog4j2.configurationFile="file:$run/conf/kafka-log4j2.properties" \
		kafka.tools.StorageTool format -t "$kafka_cluster_id" -c "$run/conf/server.properties" --ignore-formatted \
		>"$run/logs/kafka-format.log" 2>&1 ||
		die "formatting Kafka storage failed (log: $run/logs/kafka-format.log)"
	launch kafka java -Xms256m -Xmx512m -XX:+UseG1GC \
		-Dlog4j2.configurationFile="file:$run/conf/kafka-log4j2.properties" \
		-cp "$cp" "$kafka_class" "$run/conf/server.properties"
}

start_flink_cluster() {
	local cp="$flink_home/lib/*" log=(-Dlog4j.configurationFile="file:$run/conf/log4j-console.properties")
	export FLINK_CONF_DIR=$run/conf
	if running jobmanager "$jm_class"; then
		say "jobmanager already running (pid $(<"$(pidfile jobmanager)"))"
	else
		port_busy "$jm_port" && die "port $jm_port is taken by another process: stop it or set SL_JM_PORT"
		launch jobmanager java -Xms512m -Xmx512m -XX:MaxMetaspaceSize=256m "${java_opens[@]}" "${log[@]}" \
			-cp "$cp" "$jm_class" --configDir "$run/conf"
	fi
	if running taskmanager "$tm_class"; then
		say "taskmanager already running (pid $(<"$(pidfile taskmanager)"))"
		return
	fi
	# The TaskManager checks that its JVM matches the fine-grained memory
	# keys; Flink's own scripts compute both from the config the same way.
	local out jvm dyn
	out=$(java -cp "$cp" "${log[@]}" org.apache.flink.runtime.util.bash.BashJavaUtils \
		GET_TM_RESOURCE_PARAMS --configDir "$run/conf" 2>&1) ||
		die "computing TaskManager memory failed: $out"
	jvm=$(sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' <<<"$out" | sed -n 1p)
	dyn=$(sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' <<<"$out" | sed -n 2p)
	[[ -n $jvm && -n $dyn ]] || die "unexpected BashJavaUtils output: $out"
	# shellcheck disable=SC2086 # both are word lists by design
	launch taskmanager java $jvm "${java_opens[@]}" "${log[@]}" -cp "$cp" "$tm_class" --configDir "$run/conf" $dyn
}

start_gateway() {
	if running gateway "$gw_class"; then
		say "gateway already running (pid $(<"$(pidfile gateway)"))"
		return
	fi
	port_busy "$gw_port" && die "port $gw_port is taken by another process: stop it or set SL_GATEWAY_PORT"
	FLINK_CONF_DIR=$run/conf launch gateway java -Xms256m -Xmx768m -XX:MaxMetaspaceSize=384m "${java_opens[@]}" \
		-Dlog4j.configurationFile="file:$run/conf/log4j-console.properties" \
		-cp "$flink_home/lib/*" "$gw_class"
}

jm_has_tm() {
	curl -sf "http://127.0.0.1:$jm_port/overview" | grep -q '"taskmanagers":[1-9]'
}

gw_ready() {
	curl -sf "http://127.0.0.1:$gw_port/api_versions" | grep -q V2
}

# json_field NAME: the string value of "NAME" in the JSON on stdin.
json_field() {
	sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}

# warm_up runs one tiny bounded job through the gateway, so the planner
# (unpacked and initialised on a gateway's first statement) and the job
# submission path are warm before the first real deploy. Failures only warn.
warm_up() {
	local gw="http://127.0.0.1:$gw_port" s o st i
	s=$(curl -sf -X POST "$gw/v2/sessions" -H 'Content-Type: application/json' -d '{"sessionName":"warm-up"}' | json_field sessionHandle) || true
	if [[ -z $s ]]; then
		say "warning: warm-up could not open a gateway session"
		return
	fi
	for stmt in \
		"CREATE TEMPORARY TABLE warm_src (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1')" \
		"CREATE TEMPORARY TABLE warm_dst (x INT) WITH ('connector' = 'blackhole')" \
		"INSERT INTO warm_dst SELECT x FROM warm_src"; do
		o=$(curl -sf -X POST "$gw/v2/sessions/$s/statements" -H 'Content-Type: application/json' \
			-d "{\"statement\":\"$stmt\",\"executionConfig\":{\"pipeline.name\":\"shiftleft-warm-up\"}}" | json_field operationHandle) || true
		st=""
		for ((i = 0; i < 240; i++)); do
			st=$(curl -sf "$gw/v2/sessions/$s/operations/$o/status" | json_field status) || true
			[[ $st == FINISHED || $st == ERROR || -z $st ]] && break
			sleep 0.5
		done
		if [[ $st != FINISHED ]]; then
			say "warning: warm-up statement ended ${st:-unknown}: $stmt"
			break
		fi
	done
	for ((i = 0; i < 240; i++)); do
		# The job's fields up to its nested "tasks" object hold its state.
		curl -sf "http://127.0.0.1:$jm_port/jobs/overview" | grep -o '"name":"shiftleft-warm-up"[^}]*' | grep -q '"state":"FINISHED"' && break
		sleep 0.5
	done
	curl -sf -X DELETE "$gw/v2/sessions/$s" >/dev/null || true
}

start() {
	need java "install Java 17 (apt-get install openjdk-17-jdk-headless)"
	need curl "install curl"
	need setsid "install util-linux"
	fetch
	write_configs
	local t0=$SECONDS
	start_kafka
	start_flink_cluster
	wait_for "kafka (127.0.0.1:$kafka_port)" kafka port_busy "$kafka_port"
	say "kafka ready on 127.0.0.1:$kafka_port after $((SECONDS - t0)) s"
	wait_for "jobmanager (127.0.0.1:$jm_port)" jobmanager curl -sf "http://127.0.0.1:$jm_port/overview"
	wait_for "taskmanager registration" taskmanager jm_has_tm
	say "flink cluster ready on http://127.0.0.1:$jm_port after $((SECONDS - t0)) s"
	local gw_was_up=""
	running gateway "$gw_class" && gw_was_up=1
	start_gateway
	wait_for "sql gateway (127.0.0.1:$gw_port)" gateway gw_ready
	say "sql gateway ready on http://127.0.0.1:$gw_port after $((SECONDS - t0)) s"
	if [[ -z $gw_was_up ]]; then
		warm_up
		say "warmed up (one bounded job through the gateway) after $((SECONDS - t0)) s"
	fi
	say "started in $((SECONDS - t0)) s; logs in $run/logs"
	# The end-to-end test reports it.
	echo "$((SECONDS - t0))" >"$run/startup_seconds"
	echo "SL_FLINK_GATEWAY_URL=http://127.0.0.1:$gw_port"
	echo "SL_FLINK_JOBMANAGER_URL=http://127.0.0.1:$jm_port"
	echo "SL_KAFKA_BOOTSTRAP=127.0.0.1:$kafka_port"
}

# stop_one NAME CLASS: TERM the recorded pid's process group, wait, then KILL.
stop_one() {
	local name=$1 class=$2 f pid i
	f=$(pidfile "$name")
	if ! running "$name" "$class"; then
		rm -f "$f"
		return
	fi
	pid=$(<"$f")
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 60; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "$name (pid $pid) ignored TERM for 30 s: killing it"
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
	say "stopped $name (pid $pid)"
}

stop() {
	stop_one gateway "$gw_class"
	stop_one taskmanager "$tm_class"
	stop_one jobmanager "$jm_class"
	stop_one kafka "$kafka_class"
	rm -rf "$run/tmp"
}

status() {
	local name class up=0 all=0
	for pair in kafka:$kafka_class jobmanager:$jm_class taskmanager:$tm_class gateway:$gw_class; do
		name=${pair%%:*}
		class=${pair#*:}
		all=$((all + 1))
		if running "$name" "$class"; then
			up=$((up + 1))
			printf '%-12s running  pid %s\n' "$name" "$(<"$(pidfile "$name")")"
		else
			printf '%-12s stopped\n' "$name"
		fi
	done
	local jobs
	if jobs=$(curl -sf "http://127.0.0.1:$jm_port/jobs/overview" 2>/dev/null); then
		printf 'jobs         %s running\n' "$(grep -o '"state":"RUNNING"' <<<"$jobs" | wc -l)"
	fi
	printf 'versions     flink %s, connector %s, kafka %s\n' "$flink_version" "$flink_kafka_version" "$kafka_version"
	printf 'run dir      %s\n' "$run"
	((up == all))
}

logs() {
	tail -n "${1:-50}" "$run"/logs/*.log
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
fetch) fetch ;;
logs) logs "${2:-50}" ;;
*)
	echo "usage: $0 start|stop|status|fetch|logs [N]" >&2
	exit 2
	;;
esac
