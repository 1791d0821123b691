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
# The one place the architecture is chosen: libbpf's PT_REGS_* macros read syscall arguments by it.
case "$(uname -m)" in
  x86_64) arch=x86 ;;
  aarch64) arch=arm64 ;;
  *) echo "bpf/build.sh: unsupported architecture $(uname -m) (x86_64 and aarch64 are built)" >&2; exit 1 ;;
esac
clang -g -O2 -target bpf -D__TARGET_ARCH_$arch -Wall -Wno-unused-function \
  -I"$here/include" -I"$here" -c "$here/vigil.bpf.c" -o "$out/vigil.bpf.o"
clang -g -O2 -target bpf -D__TARGET_ARCH_$arch -Wall -Wno-unused-function \
  -I"$here/include" -I"$here" -c "$here/integrity.bpf.c" -o "$out/integrity.bpf.o"
