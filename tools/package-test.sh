#!/bin/sh
# `make package-test` (CI): installs each package of out/packages/ the way an office's IT person
# does, checks it, removes it, and checks that nothing of it is left but the user's data.
#   tools/package-test.sh out/packages          (as root: it changes this machine's packages)
# The desktop: `carestaff --version` agrees with the package, the menu entry validates, the app
# starts under Xvfb, shows its window with the demonstration data (out/packages/installed.png).
# The hub: its system user, its unit without a password, its config; purge takes the config.
set -eu
dir=$(cd "${1:-out/packages}" && pwd)
[ "$(id -u)" = 0 ] || { echo "package-test: run as root (it installs packages)" >&2; exit 1; }
desktop_deb=$(ls "$dir"/carestaff-desktop_*_amd64.deb)
hub_deb=$(ls "$dir"/carestaff-hub_*_amd64.deb)
work=$(mktemp -d)
trap 'pkill -f /usr/bin/carestaff-desktop 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "package-test: $*" >&2; exit 1; }
say() { echo "package-test: $*"; }

install_deb() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" > "$work/apt.log" 2>&1 || {
    apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" > "$work/apt.log" 2>&1
  } || { cat "$work/apt.log" >&2; fail "apt-get install $1 failed"; }
}

# Every regular file and link the package put on the machine (directories are shared).
files_of() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }'; }

left_of() {
  files_of "$1" | while read -r f; do
    [ -e "$f" ] || [ -L "$f" ] && ! grep -qx "$f" "$work/kept" 2>/dev/null && echo "$f"
  done || true
}

version_of() { dpkg-deb -f "$1" Version; }

# --- the desktop -----------------------------------------------------------------------------
for p in carestaff-desktop carestaff-hub; do
  dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed' && apt-get purge -y -q $p > /dev/null
done
install_deb "$desktop_deb"
deb_version=$(version_of "$desktop_deb")
cli_version=$(/usr/bin/carestaff --version | awk '{print $2}')
case $deb_version in "$cli_version"-*|"$cli_version") ;; *) fail "carestaff --version says $cli_version, the package $deb_version" ;; esac
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
for _ in $(seq 1 90); do
  xdotool search --onlyvisible --name '养老服务人才目标监测' > "$1/window" 2>/dev/null && break
  kill -0 $app 2>/dev/null || { cat "$1/app.log" >&2; echo "the app stopped" >&2; exit 1; }
  sleep 1
done
[ -s "$1/window" ] || { echo "no window after 90 s" >&2; exit 1; }
sleep 8  # the overview draws its charts
import -window root "$1/installed.png"
kill $app
WINDOW
chmod +x "$work/window.sh"
xvfb-run -a -s "-screen 0 1366x768x24" "$work/window.sh" "$work" || fail "the desktop app did not show its window"
cp "$work/installed.png" "$dir/installed.png"
colours=$(convert "$work/installed.png" -format %k info:)
[ "$colours" -gt 50 ] || fail "the window looks empty ($colours colours in $dir/installed.png)"
db="$XDG_DATA_HOME/carestaff/carestaff.db"
[ -f "$db" ] || fail "the first start made no database at $db"
/usr/bin/carestaff --db "$db" status --json > "$work/status.json"
python3 - "$work/status.json" <<'PY' || fail "the first start's database holds no demonstration status"
import json, sys
rows = json.load(open(sys.argv[1]))
rows = rows if isinstance(rows, list) else rows.get("rows", rows.get("targets", []))
assert len(rows) >= 30, len(rows)
PY
say "the window showed ($colours colours, $dir/installed.png); the demonstration database is at $db"

apt-get remove -y -q carestaff-desktop > /dev/null
dpkg-query -W -f='${Status}' carestaff-desktop 2>/dev/null | grep -q 'not-installed\|config-files' ||
  [ -z "$(dpkg-query -W -f='${Status}' carestaff-desktop 2>/dev/null)" ] || fail "carestaff-desktop is still installed"
left=$(left_of "$desktop_deb")
[ -z "$left" ] || fail "removed, but left: $left"
[ -f "$db" ] || fail "removing the package took the user's database"
say "carestaff-desktop removed: none of its files left, the user's database kept"

# --- the hub ---------------------------------------------------------------------------------
# Debian's own PostgreSQL cluster, when the machine has one: the package then makes the role and
# the database, and the hub runs as its system user over the socket with no password.
pg_started=""
if command -v pg_lsclusters > /dev/null && pg_lsclusters -h 2>/dev/null | grep -q .; then
  set -- $(pg_lsclusters -h | head -1)
  if [ "$4" != online ]; then pg_ctlcluster "$1" "$2" start && pg_started="$1 $2"; fi
fi
stop_pg() { [ -z "$pg_started" ] || pg_ctlcluster $pg_started stop; }
install_deb "$hub_deb"
deb_version=$(version_of "$hub_deb")
case $deb_version in "$(/usr/bin/carestaff --version | awk '{print $2}')"-*) ;; *) fail "the hub's carestaff --version disagrees with $deb_version" ;; esac
getent passwd carestaff > /dev/null || fail "no system user carestaff"
unit=/usr/lib/systemd/system/carestaff-hub.service
[ -f "$unit" ] || fail "no unit $unit"
grep -q '^User=carestaff$' "$unit" || fail "the unit does not run as carestaff"
! grep -Eiq '(password|passwd|pwd)[^ ]*=' "$unit" /etc/carestaff/hub.env || fail "a password is written in the unit or its config"
runuser -u carestaff -- /usr/bin/carestaff --version > /dev/null || fail "the system user cannot run carestaff"
say "carestaff-hub $deb_version installed: user carestaff, $unit, /etc/carestaff/hub.env"
if runuser -u postgres -- psql -XqtAc 'select 1' > /dev/null 2>&1; then
  # As the unit runs it: the system user, the database from hub.env, peer authentication.
  db=$(sed -n 's/^CARESTAFF_DB=//p' /etc/carestaff/hub.env)
  echo "package-test-$$" | runuser -u carestaff -- env CARESTAFF_DB="$db" /usr/bin/carestaff user add pkgadmin --region 370000 --role admin > /dev/null ||
    { stop_pg; fail "the system user cannot reach the database the package made"; }
  runuser -u carestaff -- env CARESTAFF_DB="$db" /usr/bin/carestaff serve --listen 127.0.0.1:18080 > "$work/serve.log" 2>&1 &
  serve=$!
  page=""
  for _ in $(seq 1 50); do
    page=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:18080/').read().decode())" 2>/dev/null) && break
    sleep 0.2
  done
  kill $serve 2>/dev/null || true
  wait $serve 2>/dev/null || true
  echo "$page" | grep -q '养老服务人才目标监测' || { cat "$work/serve.log" >&2; stop_pg; fail "the hub did not serve its pages"; }
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
if runuser -u postgres -- psql -XqtAc 'select 1' > /dev/null 2>&1; then
  [ -n "$(runuser -u postgres -- psql -XqtAc "select 1 from pg_database where datname = 'carestaff'")" ] ||
    { stop_pg; fail "purging the package took the office's database"; }
  say "the database stays after purge (the office's data); this test drops it again"
  runuser -u postgres -- dropdb carestaff
  runuser -u postgres -- dropuser carestaff
fi
stop_pg
