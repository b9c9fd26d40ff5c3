package org.outboxrelay.config;

import org.outboxrelay.dkim.DkimSettings;
import org.outboxrelay.http.HttpApiSettings;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.suppression.SuppressionSettings;
import org.outboxrelay.unsubscribe.UnsubscribeSettings;

/**
 * The deliverability settings, read and checked together (problems are recorded on the {@link Settings}, as
 * {@link RelaySettings} does): relay.suppression.*, relay.unsubscribe.*, relay.dkim.*, relay.bounces.*.
 */
public record DeliverabilitySettings(SuppressionSettings suppression, UnsubscribeSettings unsubscribe,
        DkimSettings dkim) {

    public static DeliverabilitySettings read(Settings settings, SmtpSettings smtp) {
        String apiHost = HttpApiSettings.from(settings).host();
        return new DeliverabilitySettings(SuppressionSettings.from(settings),
                UnsubscribeSettings.from(settings, apiHost), DkimSettings.from(settings));
    }
}
