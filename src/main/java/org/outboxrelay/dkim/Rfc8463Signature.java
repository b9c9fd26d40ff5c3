package org.outboxrelay.dkim;

import java.lang.reflect.Field;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

import net.i2p.crypto.eddsa.EdDSAEngine;
import org.simplejavamail.utils.mail.dkim.DkimSigner;

/**
 * Ed25519 as RFC 8463 (section 3) signs DKIM: PureEdDSA over the SHA-256 hash of the canonicalized header data.
 * utils-mail-dkim 3.2.0 signs the data itself ("NONEwithEdDSA"), which no RFC 8463 verifier (dkimpy, say)
 * accepts; everything else it does right (canonicalization, header list, body hash). So its signer gets this
 * signature object in place of its own, through its private field - the one place the relay reaches into the
 * library. DkimTest proves the result with dkimpy; drop this class once the library hashes first.
 */
final class Rfc8463Signature extends Signature {

    private final MessageDigest sha256;
    private final EdDSAEngine ed25519;

    private Rfc8463Signature() throws NoSuchAlgorithmException {
        super("ed25519-sha256");
        this.sha256 = MessageDigest.getInstance("SHA-256");
        this.ed25519 = new EdDSAEngine(MessageDigest.getInstance("SHA-512"));
    }

    /** Puts an RFC 8463 signature, initialised with the key, into an Ed25519 signer of utils-mail-dkim. */
    static void install(DkimSigner signer, PrivateKey key) {
        try {
            Rfc8463Signature signature = new Rfc8463Signature();
            signature.initSign(key);
            Field field = DkimSigner.class.getDeclaredField("signature");
            field.setAccessible(true);
            field.set(signer, signature);
        } catch (ReflectiveOperationException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up ed25519-sha256 signing (RFC 8463): " + e, e);
        }
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        sha256.reset();
        ed25519.initSign(privateKey);
    }

    @Override
    protected void engineUpdate(byte b) {
        sha256.update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) {
        sha256.update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        ed25519.update(sha256.digest());
        return ed25519.sign();
    }

    @Override
    protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
        throw new InvalidKeyException("signing only");
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        throw new SignatureException("signing only");
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
        throw new InvalidParameterException(param);
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
        throw new InvalidParameterException(param);
    }
}
