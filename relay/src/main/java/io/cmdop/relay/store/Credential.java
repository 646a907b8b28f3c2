package io.cmdop.relay.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The secrets the relay issues: {@code <prefix><id>_<secret>}, where the id lets the store find
 * the row and the secret is 256 random bits. Both parts are lower-case base32, so the kinds
 * cannot be mistaken for one another and a malformed secret is recognised without a lookup. The
 * store keeps only the SHA-256 of the whole string and compares hashes in constant time.
 */
enum Credential {
    API_KEY("cmdop_"),
    JOIN_KEY("cmdop_enroll_"),
    MACHINE("cmdop_machine_"),
    SHARE_LINK("cmdop_share_");

    static final int ID_LENGTH = 16;
    static final int SECRET_LENGTH = 52;
    private static final int ID_BYTES = 10;
    private static final int SECRET_BYTES = 32;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String prefix;

    Credential(String prefix) {
        this.prefix = prefix;
    }

    /** A new random id: 80 bits, 16 characters of lower-case base32. Also used for rows without a secret. */
    static String newId() {
        return base32(random(ID_BYTES));
    }

    /** A new secret of this kind for the row {@code id}. */
    String issue(String id) {
        if (!wellFormedPart(id, ID_LENGTH)) {
            throw new IllegalArgumentException("not an id: " + id);
        }
        return prefix + id + "_" + base32(random(SECRET_BYTES));
    }

    /** The id inside {@code presented} when it is well formed for this kind; empty otherwise. */
    Optional<String> idOf(String presented) {
        if (presented == null
                || presented.length() != prefix.length() + ID_LENGTH + 1 + SECRET_LENGTH
                || !presented.startsWith(prefix)) {
            return Optional.empty();
        }
        String id = presented.substring(prefix.length(), prefix.length() + ID_LENGTH);
        String separator = presented.substring(prefix.length() + ID_LENGTH, prefix.length() + ID_LENGTH + 1);
        String secret = presented.substring(prefix.length() + ID_LENGTH + 1);
        if (!wellFormedPart(id, ID_LENGTH) || !separator.equals("_") || !wellFormedPart(secret, SECRET_LENGTH)) {
            return Optional.empty();
        }
        return Optional.of(id);
    }

    /** The hash the store keeps for {@code secret}: SHA-256 of its UTF-8 bytes, in hex. */
    static String hash(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /** Whether {@code presented} hashes to {@code storedHash}, compared in constant time. */
    static boolean matches(String presented, String storedHash) {
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(storedHash);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(sha256(presented), expected);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private static boolean wellFormedPart(String part, int length) {
        if (part == null || part.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = part.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
                return false;
            }
        }
        return true;
    }

    private static byte[] random(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET.charAt((buffer >>> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }
}
