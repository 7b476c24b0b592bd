#!/bin/sh
# `make package`: the two Debian packages in out/packages/, from the release binaries that
# `make package` has just built. The files the packages need beside the binaries are made here
# in out/package/: icons from ui/icon.svg, each package's copyright and the licences of the
# crates compiled into it, its Debian changelog from CHANGELOG.md, the manual pages.
#   TARGET_DIR=… tools/package.sh
set -eu
cd "$(dirname "$0")/.."
target=${TARGET_DIR:-${CARGO_TARGET_DIR:-target}}
# cargo deb --no-build packs what is in cargo's target directory: the same one as checked here.
export CARGO_TARGET_DIR="$target"
stage=out/package
dest=out/packages
bin=$target/release/carestaff
[ -x "$bin" ] && [ -x "$target/release/carestaff-desktop" ] ||
  { echo "package: build the release binaries first (make package does)" >&2; exit 1; }
version=$("$bin" --version | awk '{print $2}')
rm -rf "$stage" && mkdir -p "$stage" "$dest"
rm -f "$dest"/carestaff-desktop_*.deb "$dest"/carestaff-hub_*.deb

for size in 16 32 48 64 128 256; do
  mkdir -p "$stage/icons/${size}x$size"
  rsvg-convert -w $size -h $size ui/icon.svg -o "$stage/icons/${size}x$size/carestaff.png"
done

help2man --no-info --section 1 --source "Carestaff $version" \
  --name "track the elder-care workforce targets against quarterly regional returns" \
  "$bin" > "$stage/carestaff.1"
sed "s/@VERSION@/$version/" packaging/desktop/carestaff-desktop.1 > "$stage/carestaff-desktop.1"
gzip -9n "$stage/carestaff.1" "$stage/carestaff-desktop.1"

for package in carestaff-desktop carestaff-hub; do
  mkdir -p "$stage/$package"
  cp packaging/copyright "$stage/$package/copyright"
  crate=$([ $package = carestaff-hub ] && echo carestaff || echo carestaff-desktop)
  python3 tools/crate-licences.py $crate "$stage/$package/third-party-crates.txt"
  python3 tools/debian-changelog.py $package 1 CHANGELOG.md "$stage/$package/changelog" "$version"
  gzip -9nc CHANGELOG.md > "$stage/$package/changelog.gz"
done

cargo deb --no-build -p carestaff-desktop --output "$dest/"
cargo deb --no-build -p carestaff --output "$dest/"

# Lintian: an error or a warning fails the build; the informational tags left are each
# explained in packaging/lintian-explained.
lintian --fail-on error,warning --suppress-tags-from-file packaging/lintian-explained "$dest"/*.deb
ls -l "$dest"
