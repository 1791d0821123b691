#!/usr/bin/env bash
# Builds target/classes/dev/vigil/bpf/vigil.bpf.o from bpf/*.bpf.c (called by Maven).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../target/classes/dev/vigil/bpf}
mkdir -p "$out"
vmlinux=$here/include/vmlinux.h
if [ ! -s "$vmlinux" ]; then
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$vmlinux.tmp"
  mv "$vmlinux.tmp" "$vmlinux"
fi
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wno-unused-function \
  -I"$here/include" -I"$here" -c "$here/vigil.bpf.c" -o "$out/vigil.bpf.o"
