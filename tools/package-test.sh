#!/bin/sh
# `make package-test` (CI): installs each package of out/packages/ the way an office's IT person
# does, checks it, removes it, and checks that nothing of it is left but the user's data.
#   tools/package-test.sh out/packages          (as root: it changes this machine's packages)
# The desktop: `carestaff --version` agrees with the package, the menu entry validates, the app
# starts under Xvfb and shows its window with the demonstration data (out/packages/installed.png).
# The hub: its system user, its unit without a password, its config; with Debian's PostgreSQL
# cluster on the machine, the database the package makes and the hub serving its pages as its
# own user over peer authentication. Whatever fails, the packages are purged again, the test's
# database dropped and a cluster it started stopped; a database it did not make is never touched.
set -eu
dir=$(cd "${1:-out/packages}" && pwd)
[ "$(id -u)" = 0 ] || { echo "package-test: run as root (it installs packages)" >&2; exit 1; }
desktop_deb=$(ls "$dir"/carestaff-desktop_*_amd64.deb)
hub_deb=$(ls "$dir"/carestaff-hub_*_amd64.deb)
work=$(mktemp -d)
pg_started="" db_ours=""

fail() { echo "package-test: $*" >&2; exit 1; }
say() { echo "package-test: $*"; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
pg_answers() { runuser -u postgres -- psql -XqtAc 'select 1' > /dev/null 2>&1; }
pg_has() { [ -n "$(runuser -u postgres -- psql -XqtAc "$1" 2>/dev/null)" ]; }

cleanup() {
  [ -f "$work/app.pid" ] && kill "$(cat "$work/app.pid")" 2>/dev/null
  [ -n "${serve:-}" ] && kill "$serve" 2>/dev/null
  for p in carestaff-desktop carestaff-hub; do
    installed $p && apt-get purge -y -q $p > /dev/null 2>&1
  done
  if [ -n "$db_ours" ] && pg_answers; then
    runuser -u postgres -- dropdb --if-exists carestaff
    runuser -u postgres -- dropuser --if-exists carestaff
  fi
  [ -n "$pg_started" ] && pg_ctlcluster $pg_started stop
  rm -rf "$work"
}
trap cleanup EXIT

install_deb() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" > "$work/apt.log" 2>&1 || {
    apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" > "$work/apt.log" 2>&1
  } || { cat "$work/apt.log" >&2; fail "apt-get install $1 failed"; }
}

# Every regular file and link the package put on the machine (directories are shared).
files_of() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }'; }

# Those still on the machine, but for the ones listed in $work/kept.
left_of() {
  files_of "$1" | while read -r f; do
    if { [ -e "$f" ] || [ -L "$f" ]; } && ! grep -qx "$f" "$work/kept" 2>/dev/null; then echo "$f"; fi
  done
}

version_of() { dpkg-deb -f "$1" Version; }

for p in carestaff-desktop carestaff-hub; do
  installed $p && fail "$p is installed already: remove it first (this test installs and purges it)"
done

# --- the desktop -----------------------------------------------------------------------------
install_deb "$desktop_deb"
deb_version=$(version_of "$desktop_deb")
cli_version=$(/usr/bin/carestaff --version | awk '{print $2}')
case $deb_version in "$cli_version"-*) ;; *) fail "carestaff --version says $cli_version, the package $deb_version" ;; esac
say "carestaff-desktop $deb_version installed; carestaff --version: $cli_version"
desktop-file-validate /usr/share/applications/carestaff-desktop.desktop || fail "the menu entry does not validate"
grep -q '^Name=养老服务人才目标监测' /usr/share/applications/carestaff-desktop.desktop || fail "the menu entry has lost its Chinese name"
[ -f /usr/share/icons/hicolor/48x48/apps/carestaff.png ] || fail "no 48×48 icon"

# A first start as a new user: the demonstration database is made, the window shows it.
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CONFIG_HOME="$work/home/.config"
mkdir -p "$HOME"
cat > "$work/window.sh" <<'WINDOW'
#!/bin/sh
set -eu
/usr/bin/carestaff-desktop > "$1/app.log" 2>&1 &
app=$!
echo $app > "$1/app.pid"
for _ in $(seq 1 90); do
  xdotool search --onlyvisible --name '养老服务人才目标监测' > "$1/window" 2>/dev/null && break
  kill -0 $app 2>/dev/null || { cat "$1/app.log" >&2; echo "the app stopped" >&2; exit 1; }
  sleep 1
done
[ -s "$1/window" ] || { echo "no window after 90 s" >&2; exit 1; }
sleep 8  # the overview draws its scorecard
import -window root "$1/installed.png"
kill $app
rm -f "$1/app.pid"
WINDOW
chmod +x "$work/window.sh"
xvfb-run -a -s "-screen 0 1366x768x24" "$work/window.sh" "$work" || fail "the desktop app did not show its window"
cp "$work/installed.png" "$dir/installed.png"
colours=$(convert "$work/installed.png" -format %k info:)
[ "$colours" -gt 50 ] || fail "the window looks empty ($colours colours in $dir/installed.png)"
db="$XDG_DATA_HOME/carestaff/carestaff.db"
[ -f "$db" ] || fail "the first start made no database at $db"
/usr/bin/carestaff --db "$db" status --json > "$work/status.json"
python3 - "$work/status.json" <<'PY' || fail "the first start's database holds no demonstration figures"
import json, sys
rows = json.load(open(sys.argv[1]))
judged = [r for r in rows if r["status"] not in ("no_data", "insufficient_data")]
assert len(judged) >= 20, f"{len(judged)} of {len(rows)} targets have figures"
PY
say "the window showed ($colours colours, $dir/installed.png); the demonstration database is at $db"

apt-get remove -y -q carestaff-desktop > /dev/null
installed carestaff-desktop && fail "carestaff-desktop is still installed"
left=$(left_of "$desktop_deb")
[ -z "$left" ] || fail "removed, but left: $left"
[ -f "$db" ] || fail "removing the package took the user's database"
say "carestaff-desktop removed: none of its files left, the user's database kept"

# --- the hub ---------------------------------------------------------------------------------
# Debian's own PostgreSQL cluster, when the machine has one and holds no hub database yet.
if command -v pg_lsclusters > /dev/null && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
  set -- $(pg_lsclusters -h | head -1)
  if [ "$4" != online ]; then pg_ctlcluster "$1" "$2" start && pg_started="$1 $2"; fi
fi
if pg_answers; then
  if pg_has "select 1 from pg_database where datname = 'carestaff'" || pg_has "select 1 from pg_roles where rolname = 'carestaff'"; then
    say "this machine's PostgreSQL has a carestaff database or role already: the database part is skipped (it is not the test's to touch)"
  else
    db_ours=yes
  fi
else
  say "no PostgreSQL cluster answers on this machine: the database part is skipped"
fi
install_deb "$hub_deb"
deb_version=$(version_of "$hub_deb")
case $deb_version in "$(/usr/bin/carestaff --version | awk '{print $2}')"-*) ;; *) fail "the hub's carestaff --version disagrees with $deb_version" ;; esac
getent passwd carestaff > /dev/null || fail "no system user carestaff"
unit=/usr/lib/systemd/system/carestaff-hub.service
[ -f "$unit" ] || fail "no unit $unit"
grep -q '^User=carestaff$' "$unit" || fail "the unit does not run as carestaff"
if grep -Eiq '(password|passwd|pwd)[^ ]*=' "$unit" /etc/carestaff/hub.env; then fail "a password is written in the unit or its config"; fi
runuser -u carestaff -- /usr/bin/carestaff --version > /dev/null || fail "the system user cannot run carestaff"
if command -v systemd-analyze > /dev/null; then
  systemd-analyze verify "$unit" || fail "systemd-analyze finds fault with $unit"
fi
say "carestaff-hub $deb_version installed: user carestaff, $unit, /etc/carestaff/hub.env"
if [ -n "$db_ours" ]; then
  # As the unit runs it: its ExecStart line with the variables of its EnvironmentFile, as its
  # system user, peer authentication (only the port is moved off 8080, which may be taken;
  # systemd's own sandboxing cannot be tried without systemd running).
  pg_has "select 1 from pg_database where datname = 'carestaff'" || fail "the package made no database"
  hub_db=$(sed -n 's/^CARESTAFF_DB=//p' /etc/carestaff/hub.env)
  echo "package-test-$$" | runuser -u carestaff -- env CARESTAFF_DB="$hub_db" /usr/bin/carestaff user add pkgadmin --region 370000 --role admin > /dev/null ||
    fail "the system user cannot reach the database the package made"
  exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
  # EnvironmentFile= is KEY=VALUE lines, not shell (its URL holds & and ?): passed through env.
  set -f
  runuser -u carestaff -- env $(grep -E '^[A-Z_]+=' /etc/carestaff/hub.env) CARESTAFF_LISTEN=127.0.0.1:18080 \
    sh -c "exec $exec_start" > "$work/serve.log" 2>&1 &
  serve=$!
  set +f
  page=""
  for _ in $(seq 1 50); do
    page=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:18080/').read().decode())" 2>/dev/null) && break
    sleep 0.2
  done
  kill $serve 2>/dev/null || true
  wait $serve 2>/dev/null || true
  serve=""
  echo "$page" | grep -q '养老服务人才目标监测' || { cat "$work/serve.log" >&2; fail "the hub did not serve its pages"; }
  say "the package made the database; the hub served its pages as the system user, with no password"
fi

echo /etc/carestaff/hub.env > "$work/kept"
apt-get remove -y -q carestaff-hub > /dev/null
left=$(left_of "$hub_deb")
[ -z "$left" ] || fail "carestaff-hub removed, but left: $left"
[ -f /etc/carestaff/hub.env ] || fail "remove took the configuration (only purge should)"
apt-get purge -y -q carestaff-hub > /dev/null
rm -f "$work/kept"
left=$(left_of "$hub_deb")
[ -z "$left" ] && [ ! -e /etc/carestaff ] || fail "carestaff-hub purged, but left: $left /etc/carestaff"
say "carestaff-hub removed (its configuration kept) and purged (nothing left; the system user stays)"
if [ -n "$db_ours" ]; then
  pg_has "select 1 from pg_database where datname = 'carestaff'" || fail "purging the package took the office's database"
  say "the database stays after purge (the office's data); this test drops it again"
fi
