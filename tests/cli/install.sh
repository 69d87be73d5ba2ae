#!/usr/bin/env bash
# install.sh BUILD CC [SANITIZE_FLAGS] - `cmake --install BUILD` into a
# temporary prefix, then a program outside the tree, compiled and linked
# with nothing but `pkg-config --cflags --libs mmsim` (the shared library,
# found by its SONAME), makes a machine, stores and loads a byte and reads
# its version; the man page's /usr/share/doc/mmsim files are installed.
set -euo pipefail
BUILD=$1
CC=$2
SAN=${3:-}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$BUILD" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "cmake --install"; }
pc=$(find "$prefix" -name mmsim.pc | head -n 1)
[ -n "$pc" ] || fail "no mmsim.pc installed"
export PKG_CONFIG_PATH=${pc%/mmsim.pc}
libdir=$(pkg-config --variable=libdir mmsim)
[ "$(cd "$libdir" && pwd -P)" = "$(cd "${pc%/pkgconfig/mmsim.pc}" && pwd -P)" ] ||
	fail "the .pc's libdir $libdir is not where it was installed"
soname=$(find "$libdir" -name 'libmmsim.so.*' | head -n 1)
[ -n "$soname" ] || fail "no versioned shared library in $libdir"
[ -f "$prefix/share/doc/mmsim/README.md" ] && [ -f "$prefix/share/doc/mmsim/docs/design.md" ] ||
	fail "the docs are not in share/doc/mmsim"
[ -f "$prefix/share/man/man1/mmsim.1" ] || fail "no man page"

cat >"$tmp/user.c" <<'PROG'
#include <stdio.h>
#include <sys/mman.h>
#include <mmsim/mmsim.h>

int main(void)
{
	struct mmsim_config cfg;
	struct mmsim_task_attr attr;
	struct mmsim *m = NULL;
	struct mmsim_task *t = NULL;
	uint8_t v = 42, b = 0;
	uint64_t fa = 0;
	mmsim_config_default(&cfg);
	cfg.mem_per_node = 16ULL << 20;
	mmsim_task_attr_default(&attr);
	attr.name = "user";
	if (mmsim_create(&cfg, &m) || mmsim_task_create(m, &attr, &t))
		return 1;
	long a = mmsim_sys_mmap(t, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a < 0 || mmsim_store(t, (uint64_t)a, &v, 1, &fa) || mmsim_load8(t, (uint64_t)a, &b) ||
	    b != 42)
		return 1;
	printf("mmsim %s: %u\n", MMSIM_VERSION, b);
	mmsim_destroy(m);
	return 0;
}
PROG
# shellcheck disable=SC2046,SC2086
"$CC" $SAN "$tmp/user.c" $(pkg-config --cflags --libs mmsim) -o "$tmp/user" ||
	fail "the program does not build with pkg-config's flags"
# (ldd's output kept first: grep -q closing the pipe early would make a
# pipefail of ldd's SIGPIPE.)
libs=$(ldd "$tmp/user")
grep -q "libmmsim.so.[0-9]" <<<"$libs" || fail "not linked against the shared library: $libs"
out=$(LD_LIBRARY_PATH=$libdir "$tmp/user") || fail "the program failed"
case $out in
"mmsim "*": 42") ;;
*) fail "unexpected output: $out" ;;
esac
echo "install: ok ($out)"
