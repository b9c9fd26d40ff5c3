package org.outboxrelay.http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.List;

import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.outboxrelay.config.Settings;
import org.outboxrelay.config.SettingsCatalog;
import org.outboxrelay.security.PemFiles;

/**
 * relay.http.tls.cert-file and relay.http.tls.key-file: the HTTP API (with health, metrics and the console)
 * served over TLS from a PEM certificate chain and its PKCS#8 private key, as a certificate authority or
 * {@code certbot} hands them out. Both or neither; a pair that cannot be read stops the relay at start.
 */
public record HttpTls(Path certFile, Path keyFile, SSLContextParameters parameters) {

    /** The TLS of the HTTP API, or null when it is served in plain HTTP; problems are recorded on {@code s}. */
    public static HttpTls from(Settings s) {
        Path cert = s.path(SettingsCatalog.HTTP_TLS_CERT_FILE);
        Path key = s.path(SettingsCatalog.HTTP_TLS_KEY_FILE);
        if (cert == null && key == null) {
            return null;
        }
        if (cert == null || key == null) {
            s.problem(cert == null ? SettingsCatalog.HTTP_TLS_CERT_FILE.key() : SettingsCatalog.HTTP_TLS_KEY_FILE.key(),
                    "is required with " + (cert == null ? SettingsCatalog.HTTP_TLS_KEY_FILE.key()
                            : SettingsCatalog.HTTP_TLS_CERT_FILE.key()) + ": the certificate and its key go together");
            return null;
        }
        try {
            return new HttpTls(cert, key, parameters(cert, key));
        } catch (Exception e) {
            s.problem(SettingsCatalog.HTTP_TLS_CERT_FILE.key(), "and " + SettingsCatalog.HTTP_TLS_KEY_FILE.key()
                    + " cannot be used: " + (Files.isReadable(cert) && Files.isReadable(key) ? e.getMessage()
                            : "cannot read " + (Files.isReadable(cert) ? key : cert).toAbsolutePath()));
            return null;
        }
    }

    /** An in-memory key store holding the key and its chain, for Camel's HTTP servers. */
    static SSLContextParameters parameters(Path cert, Path key) throws Exception {
        PrivateKey privateKey = PemFiles.privateKey(key);
        List<Certificate> chain = PemFiles.certificates(cert);
        char[] password = java.util.UUID.randomUUID().toString().toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("relay", privateKey, password, chain.toArray(new Certificate[0]));
        KeyStoreParameters keyStore = new KeyStoreParameters();
        keyStore.setKeyStore(store);
        keyStore.setPassword(new String(password));
        KeyManagersParameters keyManagers = new KeyManagersParameters();
        keyManagers.setKeyStore(keyStore);
        keyManagers.setKeyPassword(new String(password));
        SSLContextParameters parameters = new SSLContextParameters();
        parameters.setKeyManagers(keyManagers);
        return parameters;
    }

    @Override
    public String toString() {
        return "TLS with " + certFile;
    }
}
