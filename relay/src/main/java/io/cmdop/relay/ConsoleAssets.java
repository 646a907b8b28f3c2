package io.cmdop.relay;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The web console's page and assets, from the classpath (the web module's build output). Every
 * answer carries a strict Content-Security-Policy: scripts only from this relay, no inline script,
 * no eval, connections only back to this relay, no framing. Styles admit this response's nonce,
 * which the console gives the style elements its terminal creates.
 */
final class ConsoleAssets extends HttpServlet {
    static final String ROOT = "io/cmdop/web/console/";
    private static final Pattern ASSET = Pattern.compile("/assets/([A-Za-z0-9_-][A-Za-z0-9._-]{0,99})");
    private static final Map<String, String> TYPES = Map.of("js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "map", "application/json", "svg", "image/svg+xml",
            "png", "image/png", "ico", "image/x-icon", "json", "application/json");
    private static final SecureRandom RANDOM = new SecureRandom();

    static String policy(String nonce) {
        return "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-" + nonce + "'; img-src 'self' data:;"
                + " font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none';"
                + " frame-ancestors 'none'";
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getRequestURI();
        String nonce = Base64.getEncoder().encodeToString(nonceBytes());
        response.setHeader("Content-Security-Policy", policy(nonce));
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        if (path.equals("/") || path.equals("/share")) {
            byte[] page = resource("index.html");
            if (page == null) {
                response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "the console is not built into this relay");
                return;
            }
            response.setHeader("Cache-Control", "no-store");
            response.setContentType("text/html; charset=utf-8");
            response.getOutputStream().write(new String(page, StandardCharsets.UTF_8)
                    .replace("{{nonce}}", nonce).getBytes(StandardCharsets.UTF_8));
            return;
        }
        var asset = ASSET.matcher(path);
        byte[] body = asset.matches() ? resource(asset.group(1)) : null;
        String type = asset.matches() ? TYPES.get(extension(asset.group(1))) : null;
        if (body == null || type == null) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setHeader("Cache-Control", "no-cache");
        response.setContentType(type);
        response.getOutputStream().write(body);
    }

    private static byte[] nonceBytes() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(ROOT + name)) {
            return in == null ? null : in.readAllBytes();
        }
    }
}
