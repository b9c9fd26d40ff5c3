package org.outboxrelay.config;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

import org.outboxrelay.provider.Provider;

/**
 * Before anything starts: every address the relay will listen on can be taken. A port another program (or another
 * relay) holds, or a host that is not an address of this machine, stops the relay with one line naming the
 * setting - not a relay that starts half its servers and then fails.
 */
final class ListenPorts {

    private record Listener(String setting, String host, int port) {
    }

    private ListenPorts() {
    }

    static void requireFree(RelaySettings relay) {
        List<Listener> listeners = new ArrayList<>();
        listeners.add(new Listener(SettingsCatalog.HTTP_PORT.key(), relay.http().host(), relay.http().port()));
        if (relay.managementPort() != relay.http().port()) {
            listeners.add(new Listener(SettingsCatalog.MANAGEMENT_PORT.key(), relay.http().host(), relay.managementPort()));
        }
        if (relay.provider() == Provider.CAPTURE) {
            listeners.add(new Listener(SettingsCatalog.CAPTURE_PORT.key(), "127.0.0.1", relay.capturePort()));
        }
        if (!relay.broker().external() && relay.broker().listen() != null && relay.broker().hasLogin()) {
            listeners.add(new Listener(SettingsCatalog.BROKER_LISTEN.key(), relay.broker().listen().host(),
                    relay.broker().listen().port()));
        }
        if (relay.deliverability().unsubscribe().port() > 0) {
            listeners.add(new Listener(SettingsCatalog.UNSUBSCRIBE_PORT.key(),
                    relay.deliverability().unsubscribe().host(), relay.deliverability().unsubscribe().port()));
        }
        List<String> problems = new ArrayList<>();
        for (Listener l : listeners) {
            if (l.port() == 0) {
                continue; // any free port
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(l.host(), l.port()));
            } catch (BindException e) {
                problems.add(l.setting() + " " + l.port() + " cannot be used on " + l.host() + ": " + e.getMessage()
                        + " (another relay or program listens there, or the host is not an address of this machine)");
            } catch (IOException | IllegalArgumentException e) {
                problems.add(l.setting() + " " + l.port() + " cannot be used on " + l.host() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
    }
}
