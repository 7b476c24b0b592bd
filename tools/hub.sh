#!/bin/sh
# `make hub`: a hub on this machine for a first look — a PostgreSQL cluster of its own in
# out/hub/pgdata (kept between runs), the sample returns as demonstration data, an admin and
# three demonstration accounts (Zibo: the city's reviewer, a district's reporter, a leader),
# then `carestaff serve` on http://127.0.0.1:8080 until Ctrl-C. `make hub-stop` stops the
# cluster; `rm -rf out/hub` starts over.
set -eu
bin=$1
dir=${HUB_DIR:-out/hub}
pg_port=${HUB_PG_PORT:-55432}
listen=${HUB_LISTEN:-127.0.0.1:8080}
mkdir -p "$dir"
tools/pg-cluster.sh start "$(pwd)/$dir/pgdata" "$pg_port"
psql="psql -h 127.0.0.1 -p $pg_port -U postgres -qtA"
$psql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'carestaff'" | grep -q 1 ||
  $psql -d postgres -c "CREATE DATABASE carestaff"
url="postgres://postgres@127.0.0.1:$pg_port/carestaff"
if [ ! -f "$dir/accounts.txt" ]; then
  "$bin" --db "$url" import --demo sample-data/*.xlsx >"$dir/import.log"
  admin_pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  echo "$admin_pw" | "$bin" --db "$url" user add admin --region 370000 --role admin >/dev/null
  for a in "zibo 370300 reviewer" "zhangdian 370303 reporter" "leader 370300 viewer"; do
    set -- $a
    echo "demo-$1-2026" | "$bin" --db "$url" user add "$1" --region "$2" --role "$3" >/dev/null
  done
  umask 077
  cat >"$dir/accounts.txt" <<TXT
admin      $admin_pw   (管理, 山东省)
zibo       demo-zibo-2026       (审核, 淄博市)
zhangdian  demo-zhangdian-2026  (填报, 张店区)
leader     demo-leader-2026     (查看, 淄博市)
TXT
fi
echo "Carestaff hub: http://$listen   (accounts and passwords: $dir/accounts.txt)"
cat "$dir/accounts.txt"
exec "$bin" --db "$url" serve --listen "$listen"
