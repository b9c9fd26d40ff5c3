package org.outboxrelay.dkim;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;

import org.outboxrelay.security.PemFiles;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Locale;

import net.i2p.crypto.eddsa.EdDSAPrivateKey;
import net.i2p.crypto.eddsa.spec.EdDSANamedCurveTable;
import net.i2p.crypto.eddsa.spec.EdDSAPrivateKeySpec;
import org.simplejavamail.utils.mail.dkim.Canonicalization;
import org.simplejavamail.utils.mail.dkim.DkimException;
import org.simplejavamail.utils.mail.dkim.DkimSigner;
import org.simplejavamail.utils.mail.dkim.SigningAlgorithm;

/**
 * One DKIM key of a From domain: {@code selector._domainkey.domain} in DNS, a private key from a PEM file
 * (PKCS#8, {@code -----BEGIN PRIVATE KEY-----}, as {@code openssl genpkey} writes it): RSA (2048 bits or more,
 * signs rsa-sha256) or Ed25519 (signs ed25519-sha256, RFC 8463).
 */
public record DkimKey(String domain, String selector, Path file, Type type, PrivateKey privateKey,
        String publicKeyBase64) {

    /** The key types, with DKIM's name of each (k= in DNS). */
    public enum Type {
        RSA("rsa", "rsa-sha256"), ED25519("ed25519", "ed25519-sha256");

        final String dnsName;
        final String algorithm;

        Type(String dnsName, String algorithm) {
            this.dnsName = dnsName;
            this.algorithm = algorithm;
        }

        public String algorithm() {
            return algorithm;
        }
    }

    /** The headers RFC 6376 (5.4.1) recommends signing, and RFC 8058's List-Unsubscribe-Post. */
    static final String[] EXTRA_HEADERS = {"List-Unsubscribe-Post", "Resent-From", "Resent-To", "Resent-Cc",
        "Resent-Date"};

    public static DkimKey load(String domain, String selector, Path file) throws IOException,
            GeneralSecurityException {
        PKCS8EncodedKeySpec spec;
        try {
            spec = PemFiles.privateKeySpec(file);
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException(e.getMessage() + "; make a key with: openssl genpkey -algorithm RSA"
                    + " -pkeyopt rsa_keygen_bits:2048 -out " + file, e);
        }
        try {
            RSAPrivateCrtKey rsa = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(spec);
            if (rsa.getModulus().bitLength() < 2048) {
                throw new GeneralSecurityException(file + " is a " + rsa.getModulus().bitLength() + "-bit RSA key;"
                        + " DKIM keys need 2048 bits (receivers ignore shorter ones)");
            }
            byte[] pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(),
                    rsa.getPublicExponent())).getEncoded();
            return new DkimKey(domain(domain), selector, file, Type.RSA, rsa, Base64.getEncoder().encodeToString(pub));
        } catch (java.security.spec.InvalidKeySpecException | ClassCastException notRsa) {
            EdECPrivateKey ed = (EdECPrivateKey) KeyFactory.getInstance("Ed25519").generatePrivate(spec);
            byte[] seed = ed.getBytes().orElseThrow(() -> new GeneralSecurityException(file + ": no Ed25519 seed"));
            EdDSAPrivateKey key = new EdDSAPrivateKey(new EdDSAPrivateKeySpec(seed,
                    EdDSANamedCurveTable.getByName(EdDSANamedCurveTable.ED_25519)));
            // RFC 8463: p= is the raw 32-byte public key, not a SubjectPublicKeyInfo
            return new DkimKey(domain(domain), selector, file, Type.ED25519, key,
                    Base64.getEncoder().encodeToString(key.getAbyte()));
        }
    }

    private static String domain(String d) {
        return d.strip().toLowerCase(Locale.ROOT);
    }

    /** A signer for one message: relaxed/relaxed, the recommended headers, no DNS look-up, no l= tag. */
    DkimSigner signer() throws DkimException {
        DkimSigner signer = type == Type.RSA ? new DkimSigner(domain, selector, (RSAPrivateCrtKey) privateKey)
                : new DkimSigner(domain, selector, (EdDSAPrivateKey) privateKey);
        signer.setSigningAlgorithm(type == Type.RSA ? SigningAlgorithm.SHA256_WITH_RSA
                : SigningAlgorithm.SHA256_WITH_ED25519);
        if (type == Type.ED25519) {
            Rfc8463Signature.install(signer, privateKey);
        }
        signer.setHeaderCanonicalization(Canonicalization.RELAXED);
        signer.setBodyCanonicalization(Canonicalization.RELAXED);
        signer.setLengthParam(false);
        signer.setZParam(false);
        signer.setCheckDomainKey(false);
        for (String header : EXTRA_HEADERS) {
            signer.addHeaderToSign(header);
        }
        return signer;
    }

    /** The DNS name of the key's record. */
    public String recordName() {
        return selector + "._domainkey." + domain;
    }

    /** The TXT record's value. */
    public String recordValue() {
        return "v=DKIM1; k=" + type.dnsName + "; p=" + publicKeyBase64;
    }

    @Override
    public String toString() {
        return "DkimKey[" + recordName() + ", " + type.algorithm + ", " + file + "]"; // never the key
    }
}
