package io.cmdop.terminal;

/**
 * Rough sizes of objects on a 64-bit JVM with compressed references, for the memory a terminal
 * reports ({@link VirtualTerminal#memoryBytes}): what it holds, not what a heap dump would count.
 */
final class MemorySize {
    /** An object's header and a few fields. */
    static final long OBJECT = 32;

    private MemorySize() {
    }

    /** An array of {@code length} elements of {@code elementBytes} each: header, elements, padding to 8. */
    static long array(int length, int elementBytes) {
        return 16 + ((long) length * elementBytes + 7 & ~7L);
    }
}
