package io.cmdop.client;

import io.cmdop.protocol.v1.Reason;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.net.Socket;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust on first use, as ssh's known_hosts: a relay's certificate is accepted when the SHA-256
 * fingerprint of its leaf certificate is the pinned one ({@code SHA256:} and unpadded base64).
 * A user-supplied certificate from a CA is pinned the same way. Being an extended trust manager, it
 * replaces the host-name check too: the pin alone authenticates the relay.
 */
public final class CertificatePin extends X509ExtendedTrustManager {
    private final String expected;
    private volatile String presented;

    public CertificatePin(String fingerprint) {
        this.expected = normalize(fingerprint);
    }

    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint the certificate", e);
        }
    }

    static String normalize(String fingerprint) {
        String f = fingerprint.trim();
        if (!f.startsWith("SHA256:") || f.length() != "SHA256:".length() + 43) {
            throw new CmdopException(Reason.REASON_INVALID_ARGUMENT,
                    "a fingerprint looks like SHA256: followed by 43 base64 characters, got '" + f + "'");
        }
        return f;
    }

    /** The fingerprint the relay presented in the last handshake (for messages and first use). */
    public String presented() {
        return presented;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the relay presented no certificate");
        }
        presented = fingerprint(chain[0]);
        if (!MessageDigest.isEqual(presented.getBytes(), expected.getBytes())) {
            throw new CertificateException("the relay's certificate changed: expected " + expected + ", got "
                    + presented + " (if the relay's certificate was replaced on purpose, log in again with --fingerprint)");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
