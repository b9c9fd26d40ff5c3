package org.outboxrelay.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings part of check: the relay's own rules, unknown keys from each source, lines in the config file. */
class SettingsCheckTest {

    @TempDir
    Path home;

    private Path config;

    @BeforeEach
    void copyProject() throws Exception {
        CheckFixture.copyProject(home);
        config = home.resolve("config/application.properties");
    }

    private List<String> check(Map<String, String> env, Map<String, String> sys, Set<String> usedByRoutes)
            throws Exception {
        return new SettingsCheck(home, env, sys).check(usedByRoutes).stream().map(CheckProblem::toString).toList();
    }

    private List<String> check() throws Exception {
        return check(Map.of(), Map.of(), Set.of());
    }

    @Test
    void theShippedSettingsHaveNoProblem() throws Exception {
        assertEquals(List.of(), check());
    }

    @Test
    void aBadValueIsReportedWithTheRelaysRuleAtItsLine() throws Exception {
        int line = CheckFixture.replace(config, "#relay.retry.max-delay=1h", "relay.retry.max-delay=1 hour");

        assertEquals(List.of("config/application.properties:" + line + ": relay.retry.max-delay must be a duration"
                + " such as 500ms, 30s, 5m, 1h or 2d, not \"1 hour\""), check());
    }

    @Test
    void aMissingRequiredSettingNamesTheFileWithoutALine() throws Exception {
        CheckFixture.replace(config, "relay.provider=capture", "relay.provider=smtp");

        assertEquals(List.of("config/application.properties: relay.smtp.host is required with relay.provider=smtp"
                + " (the SMTP server's host name)"), check());
    }

    @Test
    void unknownKeysFromEachSourceWithTheNearestKnownOne() throws Exception {
        int typo = CheckFixture.append(config, "rely.http.port=8025");
        int unknown = CheckFixture.append(config, "relay.nothing.like.this=1");
        CheckFixture.append(config, "camel.main.name=mine"); // Camel's own settings are not the relay's business

        List<String> problems = check(Map.of("RELAY_SMTP_HSOT", "x", "PATH", "/bin"),
                Map.of("relay.outbox.dri", "x", "user.home", "/root"), Set.of());

        assertEquals(List.of(
                "config/application.properties:" + typo + ": unknown setting rely.http.port"
                        + " (did you mean relay.http.port?)",
                "config/application.properties:" + unknown + ": unknown setting relay.nothing.like.this",
                "environment RELAY_SMTP_HSOT: unknown setting (did you mean RELAY_SMTP_HOST?)",
                "-Drelay.outbox.dri: unknown setting relay.outbox.dri (did you mean relay.outbox.dir?)"), problems);
    }

    @Test
    void aSettingOfTheIntegratorsOwnIsKnownWhenARouteUsesIt() throws Exception {
        CheckFixture.append(config, "relay.shop.name=Example Shop");

        assertEquals(List.of(), check(Map.of(), Map.of(), Set.of("relay.shop.name")));
    }

    @Test
    void aKeySetTwiceIsReportedAtTheSecondLine() throws Exception {
        int first = CheckFixture.replace(config, "#relay.http.port=8080", "relay.http.port=8080");
        int second = CheckFixture.append(config, "relay.http.port=8081");

        assertEquals(List.of("config/application.properties:" + second + ": relay.http.port is set again (first on"
                + " line " + first + "); the last one wins"), check());
    }

    @Test
    void aBadValueFromTheEnvironmentNamesTheVariable() throws Exception {
        SettingsCheck check = new SettingsCheck(home, Map.of("RELAY_SMTP_PORT", "x"), Map.of());
        CheckFixture.replace(config, "relay.provider=capture", "relay.provider=smtp\nrelay.smtp.host=mail.example.com"
                + "\nrelay.smtp.port=70000");

        List<String> problems = check.check(Set.of()).stream().map(CheckProblem::toString).toList();

        // the value comes from the file here (the map only stands for the environment's names): the environment
        // is named because it would win over the file
        assertEquals(List.of("environment RELAY_SMTP_PORT: relay.smtp.port must be between 0 and 65535, not 70000"),
                problems);
    }

    @Test
    void everyKeyTheShippedConfigDocumentsIsKnown() throws Exception {
        SettingsCheck check = new SettingsCheck(home, Map.of(), Map.of());
        check.check(Set.of());
        Matcher documented = Pattern.compile("(?m)^#?(relay\\.[a-z0-9.-]+)=")
                .matcher(Files.readString(config, StandardCharsets.UTF_8));
        int n = 0;
        while (documented.find()) {
            n++;
            assertTrue(check.knownKeys().contains(documented.group(1)), documented.group(1) + " is not known");
        }
        assertTrue(n > 50, "only " + n + " documented keys found");
    }
}
