package org.outboxrelay.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

/**
 * Checks DKIM signatures with an implementation that is not the relay's: Debian's python3-dkim (dkimpy), given
 * the public keys' TXT records instead of DNS. .ci/run installs it; on a machine without it the DKIM tests are
 * skipped (never in CI, where CI=true makes a missing verifier a failure).
 */
public final class DkimVerifier {

    public static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = """
            import json, sys, dkim
            records = json.loads(sys.argv[2])
            def dns(name, timeout=5):
                key = name.decode() if isinstance(name, bytes) else name
                value = records.get(key.rstrip('.'))
                return value.encode() if value else None
            message = open(sys.argv[1], 'rb').read()
            d = dkim.DKIM(message)
            count = len([h for h in d.headers if h[0].lower() == b'dkim-signature'])
            results = []
            for i in range(count):
                try:
                    ok = d.verify(idx=i, dnsfunc=dns)
                except Exception as e:
                    ok = False
                results.append({'ok': bool(ok), 'domain': (d.domain or b'').decode(),
                                'selector': (d.selector or b'').decode(), 'algorithm': (d.signature_fields.get(b'a') or b'').decode(),
                                'headers': (d.signature_fields.get(b'h') or b'').decode(),
                                'canonicalization': (d.signature_fields.get(b'c') or b'').decode()})
            print(json.dumps(results))
            """;

    private DkimVerifier() {
    }

    public static void requireAvailable() throws Exception {
        boolean available = Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import dkim, nacl"))
                .exitValue() == 0;
        if (!available && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("python3-dkim is missing: .ci/run installs it (apt-get install -y python3-dkim)");
        }
        Assumptions.assumeTrue(available, "python3-dkim is not installed (apt-get install -y python3-dkim)");
    }

    /** One result per DKIM-Signature of the message, in header order. */
    public static List<JsonNode> verify(byte[] message, Map<String, String> txtRecords) throws Exception {
        Path dir = Files.createTempDirectory("dkim-verify");
        try {
            Path msg = Files.write(dir.resolve("message.eml"), message);
            Path script = Files.writeString(dir.resolve("verify.py"), SCRIPT);
            Process p = run(List.of(PYTHON.toString(), script.toString(), msg.toString(),
                    JSON.writeValueAsString(txtRecords)));
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("dkimpy failed: " + output);
            }
            List<JsonNode> out = new ArrayList<>();
            JSON.readTree(output.lines().reduce((a, b) -> b).orElse("[]")).forEach(out::add);
            return out;
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static Process run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return p;
    }
}
