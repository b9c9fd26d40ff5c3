package org.outboxrelay.config;

import org.outboxrelay.bounce.BounceSettings;
import org.outboxrelay.dkim.DkimSettings;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.Provider;
import org.outboxrelay.http.HttpApiSettings;
import org.outboxrelay.provider.SmtpSettings;
import org.outboxrelay.suppression.SuppressionSettings;
import org.outboxrelay.unsubscribe.UnsubscribeSettings;

/**
 * The deliverability settings, read and checked together (problems are recorded on the {@link Settings}, as
 * {@link RelaySettings} does): relay.suppression.*, relay.unsubscribe.*, relay.dkim.*, relay.bounces.*.
 */
public record DeliverabilitySettings(BounceSettings bounces, SuppressionSettings suppression,
        UnsubscribeSettings unsubscribe, DkimSettings dkim) {

    public static DeliverabilitySettings read(Settings settings, Provider provider, SmtpSettings smtp,
            OAuthSettings oauth, HttpApiSettings http) {
        return new DeliverabilitySettings(BounceSettings.from(settings, provider, oauth, smtp.username()),
                SuppressionSettings.from(settings), UnsubscribeSettings.from(settings, http.host()),
                DkimSettings.from(settings));
    }
}
