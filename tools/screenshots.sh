#!/usr/bin/env bash
# Takes the README screenshots from the real app under Xvfb at 1366×768:
# docs/screenshots/overview.png, target.png, import.png.
#
# Usage: tools/screenshots.sh   (or `make screenshots`, which builds the app and installs
# xvfb, fonts-noto-cjk, imagemagick and xdotool first). APP overrides the app binary.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=${APP:-${CARGO_TARGET_DIR:-target}/debug/carestaff-desktop}
OUT=docs/screenshots

if [ -z "${CARESTAFF_SHOTS_INSIDE_XVFB:-}" ]; then
    exec env CARESTAFF_SHOTS_INSIDE_XVFB=1 xvfb-run -a -s "-screen 0 1366x768x24" "$0" "$@"
fi
[ -x "$APP" ] || { echo "no app binary at $APP: run \`make app\` first" >&2; exit 1; }
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARESTAFF_DB="$work/screenshots.db"

# Waits until the window exists and shows more than a handful of colours (the first launch
# after installing fonts can stay blank for seconds), then until two captures agree.
shoot() {
    local page=$1 name=$2 id="" colours=0 prev="" tries
    CARESTAFF_PAGE="$page" "$APP" >"$work/app.log" 2>&1 &
    local pid=$!
    for tries in $(seq 1 100); do
        id=$(xdotool search --name "Carestaff" 2>/dev/null | tail -1 || true)
        [ -n "$id" ] && break
        sleep 0.2
    done
    [ -n "$id" ] || { echo "the app window did not appear" >&2; cat "$work/app.log" >&2; kill "$pid"; exit 1; }
    rm -f "$work/shot.png"
    for tries in $(seq 1 90); do
        sleep 0.5
        # The last match is the real window (the first is a hidden helper); search again in
        # case the window was replaced while the page loaded.
        id=$(xdotool search --name "Carestaff" 2>/dev/null | tail -1 || true)
        [ -n "$id" ] || continue
        import -window "$id" "$work/shot.png" 2>/dev/null || continue
        colours=$(identify -format '%k' "$work/shot.png" 2>/dev/null || echo 0)
        sum=$(md5sum < "$work/shot.png")
        if [ "$colours" -gt 50 ] && [ "$sum" = "$prev" ]; then break; fi
        prev=$sum
    done
    [ -f "$work/shot.png" ] || { echo "no screenshot of $page" >&2; cat "$work/app.log" >&2; kill "$pid"; exit 1; }
    cp "$work/shot.png" "$OUT/$name.png"
    echo "$OUT/$name.png: $colours colours"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

shoot "#/overview" overview
shoot "#/target/CQ-1" target
shoot "#/import" import
