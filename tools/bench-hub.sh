#!/bin/sh
# The national workbook imported into a hub's PostgreSQL and into SQLite, one after the other on
# the same machine, so BENCHMARKS.md can give the ratio (issue 24: at most 3 × SQLite, with
# Debian's default settings — the cluster below changes nothing but where it listens).
#   tools/bench-hub.sh BIN FILE [RUNS]
# BIN is a release build of `carestaff`; FILE the national workbook (`make bench` writes it).
# Prints one line per run and engine: seconds and the importing process's peak memory, and the
# server's settings that bound locks. Then serves the last database and has 20 leaders read it
# at once (tools/hub_readers.py): pages against a trivial signed-in call, and the hub's peak
# memory.
set -eu
bin=$1 file=$2 runs=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$here/out/bench-hub
port=55439
rm -rf "$work"
mkdir -p "$work"
pgdata=$work/pgdata
trap '"$here/tools/pg-cluster.sh" stop "$pgdata"' EXIT
"$here/tools/pg-cluster.sh" start "$pgdata" $port
psql="psql -X -q -h 127.0.0.1 -p $port -U postgres"
echo "server: $($psql -At -c 'SHOW server_version') max_locks_per_transaction=$($psql -At -c 'SHOW max_locks_per_transaction') shared_buffers=$($psql -At -c 'SHOW shared_buffers')"
i=1
while [ "$i" -le "$runs" ]; do
  db=bench$i
  $psql -c "CREATE DATABASE $db"
  url="postgres://postgres@127.0.0.1:$port/$db"
  for engine in sqlite postgres; do
    if [ $engine = sqlite ]; then target=$work/run$i.db; else target=$url; fi
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin" --db "$target" import "$file" >"$work/out" 2>&1 ||
      { echo "run $i $engine: the import failed"; tail -5 "$work/out"; exit 1; }
    read -r secs kib <"$work/time"
    echo "run $i $engine: ${secs} s, peak $((kib / 1024)) MiB"
  done
  rows=$($psql -At -d $db -c 'SELECT count(*) FROM current_value')
  echo "run $i postgres: $rows current-value rows"
  i=$((i + 1))
done
# 20 readers at once over what was imported last.
echo "leader-password-1" | "$bin" --db "$url" user add --region 370000 --role viewer leader >/dev/null
"$bin" --db "$url" serve --listen 127.0.0.1:55440 >"$work/serve.log" 2>&1 &
hub=$!
trap 'kill $hub 2>/dev/null; "$here/tools/pg-cluster.sh" stop "$pgdata"' EXIT
for _ in $(seq 50); do grep -q "127.0.0.1:55440" "$work/serve.log" 2>/dev/null && break; sleep 0.2; done
python3 "$here/tools/hub_readers.py" http://127.0.0.1:55440 leader leader-password-1 20 5
echo "hub: peak $(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$hub/status) MiB, now $(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$hub/status) MiB"
