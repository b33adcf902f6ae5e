#!/bin/sh
# Set up a fresh clone: install the Debian build packages if missing (as
# root; otherwise print the apt-get line), then generate ./configure.
set -e
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool pkg-config \
libevent-dev libcurl4-openssl-dev libjansson-dev libssl-dev libnghttp2-dev libutf8proc-dev check liblmdb-dev \
libhiredis-dev redis-server zlib1g-dev libsqlite3-dev mandoc python3 openssl nginx-light"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $PACKAGES; do
		s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$s" in
		*" installed") ;;
		*) missing="$missing $p" ;;
		esac
	done
fi
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "autogen.sh: installing$missing"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
	else
		echo "autogen.sh: missing packages; run as root:" >&2
		echo "  apt-get install -y$missing" >&2
		exit 1
	fi
fi
mkdir -p m4
autoreconf -fi
