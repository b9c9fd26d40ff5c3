package org.outboxrelay.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Keys and certificates from PEM files, as {@code openssl} writes them: a private key in PKCS#8
 * ({@code -----BEGIN PRIVATE KEY-----}, unencrypted), certificates ({@code -----BEGIN CERTIFICATE-----}, a chain
 * leaf first). A file in another form is refused with the command that converts it.
 */
public final class PemFiles {

    private PemFiles() {
    }

    /** The DER of a PKCS#8 private key. */
    public static PKCS8EncodedKeySpec privateKeySpec(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")) {
            throw new GeneralSecurityException(file + " is not PKCS#8; convert it with: openssl pkcs8 -topk8 -nocrypt"
                    + " -in " + file + " -out " + file + ".pkcs8");
        }
        if (pem.contains("ENCRYPTED")) {
            throw new GeneralSecurityException(file + " is encrypted; the relay needs it without a passphrase"
                    + " (keep the file readable by the relay's user only)");
        }
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        return new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.substring(begin + 27, end)));
    }

    /** A private key of any of the usual algorithms (RSA, EC, Ed25519). */
    public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        PKCS8EncodedKeySpec spec = privateKeySpec(file);
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // another algorithm
            }
        }
        throw new GeneralSecurityException(file + " holds a private key of an algorithm the relay does not know");
    }

    /** The certificates of a PEM file, in order (a chain: the server's own first). */
    public static List<Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            List<Certificate> certs = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (certs.isEmpty()) {
                throw new GeneralSecurityException("no certificate found in " + file);
            }
            return certs;
        }
    }
}
