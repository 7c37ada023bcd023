package dev.strata.client.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageWireTest {
    private static final Key A = Key.ofRelationPage(1, 2, 3, 0, 4);
    private static final Key B = Key.ofRelationPage(1, 2, 3, 0, 5);

    @Test
    void ingestRoundTripsEveryRecordKind() {
        List<PageWire.Write> writes = List.of(
                new PageWire.Write(A, new PageRecord.Image(new byte[] {1, 2})),
                new PageWire.Write(A, new PageRecord.Init(8)),
                new PageWire.Write(B, new PageRecord.Overwrite(3, new byte[] {9})),
                new PageWire.Write(B, new PageRecord.Append(new byte[] {7})),
                new PageWire.Write(B, new PageRecord.Custom("xor", new byte[] {5}, true)));
        byte[] encoded = PageWire.encodeIngest(writes);
        assertEquals(PageWire.VERSION, encoded[0]);
        assertEquals(writes, PageWire.decodeIngest(encoded));
    }

    @Test
    void pagesRoundTripWithAbsentEntries() {
        byte[] encoded = PageWire.encodePages(Lsn.of(77), List.of(new PageWire.Page(A, new byte[] {3}), new PageWire.Page(B, null)));
        PageWire.Pages pages = PageWire.decodePages(encoded);
        assertEquals(Lsn.of(77), pages.lsn());
        assertArrayEquals(new byte[] {3}, pages.pages().get(0).page());
        assertNull(pages.pages().get(1).page());
        PageWire.PagesRequest request = PageWire.decodePagesRequest(PageWire.encodePagesRequest(null, List.of(A, B)));
        assertNull(request.lsn());
        assertEquals(List.of(A, B), request.keys());
    }

    @Test
    void malformedMessagesAreRejectedWithAReason() {
        byte[] good = PageWire.encodeIngest(List.of(new PageWire.Write(A, new PageRecord.Image(new byte[10]))));
        assertTrue(assertThrows(MalformedMessageException.class, () -> PageWire.decodeIngest(new byte[0]))
                .getMessage().contains("empty"));
        byte[] wrongVersion = good.clone();
        wrongVersion[0] = 9;
        assertTrue(assertThrows(MalformedMessageException.class, () -> PageWire.decodeIngest(wrongVersion))
                .getMessage().contains("version 9"));
        for (int cut = 1; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThrows(MalformedMessageException.class, () -> PageWire.decodeIngest(truncated), "cut at " + cut);
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertTrue(assertThrows(MalformedMessageException.class, () -> PageWire.decodeIngest(trailing))
                .getMessage().contains("after its last entry"));
        byte[] badTag = good.clone();
        badTag[1 + 4 + Key.BYTES] = 42;
        assertTrue(assertThrows(MalformedMessageException.class, () -> PageWire.decodeIngest(badTag))
                .getMessage().contains("42"));
        byte[] zeroRecords = {PageWire.VERSION, 0, 0, 0, 0};
        assertThrows(MalformedMessageException.class, () -> PageWire.decodeIngest(zeroRecords));
    }
}
