#!/bin/sh
# The national workbook imported into a hub's PostgreSQL and into SQLite, one after the other on
# the same machine, so BENCHMARKS.md can give the ratio (issue 24: at most 3 × SQLite, with
# Debian's default settings — the cluster below changes nothing but where it listens).
#   tools/bench-hub.sh BIN FILE [RUNS]
# BIN is a release build of `carestaff`; FILE the national workbook (`make bench` writes it).
# Prints one line per run and engine: seconds and the importing process's peak memory, and the
# server's settings that bound locks.
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
