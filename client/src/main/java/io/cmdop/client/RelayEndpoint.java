package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where a relay listens: {@code https://host:port}, or {@code http://127.0.0.1:port} for plaintext,
 * which is accepted on loopback addresses only.
 */
public record RelayEndpoint(String host, int port, boolean tls) {
    public static final int DEFAULT_PORT = 8443;

    public static RelayEndpoint parse(String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw invalid(url, "not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw invalid(url, "use https://HOST:PORT (or http:// on loopback)");
        }
        if (uri.getHost() == null) {
            throw invalid(url, "no host");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : DEFAULT_PORT;
        RelayEndpoint endpoint = new RelayEndpoint(uri.getHost(), port, scheme.equals("https"));
        if (!endpoint.tls() && !endpoint.loopback()) {
            throw invalid(url, "plaintext is only allowed on loopback; use https://");
        }
        return endpoint;
    }

    public boolean loopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The URL form, as users type it. */
    public String url() {
        return (tls ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static CmdopException invalid(String url, String why) {
        return new CmdopException(Reason.REASON_INVALID_ARGUMENT, "invalid relay address '" + url + "': " + why);
    }
}
