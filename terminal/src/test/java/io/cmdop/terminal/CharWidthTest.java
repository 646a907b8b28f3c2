package io.cmdop.terminal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The width table against this machine's glibc {@code wcwidth}, which is what tmux uses for every character
 * (Debian's tmux is built without utf8proc): if they disagree, text lays out differently for a client.
 */
class CharWidthTest {
    private static final int LC_CTYPE = 0; // glibc's value

    @Test
    @SuppressWarnings("restricted") // calling into libc is the point of this test
    void everyCodePointHasTheWidthGlibcGivesIt() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle setlocale = linker.downcallHandle(linker.defaultLookup().find("setlocale").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
        MethodHandle wcwidth = linker.downcallHandle(linker.defaultLookup().find("wcwidth").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        List<String> mismatches = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment previous = (MemorySegment) setlocale.invokeExact(LC_CTYPE, MemorySegment.NULL);
            String previousName = previous.reinterpret(256).getString(0);
            MemorySegment set = (MemorySegment) setlocale.invokeExact(LC_CTYPE, arena.allocateFrom("C.UTF-8"));
            assertThat(set.address()).as("the C.UTF-8 locale must exist").isNotZero();
            try {
                for (int cp = 0xA0; cp <= 0x10FFFF; cp++) {
                    if (cp >= 0xD800 && cp <= 0xDFFF) {
                        continue;
                    }
                    int glibc = (int) wcwidth.invokeExact(cp);
                    int expected = glibc < 0 ? 1 : glibc; // tmux treats "non-printable" as one cell
                    if (CharWidth.of(cp) != expected && mismatches.size() < 20) {
                        mismatches.add(String.format("U+%04X: table %d, glibc %d", cp, CharWidth.of(cp), glibc));
                    }
                }
            } finally {
                MemorySegment ignored = (MemorySegment) setlocale.invokeExact(LC_CTYPE, arena.allocateFrom(previousName));
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void commonCharacters() {
        assertThat(CharWidth.of('a')).isEqualTo(1);
        assertThat(CharWidth.of('中')).isEqualTo(2);
        assertThat(CharWidth.of(0x1F600)).as("emoji").isEqualTo(2);
        assertThat(CharWidth.of(0x0301)).as("combining acute").isZero();
        assertThat(CharWidth.of(0xFE0F)).as("variation selector").isZero();
        assertThat(CharWidth.of(0x2500)).as("box drawing").isEqualTo(1);
    }
}
