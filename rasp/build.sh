#!/usr/bin/env bash
# Builds the RASP that Vigil injects into JVMs (called by Maven): target/rasp/ holds
#   vigil-rasp-agent.jar  the Agent-Class the JVM loads on attach (the application's class path sees it)
#   vigil-rasp-boot.jar   the hook dispatcher, appended to the bootstrap path
#   vigil-rasp-core.jar   the rest, with asm.jar beside it, in a class loader of its own
# The agent and the dispatcher are Java 8 bytecode, so that any JVM can load them and say why it is
# not attached; the core is Java 16's, the first with unix-domain sockets, which it speaks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "${1:?target directory}"
out=$(cd "$1" && pwd)
asm=${2:?the ASM jar}
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac --release 8 -Xlint:-options -nowarn -encoding UTF-8 -d "$classes" $(find "$here/src/dev/vigil/inject/agent" "$here/src/dev/vigil/inject/boot" -name '*.java')
javac --release 16 -encoding UTF-8 -cp "$asm:$classes" -d "$classes" $(find "$here/src/dev/vigil/inject/core" -name '*.java')
cat > "$classes/manifest.txt" <<MF
Agent-Class: dev.vigil.inject.agent.AgentMain
Can-Retransform-Classes: true
Can-Redefine-Classes: false
MF
(cd "$classes" && jar --create --file "$out/vigil-rasp-agent.jar" --manifest manifest.txt dev/vigil/inject/agent)
(cd "$classes" && jar --create --file "$out/vigil-rasp-boot.jar" dev/vigil/inject/boot)
(cd "$classes" && jar --create --file "$out/vigil-rasp-core.jar" dev/vigil/inject/core)
cp "$asm" "$out/asm.jar"
