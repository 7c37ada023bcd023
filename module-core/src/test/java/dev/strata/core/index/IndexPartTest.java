package dev.strata.core.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.api.Generation;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.TimelineId;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IndexPartTest {
    private static final String L0 = "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001000000-0000000001800000";

    private static IndexPart parse(String json) throws InvalidIndexException {
        return IndexPart.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parsesTheDocumentedExample() throws Exception {
        IndexPart index = parse("""
                {"version":15,
                 "layer_metadata":{"%s":{"file_size":8421376,"generation":3}},
                 "disk_consistent_lsn":"0/1800000",
                 "metadata":{"disk_consistent_lsn":"0/1800000","prev_record_lsn":"0/17FFF80","ancestor_lsn":"0/0",
                             "latest_gc_cutoff_lsn":"0/1000000","initdb_lsn":"0/1000000","pg_version":16}}
                """.formatted(L0));
        assertEquals(15, index.version());
        assertEquals(Lsn.parse("0/1800000"), index.diskConsistentLsn());
        LayerMetadata layer = index.layers().get(LayerName.parse(L0));
        assertEquals(8421376, layer.fileSize());
        assertEquals(Generation.of(3), layer.generation());
        assertEquals(Lsn.parse("0/17FFF80"), index.metadata().prevRecordLsn());
        assertEquals(Lsn.parse("0/1000000"), index.metadata().latestGcCutoffLsn());
        assertNull(index.metadata().ancestorTimeline());
        index.validate();
    }

    @Test
    void roundTripsAndKeepsUnknownFields() throws Exception {
        TimelineId ancestor = TimelineId.random();
        String json = """
                {"version":7,"layer_metadata":{"%s":{"file_size":18446744073709551615}},
                 "disk_consistent_lsn":"1/2","future_field":{"nested":[1,2,3]},"gc_blocking":{"reasons":["Manual"]},
                 "metadata":{"disk_consistent_lsn":"1/2","ancestor_timeline":"%s","ancestor_lsn":"0/10",
                             "latest_gc_cutoff_lsn":"0/0","initdb_lsn":"0/1","pg_version":15},
                 "deleted_at":"2024-07-19T09:00:00.123"}
                """.formatted(L0, ancestor.hex());
        IndexPart index = parse(json);
        assertEquals(-1L, index.layers().firstEntry().getValue().fileSize(), "2^64-1 read exactly");
        assertEquals(Generation.NONE, index.layers().firstEntry().getValue().generation());
        assertEquals(new BigInteger("18446744073709551615"), index.totalFileSize());
        assertEquals(ancestor, index.metadata().ancestorTimeline());
        assertNotNull(index.deletedAt());
        IndexPart again = IndexPart.parse(index.toJson());
        assertEquals(index.layers(), again.layers());
        assertEquals(index.metadata(), again.metadata());
        assertEquals(index.deletedAt(), again.deletedAt());
        String written = new String(index.toJson(), StandardCharsets.UTF_8);
        assertTrue(written.contains("\"future_field\":{\"nested\":[1,2,3]}"), written);
        assertTrue(written.contains("18446744073709551615"), written);
        assertTrue(written.contains("\"deleted_at\":\"2024-07-19T09:00:00.123\""), written);
    }

    @Test
    void fileSizesAbove2Pow53AreExact() throws Exception {
        long size = (1L << 53) + 1;
        IndexPart index = parse("""
                {"version":15,"layer_metadata":{"%s":{"file_size":%d,"generation":1}},"disk_consistent_lsn":"0/1800000"}
                """.formatted(L0, size));
        assertEquals(size, index.layers().firstEntry().getValue().fileSize());
    }

    @Test
    void legacyByteArrayMetadataIsDecodedAndTopLevelLsnStands() throws Exception {
        // A block whose own disk_consistent_lsn (0/16960E8) differs from the top-level one: the latter stands.
        IndexPart index = parse("""
                {"version":1,"layer_metadata":{},"disk_consistent_lsn":"0/1700000","metadata_bytes":%s}
                """.formatted(IndexPartCompatibilityTest.block(113, 11, 159, 210, 0, 54, 0, 4,
                0, 0, 0, 0, 1, 105, 96, 232, 1, 0, 0, 0, 0, 1, 105, 96, 112, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 1, 105, 96, 112, 0, 0, 0, 0, 1, 105, 96, 112, 0, 0, 0, 14)));
        assertEquals(Lsn.parse("0/1700000"), index.diskConsistentLsn());
        assertEquals(Lsn.parse("0/1700000"), index.metadata().diskConsistentLsn());
        assertEquals(Lsn.parse("0/1696070"), index.metadata().prevRecordLsn());
        assertEquals(Lsn.parse("0/1696070"), index.metadata().initdbLsn());
        assertEquals(14, index.metadata().pgVersion());
        String written = new String(index.toJson(), StandardCharsets.UTF_8);
        assertTrue(written.contains("\"metadata\":{\"disk_consistent_lsn\":\"0/1700000\""), written);
        assertTrue(!written.contains("metadata_bytes"), written);
    }

    @Test
    void errorsNameTheProblem() {
        InvalidIndexException notJson = assertThrows(InvalidIndexException.class, () -> parse("{\"version\":15,"));
        assertTrue(notJson.getMessage().contains("line 1"), notJson.getMessage());
        InvalidIndexException version = assertThrows(InvalidIndexException.class,
                () -> parse("{\"version\":16,\"layer_metadata\":{},\"disk_consistent_lsn\":\"0/1\"}"));
        assertTrue(version.getMessage().contains("16"), version.getMessage());
        InvalidIndexException size = assertThrows(InvalidIndexException.class, () -> parse(
                "{\"version\":15,\"layer_metadata\":{\"" + L0 + "\":{\"file_size\":1.5e3}},\"disk_consistent_lsn\":\"0/1\"}"));
        assertTrue(size.getMessage().contains("file_size"), size.getMessage());
        InvalidIndexException negative = assertThrows(InvalidIndexException.class, () -> parse(
                "{\"version\":15,\"layer_metadata\":{\"" + L0 + "\":{\"file_size\":-1}},\"disk_consistent_lsn\":\"0/1\"}"));
        assertTrue(negative.getMessage().contains("-1"), negative.getMessage());
        InvalidIndexException badName = assertThrows(InvalidIndexException.class, () -> parse(
                "{\"version\":15,\"layer_metadata\":{\"nope\":{\"file_size\":1}},\"disk_consistent_lsn\":\"0/1\"}"));
        assertTrue(badName.getMessage().contains("nope"), badName.getMessage());
        InvalidIndexException lsn = assertThrows(InvalidIndexException.class,
                () -> parse("{\"version\":15,\"layer_metadata\":{},\"disk_consistent_lsn\":\"zz\"}"));
        assertTrue(lsn.getMessage().contains("zz"), lsn.getMessage());
        InvalidIndexException exponent = assertThrows(InvalidIndexException.class, () -> parse(
                "{\"version\":15,\"layer_metadata\":{\"" + L0 + "\":{\"file_size\":8421376e18446744073709551616}},"
                        + "\"disk_consistent_lsn\":\"0/1\"}"));
        assertTrue(exponent.getMessage().contains("8421376e18446744073709551616"), exponent.getMessage());
    }

    @Test
    void validationRequiresLayersOrAnAncestor() {
        IndexPart empty = IndexPart.initial(null, Lsn.INVALID, Lsn.of(100), Lsn.of(100));
        assertThrows(InvalidIndexException.class, () -> empty.withLayers(empty.layers(), Lsn.of(200)).validate());
    }
}
