package io.cmdop.relay;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The relay's TLS identity: a self-signed certificate made by {@code relay init} (kept in the
 * relay's home as PKCS#12, readable by its user only), or a user-supplied PEM certificate and key.
 * Clients pin its SHA-256 fingerprint.
 */
public final class RelayTls {
    /** The keystore is protected by the file's permissions; this password only satisfies the format. */
    static final char[] STORE_PASSWORD = "cmdop-relay".toCharArray();
    static final String ALIAS = "relay";

    private final KeyStore keyStore;
    private final X509Certificate certificate;

    private RelayTls(KeyStore keyStore, X509Certificate certificate) {
        this.keyStore = keyStore;
        this.certificate = certificate;
    }

    KeyStore keyStore() {
        return keyStore;
    }

    /** The fingerprint clients pin: SHA256: and unpadded base64 of the certificate's DER. */
    public String fingerprint() {
        return io.cmdop.client.CertificatePin.fingerprint(certificate);
    }

    /** Makes a self-signed certificate for the given host names and writes it to {@code file}. */
    public static RelayTls createSelfSigned(Path file, List<String> hostNames) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=cmdop relay");
            Instant now = Instant.now();
            List<GeneralName> names = new ArrayList<>();
            for (String host : hostNames) {
                names.add(host.matches("[0-9.:]+") ? new GeneralName(GeneralName.iPAddress, host)
                        : new GeneralName(GeneralName.dNSName, host));
            }
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(3650))), subject, pair.getPublic());
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            KeyStore store = keyStore(pair.getPrivate(), new Certificate[] {cert});
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                store.store(out, STORE_PASSWORD);
            }
            return new RelayTls(store, cert);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create the relay's certificate: " + e.getMessage(), e);
        }
    }

    /** The certificate {@code relay init} made. */
    public static RelayTls load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, STORE_PASSWORD);
            return new RelayTls(store, (X509Certificate) store.getCertificate(ALIAS));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a usable keystore: " + e.getMessage(), e);
        }
    }

    /** A user-supplied certificate chain and private key, both PEM. */
    public static RelayTls fromPem(Path certificateFile, Path keyFile) throws IOException {
        try {
            List<Certificate> chain = new ArrayList<>();
            try (Reader in = Files.newBufferedReader(certificateFile); PEMParser pem = new PEMParser(in)) {
                Object o;
                while ((o = pem.readObject()) != null) {
                    if (o instanceof X509CertificateHolder holder) {
                        chain.add(new JcaX509CertificateConverter().getCertificate(holder));
                    }
                }
            }
            if (chain.isEmpty()) {
                throw new IOException(certificateFile + ": no PEM certificate in it");
            }
            PrivateKey key;
            try (Reader in = Files.newBufferedReader(keyFile); PEMParser pem = new PEMParser(in)) {
                Object o = pem.readObject();
                JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
                key = switch (o) {
                    case PEMKeyPair pair -> converter.getKeyPair(pair).getPrivate();
                    case PrivateKeyInfo info -> converter.getPrivateKey(info);
                    case null, default -> throw new IOException(keyFile + ": no unencrypted PEM private key in it");
                };
            }
            return new RelayTls(keyStore(key, chain.toArray(Certificate[]::new)), (X509Certificate) chain.getFirst());
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the certificate " + certificateFile + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore keyStore(PrivateKey key, Certificate[] chain) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(ALIAS, key, STORE_PASSWORD, chain);
        return store;
    }
}
