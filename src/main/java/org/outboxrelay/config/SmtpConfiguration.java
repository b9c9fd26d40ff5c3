package org.outboxrelay.config;

import java.time.Clock;
import java.time.Duration;

import jakarta.mail.Session;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.outboxrelay.delivery.AccountPause;
import org.outboxrelay.delivery.AttachmentFiles;
import org.outboxrelay.delivery.InFlightSmtpCutter;
import org.outboxrelay.delivery.MimeMessageBuilder;
import org.outboxrelay.delivery.RecipientBatches;
import org.outboxrelay.delivery.SenderPolicy;
import org.outboxrelay.delivery.SmtpConnectionPool;
import org.outboxrelay.delivery.SmtpCredentials;
import org.outboxrelay.delivery.SmtpReplyClassifier;
import org.outboxrelay.delivery.SmtpSender;
import org.outboxrelay.delivery.SmtpSessions;
import org.outboxrelay.delivery.SmtpSockets;
import org.outboxrelay.limits.ConnectionSlots;
import org.outboxrelay.provider.OAuthAccessTokens;
import org.outboxrelay.provider.OAuthClient;
import org.outboxrelay.provider.OAuthSettings;
import org.outboxrelay.provider.RefreshTokenFile;
import org.outboxrelay.provider.SmtpSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMTP and the provider: one Jakarta Mail session, pooled connections that sign in with a password or an OAuth2
 * token, the camel-mail endpoint's sender ({@code smtpSender}), and the beans that turn a job into messages:
 * the From check, MIME building, recipient batches, and the classifier of what a failure means.
 */
public class SmtpConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        RelaySettings relay = Beans.get(context, "relaySettings", RelaySettings.class);
        Clock clock = Beans.get(context, "relayClock", Clock.class);
        SmtpSettings smtp = relay.smtp();
        OAuthSettings oauth = relay.oauth();
        if (relay.provider() != org.outboxrelay.provider.Provider.CAPTURE) {
            LOG.info("Provider {}: sending through {}", relay.provider().id(), smtp.describe());
        }

        SmtpSockets smtpSockets = new SmtpSockets();
        Session session = SmtpSessions.create(smtp, smtpSockets);
        context.getManagementStrategy().addEventNotifier(new InFlightSmtpCutter(smtpSockets, relay.shutdownTimeout()));
        SmtpCredentials credentials = switch (smtp.auth()) {
            case PASSWORD -> SmtpCredentials.password(smtp.username(), smtp.password());
            case XOAUTH2 -> new OAuthAccessTokens(smtp.username(), oauth, new OAuthClient(oauth),
                    new RefreshTokenFile(oauth.tokenFile()), clock);
            case NONE -> SmtpCredentials.NONE;
        };
        SmtpConnectionPool pool = new SmtpConnectionPool(session, smtp.host(), smtp.port(), credentials,
                smtp.maxConnections(), smtp.messagesPerConnection(), smtp.idleTimeout(), Duration.ofMinutes(5),
                Beans.get(context, "connectionSlots", ConnectionSlots.class), Duration.ofSeconds(2), clock,
                Beans.get(context, "accountPause", AccountPause.class)::beforeSignIn);
        Beans.closeOnStop(context, "SMTP connections", pool::close);
        Beans.bind(context, "smtpSession", session);
        Beans.bind(context, "smtpConnectionPool", pool);
        Beans.bind(context, "smtpConnections", pool);
        Beans.bind(context, "smtpSender", new SmtpSender(session, pool, smtp.host(), smtp.port()));
        Beans.bind(context, "smtpReplyClassifier", new SmtpReplyClassifier());
        Beans.bind(context, "senderPolicy", new SenderPolicy(smtp.from(), smtp.allowedFrom()));
        Beans.bind(context, "mimeBuilder", new MimeMessageBuilder(session, smtp.from(),
                new AttachmentFiles(relay.attachmentsDir())));
        Beans.bind(context, "recipientBatches", new RecipientBatches(relay.recipientsPerMessage(),
                relay.refuseOverRecipientLimit()));
    }
}
