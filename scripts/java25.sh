# Sourced by ./cmdop and ./test: exports JAVA_HOME pointing at a Java 25, or fails with a clear message.
# Every command runs this first, so it starts no process when the first candidate is a Java 25.
cmdop_java_major() {
  # Sets cmdop_major. The JDK's release file says it without starting a JVM (50 ms on every
  # command); ask the JVM if it has none.
  local line
  cmdop_major=""
  if [ -r "$1/release" ]; then
    while IFS= read -r line; do
      case "$line" in
        JAVA_VERSION=\"*) line="${line#JAVA_VERSION=\"}"; cmdop_major="${line%%[!0-9]*}"; return 0 ;;
      esac
    done < "$1/release"
  else
    cmdop_major="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  fi
}
cmdop_is_java25() {
  local candidate="${1%/}"
  [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || return 1
  cmdop_java_major "$candidate"
  [ "$cmdop_major" = "25" ] && JAVA_HOME="$candidate"
}
cmdop_find_java25() {
  local candidate
  for candidate in "${CMDOP_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*-25* /usr/lib/jvm/*25*/; do
    cmdop_is_java25 "$candidate" && return 0
  done
  # Last, the JDK of the `java` on the PATH: resolving it takes a few processes.
  candidate="$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")"
  cmdop_is_java25 "$(dirname "$(dirname "$candidate")")"
}
if ! cmdop_find_java25; then
  echo "cmdop needs a Java 25 JDK and found none." >&2
  echo "Install one (for example Temurin 25) and point CMDOP_JAVA_HOME or JAVA_HOME at it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
