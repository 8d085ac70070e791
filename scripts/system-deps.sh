#!/bin/sh
# The one list of Debian packages this repository's tests and sandbox use, and their installer.
#
#   sh scripts/system-deps.sh             install what is missing (as root), or stop at once with
#                                         the exact install line (run by `npm test` and `npm start`
#                                         through their pre-scripts, and so by .ci/run)
#   sh scripts/system-deps.sh --list      print the package names, one per line
#   sh scripts/system-deps.sh --debian-node DIR
#                                         download (not install) Debian 12's own nodejs 18 and what
#                                         it loads into DIR/*.deb, for the package test, which runs
#                                         the installed client on it beside the machine's Node
#
# Helpers adding a Debian package for a test: add it to PACKAGES below, nowhere else.
set -eu

# awscli, python3-boto3: real credential_process consumers (the AWS CLI, boto3).
# rclone, restic: real S3 consumers through credential_process, the credentials file and `serve`.
# openssl, ca-certificates: the tests' throwaway certificate authority; TLS to the stand-ins.
# faketime: clock-skew tests.
# dpkg-deb (package dpkg, always present on Debian) builds and installs the client package.
PACKAGES="awscli python3-boto3 openssl ca-certificates rclone restic faketime"

# Debian 12's nodejs: the binary, its library and the JavaScript it loads from /usr/share/nodejs.
DEBIAN_NODE_PACKAGES="nodejs libnode108 libuv1 libc-ares2 node-undici node-acorn node-cjs-module-lexer"

say() { printf 'system-deps: %s\n' "$*" >&2; }

case "${1:-}" in
  --list)
    for p in $PACKAGES; do echo "$p"; done
    exit 0
    ;;
  --debian-node)
    dir="${2:?--debian-node needs a directory}"
    mkdir -p "$dir"
    # The archive's own build, never the machine's candidate (which may be another vendor's Node).
    version=$(apt-cache madison nodejs | awk -F'|' '$2 ~ /dfsg/ && $3 ~ /debian\.org/ { gsub(/ /, "", $2); print $2; exit }')
    if [ -z "$version" ]; then
      say "apt-cache knows no Debian nodejs build; run: apt-get update"
      exit 1
    fi
    libversion=$(apt-cache madison libnode108 | awk -F'|' -v v="$version" '{ gsub(/ /, "", $2) } $2 == v { print $2; exit }')
    cd "$dir"
    rm -f ./*.deb
    # shellcheck disable=SC2086
    set -- $(echo "$DEBIAN_NODE_PACKAGES" | sed "s/\bnodejs\b/nodejs=$version/; s/\blibnode108\b/libnode108=${libversion:-$version}/")
    apt-get download -q "$@" >/dev/null 2>&1 || { say "apt-get download $* failed"; exit 1; }
    echo "$version"
    exit 0
    ;;
  '') ;;
  *)
    say "unknown option $1 (use --list or --debian-node DIR)"
    exit 2
    ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "this machine has no dpkg/apt-get. The tests need these Debian packages (or their equivalents):"
  say "  $PACKAGES"
  exit 1
fi

missing=""
for p in $PACKAGES; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing="$missing $p"
done
missing="${missing# }"
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" != 0 ]; then
  say "missing Debian packages: $missing"
  say "install them, then run this command again:"
  say "  sudo apt-get update && sudo $line"
  exit 1
fi
say "installing missing Debian packages: $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
