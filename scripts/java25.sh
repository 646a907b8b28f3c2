# Sourced by ./cmdop and ./test: exports JAVA_HOME pointing at a Java 25, or fails with a clear message.
cmdop_java_major() {
  # The JDK's release file says it without starting a JVM (50 ms on every command); ask the JVM if it has none.
  if [ -r "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
  fi
}
cmdop_find_java25() {
  local candidate
  for candidate in "${CMDOP_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*-25* /usr/lib/jvm/*25*/ \
                   "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    candidate="${candidate%/}"
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(cmdop_java_major "$candidate")" = "25" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}
if ! JAVA_HOME="$(cmdop_find_java25)"; then
  echo "cmdop needs a Java 25 JDK and found none." >&2
  echo "Install one (for example Temurin 25) and point CMDOP_JAVA_HOME or JAVA_HOME at it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
