package io.cmdop.terminal;

/**
 * Rough sizes of objects on a 64-bit JVM with compressed references, for the memory a terminal
 * reports ({@link VirtualTerminal#memoryBytes}): what it holds, not what a heap dump would count.
 */
final class MemorySize {
    private MemorySize() {
    }

    /** An object with {@code fieldBytes} of fields: its header, the fields, padding to 8. */
    static long object(int fieldBytes) {
        return 12 + fieldBytes + 7 & ~7L;
    }

    /** An array of {@code length} elements of {@code elementBytes} each: header, elements, padding to 8. */
    static long array(int length, int elementBytes) {
        return 16 + ((long) length * elementBytes + 7 & ~7L);
    }
}
