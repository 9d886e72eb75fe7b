#!/bin/sh
# Exhaustive spin checks of kernel/events/tests/spin/perf_rb.pml, printed as KTAP.
# The correct model must verify with no error in normal and overwrite
# mode; each broken variant must be rejected with the assertion that
# guards the property it breaks (so the model is shown able to fail).
# Runs in a temporary directory so no pan* files are left behind.
set -u
here=$(cd "$(dirname "$0")" && pwd)
model="$here/perf_rb.pml"
work=$(mktemp -d "${TMPDIR:-/tmp}/perf_rb_spin.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

n=0
failed=0
echo "KTAP version 1"
echo "1..5"

# check NAME EXPECT DEFINES...: EXPECT is "pass" or a string that must
# appear in pan's "assertion violated" line.
check() {
	name=$1 expect=$2
	shift 2
	n=$((n + 1))
	rm -f "$work"/pan* "$work"/*.trail
	if ! (cd "$work" && spin "$@" -a "$model" > spin.log 2>&1 &&
	      gcc -O1 -DSAFETY -o pan pan.c > cc.log 2>&1); then
		echo "# $name: spin or gcc failed:"
		sed 's/^/# /' "$work/spin.log" "$work/cc.log" 2>/dev/null | tail -20
		echo "not ok $n $name"
		failed=$((failed + 1))
		return
	fi
	(cd "$work" && ./pan -m1000000 > pan.out 2>&1)
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$work/pan.out")
	states=$(sed -n 's/^ *\([0-9e.+]*\) states, stored.*/\1/p' "$work/pan.out")
	violated=$(grep -m1 'assertion violated' "$work/pan.out")
	echo "# $name ($*): errors ${errors:-?}, ${states:-?} states${violated:+, $violated}"
	ok=0
	if grep -q 'depth too small' "$work/pan.out"; then
		echo "# search depth too small: not exhaustive"
	elif [ "$expect" = pass ]; then
		[ "$errors" = 0 ] && ok=1
	else
		[ "${errors:-0}" != 0 ] && ls "$work"/*.trail > /dev/null 2>&1 &&
			echo "$violated" | grep -qF "$expect" && ok=1
	fi
	if [ $ok = 1 ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		failed=$((failed + 1))
	fi
}

check spin_normal_mode pass
check spin_overwrite_mode pass -DOVERWRITE
check spin_rejects_pre2019_order 'dh>=last' -DOLD_ORDER
check spin_rejects_nested_publish 'rec_first' -DNESTED_PUBLISHES
check spin_rejects_missing_space_check '!(unread' -DNO_SPACE_CHECK

[ $failed = 0 ]
