#!/usr/bin/env bash
# A real Apache Kafka broker for tests (DESIGN.md §5): the official broker jars from Maven
# Central (org.apache.kafka:kafka_2.13 and its dependencies, resolved by Maven into the local
# repository and cached), started in KRaft mode as one node on 127.0.0.1.
#
#   tests/infra/kafka.sh check             exit 0 if java and mvn are on PATH (else say which is missing)
#   tests/infra/kafka.sh install           resolve the jars (first time only); print the classpath file
#   tests/infra/kafka.sh start DIR [PORT]  start a broker with its state in DIR (formatted with a random
#                                          cluster id the first time) on 127.0.0.1:PORT (a free port if
#                                          omitted); prints 127.0.0.1:PORT once it accepts connections
#   tests/infra/kafka.sh stop DIR          stop the broker of DIR by its PID (TERM, then KILL after 20 s)
#
# DIR holds server.properties, data/, broker.log and broker.pid. Restarting a stopped DIR keeps
# its topics. Environment: KAFKA_VERSION (default 4.4.0), KAFKA_CACHE (default
# ~/.cache/divolte-tests/kafka), KAFKA_START_TIMEOUT in seconds (default 90), KAFKA_HEAP (512m).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSION="${KAFKA_VERSION:-4.4.0}"
CACHE="${KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/divolte-tests/kafka}"
CLASSPATH_FILE="$CACHE/kafka_2.13-$VERSION.classpath"

die() { echo "kafka.sh: $*" >&2; exit 1; }

check() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(java)
  command -v mvn >/dev/null 2>&1 || missing+=(mvn)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "kafka.sh: not on PATH: ${missing[*]} (the Kafka broker needs Java 17+ and Maven)" >&2
    return 1
  fi
}

classpath_is_cached() {
  [ -s "$CLASSPATH_FILE" ] || return 1
  local jar
  while IFS= read -r jar; do
    [ -f "$jar" ] || return 1
  done < <(tr ':' '\n' < "$CLASSPATH_FILE")
}

install() {
  check
  if ! classpath_is_cached; then
    mkdir -p "$CACHE"
    local tmp="$CLASSPATH_FILE.tmp.$$"
    echo "kafka.sh: resolving org.apache.kafka:kafka_2.13:$VERSION with Maven (first run only)" >&2
    mvn -B -q -f "$HERE/kafka/pom.xml" dependency:build-classpath \
      -Dkafka.version="$VERSION" -Dmdep.includeScope=runtime -Dmdep.outputFile="$tmp" >&2 \
      || die "Maven could not resolve the Kafka broker jars"
    mv "$tmp" "$CLASSPATH_FILE"
  fi
  echo "$CLASSPATH_FILE"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

accepts() {  # accepts PORT: true when something accepts TCP connections on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running() {  # running DIR: true when DIR's broker process is alive
  [ -f "$1/broker.pid" ] && kill -0 "$(cat "$1/broker.pid")" 2>/dev/null
}

write_properties() {  # write_properties DIR PORT CONTROLLER_PORT
  cat > "$1/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$3
listeners=PLAINTEXT://127.0.0.1:$2,CONTROLLER://127.0.0.1:$3
advertised.listeners=PLAINTEXT://127.0.0.1:$2
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$1/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPERTIES
}

start() {
  local dir="${1:?usage: kafka.sh start DIR [PORT]}" port="${2:-}"
  local classpath
  classpath="$(cat "$(install)")"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  running "$dir" && die "a broker is already running for $dir (PID $(cat "$dir/broker.pid"))"
  if [ -f "$dir/server.properties" ]; then
    # A restart keeps the ports (and the formatted storage) of the first start.
    local configured
    configured="$(sed -n 's|^advertised.listeners=PLAINTEXT://127.0.0.1:||p' "$dir/server.properties")"
    [ -z "$port" ] || [ "$port" = "$configured" ] || die "$dir was set up for port $configured"
    port="$configured"
  else
    [ -n "$port" ] || port="$(free_port)"
    write_properties "$dir" "$port" "$(free_port)"
  fi
  accepts "$port" && die "port $port on 127.0.0.1 is already in use"
  local java=(java -Xms128m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties"
    -cp "$classpath")
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster_id
    cluster_id="$(python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')"
    "${java[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
      > "$dir/format.log" 2>&1 || die "formatting the storage failed: $(tail -5 "$dir/format.log")"
  fi
  nohup "${java[@]}" kafka.Kafka "$dir/server.properties" >> "$dir/broker.log" 2>&1 < /dev/null &
  echo $! > "$dir/broker.pid"
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until accepts "$port" && grep -q "Kafka Server started" "$dir/broker.log"; do
    if ! running "$dir"; then
      die "the broker exited during start-up: $(tail -20 "$dir/broker.log")"
    fi
    if [ $SECONDS -ge $deadline ]; then
      stop "$dir"
      die "the broker did not accept connections within ${KAFKA_START_TIMEOUT:-90} s"
    fi
    sleep 0.1
  done
  echo "127.0.0.1:$port"
}

stop() {
  local dir="${1:?usage: kafka.sh stop DIR}"
  [ -f "$dir/broker.pid" ] || return 0
  local pid
  pid="$(cat "$dir/broker.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "kafka.sh: broker $pid did not stop within 20 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/broker.pid"
}

case "${1:-}" in
  check) check ;;
  install) install ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
