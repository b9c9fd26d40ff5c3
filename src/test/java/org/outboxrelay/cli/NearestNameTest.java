package org.outboxrelay.cli;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NearestNameTest {

    private static final List<String> KNOWN = List.of("relay.smtp.host", "relay.smtp.port", "relay.http.port");

    @Test
    void suggestsTheKeyATypoWasMeantToBe() {
        assertEquals(Optional.of("relay.smtp.host"), NearestName.among("relay.smtp.hots", KNOWN)); // swapped
        assertEquals(Optional.of("relay.smtp.host"), NearestName.among("relay.smtp.hst", KNOWN)); // dropped
        assertEquals(Optional.of("relay.http.port"), NearestName.among("rely.http.port", KNOWN));
    }

    @Test
    void suggestsNothingForADifferentName() {
        assertEquals(Optional.empty(), NearestName.among("relay.smtp.timeout", KNOWN));
        assertEquals(Optional.empty(), NearestName.among("x", KNOWN));
    }

    @Test
    void countsASwapOfNeighboursAsOneEdit() {
        assertEquals(1, NearestName.distance("hots", "host"));
        assertEquals(3, NearestName.distance("kitten", "sitting"));
    }
}
