#!/bin/sh
# Compare the output of two tweet-enricher binaries on the real samples and
# generated bench inputs, every local enricher, -k, with and without
# --split /data. Prints one line per case and "same: N of N".
# A restructure must leave every byte alone: run it with the binary before
# and after (e.g. a build of main in another worktree, and ./src/...).
# Needs unshare(1) (util-linux): nothing can leave the machine.
[ $# -eq 2 ] || { echo "usage: $0 OLD-BINARY NEW-BINARY" >&2; exit 2; }
old=$1; new=$2
top=$(cd "$(dirname "$0")/.." && pwd)
real=${REALDATA:-$top/../shared/realdata}
d=$(mktemp -d); n=0; ok=0
[ -f /tmp/same-bench-v11.jsonl ] || python3 $top/bench/gen-v11.py 3000 > /tmp/same-bench-v11.jsonl 2>/dev/null || true
[ -f /tmp/same-bench.jsonl ] || python3 $top/bench/gen-tweets.py 3000 500 2 > /tmp/same-bench.jsonl 2>/dev/null || true
E="-e test -e length -e sha256 -e sha256:rounds=3,as=s3 -e type -e entities -e entities:source=data,as=ed -e length:count=twitter,as=tl -e unshorten:hosts=none.invalid -e sleep:ms=0"
for f in "$real"/*.jsonl /tmp/same-bench-v11.jsonl /tmp/same-bench.jsonl; do
	for extra in "" "--split /data"; do
		n=$((n+1))
		unshare -n sh -c "ip link set lo up; $old -q -k $extra $E '$f' > $d/old.out 2> $d/old.err; echo \$? > $d/old.rc; $new -q -k $extra $E '$f' > $d/new.out 2> $d/new.err; echo \$? > $d/new.rc"
		if cmp -s $d/old.out $d/new.out && cmp -s $d/old.rc $d/new.rc && cmp -s $d/old.err $d/new.err; then
			ok=$((ok+1)); echo "same  $(basename $f) $extra ($(wc -l < $d/new.out) lines)"
		else
			echo "DIFF  $(basename $f) $extra"; diff $d/old.err $d/new.err | head -5; cmp $d/old.out $d/new.out | head -2
		fi
	done
done
echo "same: $ok of $n"
rm -rf "$d"
