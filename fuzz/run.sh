#!/bin/sh
# Build the libFuzzer targets with clang (ASan + UBSan) and run each for a
# bounded time on its seed corpus. A crash leaves crash-* in fuzz/out/ and
# fails the run; add it to fuzz/corpus/TARGET/ and a test once fixed.
#
# usage: fuzz/run.sh [SECONDS per target, default 60] [TARGET...]
# Needs: apt-get install -y clang libclang-rt-14-dev (or the clang version's).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"frame spec config template validate response fetch scan twtext split merge rediscache"}
out=$top/fuzz/out
mkdir -p "$out"
CC=${CC:-clang}
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
cflags="-include $top/config.h -I$top/src -I$top/include $(pkg-config --cflags jansson libcurl libevent libcrypto libssl libnghttp2 libutf8proc lmdb hiredis zlib sqlite3)"
libs="$(pkg-config --libs jansson libcurl libevent libcrypto libssl libnghttp2 libutf8proc lmdb hiredis zlib sqlite3) -lpthread -lm"
[ -f "$top/config.h" ] || { echo "fuzz: run ./configure first" >&2; exit 1; }
for t in $targets; do
	bin=$out/fuzz_$t
	# Sources a target includes itself (#include "../enrichers/X.c") are
	# left out of its link.
	own=$(sed -n 's|^#include "\.\./\(.*\.c\)"$|\1|p' "$top/fuzz/fuzz_$t.c")
	srcs=""
	for f in "$top"/src/*.c "$top"/src/*/*.c "$top"/enrichers/*.c; do
		case "$f" in */main.c) continue ;; esac
		for o in $own; do
			[ "$f" = "$top/$o" ] && continue 2
		done
		srcs="$srcs $f"
	done
	echo "fuzz: building $t"
	# shellcheck disable=SC2086
	$CC $flags $cflags -o "$bin" "$top/fuzz/fuzz_$t.c" $srcs $libs
	mkdir -p "$out/corpus_$t"
	echo "fuzz: running $t for ${secs}s"
	(cd "$out" && "$bin" -max_total_time="$secs" -max_len=4096 \
	    -print_final_stats=1 "$out/corpus_$t" "$top/fuzz/corpus/$t") \
	    > "$out/$t.log" 2>&1 || { tail -40 "$out/$t.log"; exit 1; }
	grep -E "stat::number_of_executed_units|Done" "$out/$t.log" | tail -2
done
echo "fuzz: no crashes"
