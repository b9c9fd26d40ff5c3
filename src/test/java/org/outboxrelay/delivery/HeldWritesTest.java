package org.outboxrelay.delivery;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class HeldWritesTest {

    /** The socket's side: each write it gets, as text. */
    private final List<String> socketWrites = new ArrayList<>();
    private final HeldWrites out = new HeldWrites(new OutputStream() {
        @Override
        public void write(int b) {
            socketWrites.add(String.valueOf((char) b));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            socketWrites.add(new String(b, off, len, StandardCharsets.US_ASCII));
        }
    });

    @Test
    void writesGoStraightThroughWhenNothingIsHeld() throws Exception {
        write("EHLO relay\r\n");
        write("QUIT\r\n");
        assertEquals(List.of("EHLO relay\r\n", "QUIT\r\n"), socketWrites);
    }

    @Test
    void aHeldGroupLeavesInOneWriteWithItsLastCommand() throws Exception {
        out.hold();
        write("MAIL FROM:<a@example.com>\r\n");
        write("RCPT TO:<b@example.com>\r\n");
        out.flush(); // Angus flushes after each command: nothing goes out yet
        assertEquals(List.of(), socketWrites);
        out.sendWithNextWrite();
        write("DATA\r\n");
        assertEquals(List.of("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"), socketWrites);
        assertFalse(out.holding());
        write("content\r\n.\r\n");
        assertEquals("content\r\n.\r\n", socketWrites.get(1));
    }

    @Test
    void aDroppedGroupNeverGoesOut() throws Exception {
        out.hold();
        write("MAIL FROM:<a@example.com>\r\n");
        out.drop();
        write("RSET\r\n");
        assertEquals(List.of("RSET\r\n"), socketWrites);
    }

    @Test
    void aGroupLargerThanTheLimitIsWrittenOnceItIsReached() throws Exception {
        out.hold();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        String rcpt = "RCPT TO:<" + "x".repeat(1000) + "@example.com>\r\n";
        while (expected.size() <= HeldWrites.MAX_HELD_BYTES) {
            write(rcpt);
            expected.writeBytes(rcpt.getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals(List.of(expected.toString(StandardCharsets.US_ASCII)), socketWrites);
        assertFalse(out.holding());
    }

    private void write(String text) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        out.write(b, 0, b.length);
    }
}
