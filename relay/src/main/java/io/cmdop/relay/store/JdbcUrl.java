package io.cmdop.relay.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A JDBC URL the relay accepts, split into what to connect with and what may be shown.
 *
 * <p>Accepted forms:
 * <ul>
 *   <li>{@code jdbc:h2:file:/path/to/relay} (and the other H2 forms, e.g. {@code jdbc:h2:mem:name}):
 *       the embedded database. {@code DB_CLOSE_ON_EXIT=FALSE} and {@code LOCK_TIMEOUT=10000} are
 *       added unless the URL sets them.</li>
 *   <li>{@code jdbc:postgresql://host[:port]/database[?user=…&password=…&…]}: PostgreSQL.</li>
 *   <li>{@code jdbc:postgresql://user[:password]@host[:port]/database[?…]}: the same, with the
 *       credentials as user information (percent-encoded), which the driver itself does not take.</li>
 * </ul>
 */
final class JdbcUrl {
    enum Vendor { H2, POSTGRESQL }

    private static final String H2_PREFIX = "jdbc:h2:";
    private static final String POSTGRESQL_PREFIX = "jdbc:postgresql:";

    private final Vendor vendor;
    private final String connectUrl;
    private final String redacted;
    private final Optional<String> user;
    private final Optional<String> password;

    private JdbcUrl(Vendor vendor, String connectUrl, String redacted, Optional<String> user, Optional<String> password) {
        this.vendor = vendor;
        this.connectUrl = connectUrl;
        this.redacted = redacted;
        this.user = user;
        this.password = password;
    }

    /** The URL of the embedded database under a cmdop home: {@code <home>/relay/relay.mv.db}. */
    static String embedded(Path cmdopHome) {
        return H2_PREFIX + "file:" + cmdopHome.toAbsolutePath().normalize().resolve("relay").resolve("relay");
    }

    /**
     * Parses {@code url}.
     *
     * @throws IllegalArgumentException naming the accepted forms when it is none of them; the
     *     message shows the URL without its password
     */
    static JdbcUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no database URL given (expected jdbc:h2:file:PATH or jdbc:postgresql://HOST:PORT/DATABASE)");
        }
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith(H2_PREFIX)) {
            String connect = url;
            if (!hasSetting(lower, "db_close_on_exit")) {
                connect += ";DB_CLOSE_ON_EXIT=FALSE";
            }
            if (!hasSetting(lower, "lock_timeout")) {
                connect += ";LOCK_TIMEOUT=10000";
            }
            return new JdbcUrl(Vendor.H2, connect, redact(url), Optional.empty(), Optional.empty());
        }
        if (lower.startsWith(POSTGRESQL_PREFIX + "//")) {
            int authorityStart = POSTGRESQL_PREFIX.length() + 2;
            int at = userInfoEnd(url, authorityStart);
            if (at < 0) {
                return new JdbcUrl(Vendor.POSTGRESQL, url, redact(url), Optional.empty(), Optional.empty());
            }
            String userInfo = url.substring(authorityStart, at);
            int colon = userInfo.indexOf(':');
            Optional<String> user = Optional.of(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)))
                    .filter(u -> !u.isEmpty());
            Optional<String> password = colon < 0 ? Optional.empty() : Optional.of(decode(userInfo.substring(colon + 1)));
            String connect = url.substring(0, authorityStart) + url.substring(at + 1);
            return new JdbcUrl(Vendor.POSTGRESQL, connect, redact(url), user, password);
        }
        throw new IllegalArgumentException("unsupported database URL " + redact(url)
                + " (expected jdbc:h2:file:PATH or jdbc:postgresql://HOST:PORT/DATABASE)");
    }

    Vendor vendor() {
        return vendor;
    }

    /** The URL handed to the driver; it may still hold a password parameter. Never show it. */
    String connectUrl() {
        return connectUrl;
    }

    /** The URL as given, without any password: safe for messages and logs. */
    String redacted() {
        return redacted;
    }

    /** A user name given as user information in the URL. */
    Optional<String> user() {
        return user;
    }

    /** A password given as user information in the URL. */
    Optional<String> password() {
        return password;
    }

    @Override
    public String toString() {
        return redacted;
    }

    /**
     * {@code url} without its secrets: user information keeps only the user name, and every
     * parameter or setting whose name contains "password" (or is "pwd") is removed, whether it
     * follows {@code ?}, {@code &} or {@code ;}.
     */
    static String redact(String url) {
        if (url == null) {
            return "";
        }
        String text = url;
        int scheme = text.indexOf("://");
        if (scheme >= 0) {
            int authorityStart = scheme + 3;
            int at = userInfoEnd(text, authorityStart);
            if (at >= 0) {
                String userInfo = text.substring(authorityStart, at);
                int colon = userInfo.indexOf(':');
                String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
                text = text.substring(0, authorityStart) + (user.isEmpty() ? "" : user + "@") + text.substring(at + 1);
            }
        }
        int first = indexOfAny(text, 0);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.substring(0, first));
        List<String> query = new ArrayList<>();
        List<String> settings = new ArrayList<>();
        boolean droppingPassword = false;
        int start = first;
        while (start < text.length()) {
            int end = indexOfAny(text, start + 1);
            if (end < 0) {
                end = text.length();
            }
            char separator = text.charAt(start);
            String part = text.substring(start + 1, end);
            int equals = part.indexOf('=');
            if (equals < 0 && droppingPassword) {
                // A password holding a raw separator: the rest of it is still the password.
            } else {
                droppingPassword = equals >= 0 && isPasswordKey(part.substring(0, equals));
                if (!droppingPassword && !part.isEmpty()) {
                    (separator == ';' ? settings : query).add(part);
                }
            }
            start = end;
        }
        if (!query.isEmpty()) {
            out.append('?').append(String.join("&", query));
        }
        for (String setting : settings) {
            out.append(';').append(setting);
        }
        return out.toString();
    }

    /**
     * Every password this URL carries, as user information or as a parameter or setting, so that
     * a driver's message that happens to quote one can be scrubbed.
     */
    List<String> passwords() {
        List<String> found = new ArrayList<>();
        password.ifPresent(found::add);
        int start = indexOfAny(connectUrl, 0);
        while (start >= 0 && start < connectUrl.length()) {
            int end = indexOfAny(connectUrl, start + 1);
            String part = connectUrl.substring(start + 1, end < 0 ? connectUrl.length() : end);
            int equals = part.indexOf('=');
            if (equals >= 0 && isPasswordKey(part.substring(0, equals))) {
                String value = part.substring(equals + 1);
                found.add(value);
                found.add(decode(value));
            }
            start = end;
        }
        found.removeIf(String::isEmpty);
        return found;
    }

    /** {@code text} with every occurrence of each of {@code secrets} replaced, for driver messages. */
    static String scrub(String text, List<String> secrets) {
        if (text == null) {
            return "";
        }
        String scrubbed = text;
        for (String secret : secrets) {
            if (!secret.isEmpty()) {
                scrubbed = scrubbed.replace(secret, "(hidden)");
            }
        }
        return scrubbed;
    }

    private static boolean isPasswordKey(String key) {
        String k = key.strip().toLowerCase(Locale.ROOT);
        return k.contains("password") || k.equals("pwd");
    }

    private static boolean hasSetting(String lowerUrl, String name) {
        return lowerUrl.contains(";" + name + "=");
    }

    /** The index of the '@' ending user information after {@code authorityStart}, or -1. */
    private static int userInfoEnd(String url, int authorityStart) {
        int queryStart = url.indexOf('?', authorityStart);
        String authorityAndPath = queryStart < 0 ? url.substring(authorityStart) : url.substring(authorityStart, queryStart);
        int at = authorityAndPath.lastIndexOf('@');
        return at < 0 ? -1 : authorityStart + at;
    }

    private static int indexOfAny(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '?' || c == '&' || c == ';') {
                return i;
            }
        }
        return -1;
    }

    private static String decode(String part) {
        try {
            return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return part;
        }
    }
}
