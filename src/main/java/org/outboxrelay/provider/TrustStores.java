package org.outboxrelay.provider;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS socket factories that trust the system's certificate authorities plus, optionally, the certificates of
 * a PEM file (a private CA). Certificates are always verified; there is no way to turn that off.
 */
public final class TrustStores {

    private TrustStores() {
    }

    public static SSLSocketFactory socketFactory(Path pemFile) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(pemFile == null ? null : systemPlus(pemFile));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS trust"
                    + (pemFile == null ? "" : " with " + pemFile) + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore systemPlus(Path pemFile) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        int n = 0;
        for (TrustManager tm : system.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    ks.setCertificateEntry("system-" + n++, c);
                }
            }
        }
        Collection<? extends Certificate> extra = org.outboxrelay.security.PemFiles.certificates(pemFile);
        int i = 0;
        for (Certificate c : extra) {
            ks.setCertificateEntry("trust-file-" + i++, c);
        }
        return ks;
    }
}
