#!/usr/bin/env bash
# Strimzi's model classes from Maven Central (tools/k8s/strimzi/pom.xml) and our checker compiled against them,
# in .cache/strimzi/: the offline check of deploy/k8s's Strimzi resources in `make test`.
# Usage: tools/k8s/strimzi/build.sh <repo root>
set -euo pipefail
root=$(cd "${1:-.}" && pwd)
here="$root/tools/k8s/strimzi"
out="$root/.cache/strimzi"
echo "strimzi: the api jar of Strimzi $(sed -n 's:.*<strimzi.version>\(.*\)</strimzi.version>.*:\1:p' "$here/pom.xml") and its class path (Maven Central)"
mkdir -p "$out/classes"
mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$root/.cache/m2" -f "$here/pom.xml" \
  dependency:build-classpath -Dmdep.outputFile="$out/classpath.absolute"
javac -d "$out/classes" -cp "$(cat "$out/classpath.absolute")" "$here/StrimziCheck.java"
# the class path kept relative to .cache/, so a moved or re-cloned checkout sharing the cache still finds the jars
sed "s#$root/.cache/##g" "$out/classpath.absolute" > "$out/classpath.txt"
rm "$out/classpath.absolute"
echo "strimzi: built $out/classes/StrimziCheck.class"
