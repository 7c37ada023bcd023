package dev.strata.core.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.api.Generation;
import dev.strata.api.LayerName;
import dev.strata.api.Lsn;
import dev.strata.api.TimelineId;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.StringJoiner;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Documents of every schema version the pageserver has written (1 to 15), in the shapes its own tests use:
 * each parses with the right layers, sizes, generations, LSNs, ancestor and tombstone, and every field Strata
 * does not interpret survives {@link IndexPart#toJson()}.
 *
 * <p>The legacy {@code metadata_bytes} blocks are given by their non-zero head (header and body) and padded
 * to 512 bytes; their checksums were computed by the pageserver, so decoding them also checks that Strata's
 * CRC-32C and field layout agree with it.
 */
final class IndexPartCompatibilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String DELTA_A =
            "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001500000-0000000001696070";
    private static final String DELTA_B =
            "000000067F00004005000060F30000000000-000000067F00004005000060F30000008000__0000000001696070-00000000016960E9";
    private static final String IMAGE_C =
            "000000067F00004005000060F30000000000-030000000000000000000000000000000002__00000000016960E8";
    /** 2^53 + 1: the smallest size a double cannot hold. */
    private static final long BEYOND_DOUBLE = 9007199254740993L;
    private static final String ANCESTOR = "3f1c2e9a0b7d45e6a8c1d2e3f4051627";
    private static final String BLOCK_ANCESTOR = "57c6f08761772d7d261d9ba18c8dffd2";

    /** Format 4, disk_consistent 0/16960E8, prev 0/1696070, no ancestor, gc and initdb 0/1696070, PG 14. */
    private static final int[] BLOCK_ROOT_PG14 = {113, 11, 159, 210, 0, 54, 0, 4,
            0, 0, 0, 0, 1, 105, 96, 232, 1, 0, 0, 0, 0, 1, 105, 96, 112, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 1, 105, 96, 112, 0, 0, 0, 0, 1, 105, 96, 112, 0, 0, 0, 14};
    /**
     * Format 4, disk_consistent 0/2532648, prev 0/2532620, ancestor 57c6f087…, ancestor LSN 0/2532648, gc and
     * initdb 0/149F0C0, PG 15.
     */
    private static final int[] BLOCK_BRANCH_PG15 = {136, 151, 49, 208, 0, 70, 0, 4,
            0, 0, 0, 0, 2, 83, 38, 72, 1, 0, 0, 0, 0, 2, 83, 38, 32,
            1, 87, 198, 240, 135, 97, 119, 45, 125, 38, 29, 155, 161, 140, 141, 255, 210,
            0, 0, 0, 0, 2, 83, 38, 72, 0, 0, 0, 0, 1, 73, 240, 192, 0, 0, 0, 0, 1, 73, 240, 192, 0, 0, 0, 15};
    /** Format 4, disk_consistent 0/15A7618, no prev, no ancestor, gc and initdb 0/14EF420, PG 16. */
    private static final int[] BLOCK_ROOT_PG16 = {226, 88, 25, 241, 0, 46, 0, 4,
            0, 0, 0, 0, 1, 90, 118, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 1, 78, 244, 32, 0, 0, 0, 0, 1, 78, 244, 32, 0, 0, 0, 16};

    private static final String METADATA_OBJECT = """
            {"disk_consistent_lsn":"0/16960E8","prev_record_lsn":"0/1696070","ancestor_timeline":"%s",
             "ancestor_lsn":"0/1500000","latest_gc_cutoff_lsn":"0/1600000","initdb_lsn":"0/14EF420","pg_version":16}
            """.formatted(ANCESTOR);

    private static IndexPart parse(String json) throws InvalidIndexException {
        return IndexPart.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static LayerName layer(String text) {
        return LayerName.parse(text);
    }

    /** A 512-byte metadata block as a JSON array: {@code head} followed by zeros. */
    static String block(int... head) {
        StringJoiner joiner = new StringJoiner(",", "[", "]");
        for (int i = 0; i < LegacyMetadataBytes.BLOCK_SIZE; i++) {
            joiner.add(Integer.toString(i < head.length ? head[i] : 0));
        }
        return joiner.toString();
    }

    private static void assertLayer(IndexPart index, String name, long size, Generation generation) {
        LayerMetadata metadata = index.layers().get(layer(name));
        assertEquals(new LayerMetadata(size, generation), metadata, name);
    }

    /** Writes the index, reads it back, and checks nothing was lost or changed. */
    private static IndexPart assertRoundTrips(IndexPart index) throws Exception {
        byte[] written = index.toJson();
        IndexPart again = IndexPart.parse(written);
        assertEquals(IndexPart.CURRENT_VERSION, again.version());
        assertEquals(index.layers(), again.layers());
        assertEquals(index.diskConsistentLsn(), again.diskConsistentLsn());
        assertEquals(index.metadata(), again.metadata());
        assertEquals(index.deletedAt(), again.deletedAt());
        assertEquals(index.preserved(), again.preserved());
        JsonNode tree = JSON.readTree(written);
        assertTrue(tree.get("metadata").isObject(), "metadata is written as an object: " + tree);
        assertFalse(tree.has("metadata_bytes"), "never both names: " + tree);
        return again;
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void version1WithLayerListAndMetadataBlock() throws Exception {
        IndexPart index = parse("""
                {"version":1,
                 "timeline_layers":["%1$s"],
                 "missing_layers":["kept, though no longer meaningful"],
                 "layer_metadata":{"%1$s":{"file_size":25600000},"%2$s":{"file_size":%3$d}},
                 "disk_consistent_lsn":"0/16960E8",
                 "metadata_bytes":%4$s}
                """.formatted(DELTA_A, DELTA_B, BEYOND_DOUBLE, block(BLOCK_ROOT_PG14)));
        assertEquals(1, index.version());
        assertEquals(2, index.layers().size());
        assertLayer(index, DELTA_A, 25600000, Generation.NONE);
        assertLayer(index, DELTA_B, BEYOND_DOUBLE, Generation.NONE);
        assertEquals(Lsn.parse("0/16960E8"), index.diskConsistentLsn());
        assertEquals(new TimelineMetadata(Lsn.parse("0/16960E8"), Lsn.parse("0/1696070"), null, Lsn.INVALID,
                Lsn.parse("0/1696070"), Lsn.parse("0/1696070"), 14), index.metadata());
        assertNull(index.deletedAt());
        assertEquals(json("[\"" + DELTA_A + "\"]"), index.preserved().get("timeline_layers"));
        IndexPart again = assertRoundTrips(index);
        assertEquals(BEYOND_DOUBLE, again.layers().get(layer(DELTA_B)).fileSize(), "2^53 + 1 exactly");
        String written = new String(index.toJson(), StandardCharsets.UTF_8);
        assertTrue(written.contains("\"file_size\":9007199254740993"), written);
        assertTrue(written.contains("\"missing_layers\":[\"kept, though no longer meaningful\"]"), written);
        index.validate();
    }

    @Test
    void version2AddsTheDeletionTombstone() throws Exception {
        IndexPart index = parse("""
                {"version":2,"timeline_layers":["%1$s"],
                 "layer_metadata":{"%1$s":{"file_size":25600000},"%2$s":{"file_size":%3$d}},
                 "disk_consistent_lsn":"0/16960E8","metadata_bytes":%4$s,
                 "deleted_at":"2023-07-31T09:00:00.123"}
                """.formatted(DELTA_A, DELTA_B, BEYOND_DOUBLE, block(BLOCK_ROOT_PG14)));
        assertEquals(2, index.version());
        assertLayer(index, DELTA_B, BEYOND_DOUBLE, Generation.NONE);
        assertEquals(Instant.parse("2023-07-31T09:00:00.123Z"), index.deletedAt());
        assertNull(index.metadata().ancestorTimeline());
        assertRoundTrips(index);
        assertTrue(new String(index.toJson(), StandardCharsets.UTF_8).contains("\"deleted_at\":\"2023-07-31T09:00:00.123\""));
    }

    @Test
    void version3StillCarriesTheLayerListButDoesNotNeedIt() throws Exception {
        // The list names a layer that layer_metadata does not: version 3 readers take layers from layer_metadata.
        IndexPart index = parse("""
                {"version":3,"timeline_layers":["%1$s","%2$s"],
                 "layer_metadata":{"%1$s":{"file_size":8192}},
                 "disk_consistent_lsn":"0/16960E8","metadata_bytes":%3$s}
                """.formatted(DELTA_A, IMAGE_C, block(BLOCK_ROOT_PG14)));
        assertEquals(3, index.version());
        assertEquals(1, index.layers().size());
        assertLayer(index, DELTA_A, 8192, Generation.NONE);
        assertNull(index.deletedAt());
        assertRoundTrips(index);
    }

    @Test
    void version4EmptyBranchNamesItsAncestorOnlyInTheMetadataBlock() throws Exception {
        IndexPart index = parse("""
                {"version":4,"layer_metadata":{},"disk_consistent_lsn":"0/2532648","metadata_bytes":%s}
                """.formatted(block(BLOCK_BRANCH_PG15)));
        assertEquals(4, index.version());
        assertTrue(index.layers().isEmpty());
        assertEquals(Lsn.parse("0/2532648"), index.diskConsistentLsn());
        assertEquals(TimelineId.parse(BLOCK_ANCESTOR), index.metadata().ancestorTimeline(),
                "without the block's ancestor this branch would read as an empty root timeline");
        assertEquals(new TimelineMetadata(Lsn.parse("0/2532648"), Lsn.parse("0/2532620"), TimelineId.parse(BLOCK_ANCESTOR),
                Lsn.parse("0/2532648"), Lsn.parse("0/149F0C0"), Lsn.parse("0/149F0C0"), 15), index.metadata());
        index.validate();
        IndexPart again = assertRoundTrips(index);
        assertEquals(TimelineId.parse(BLOCK_ANCESTOR), again.metadata().ancestorTimeline());
    }

    @Test
    void version5AddsLayerGenerationsAndLineage() throws Exception {
        String lineage = """
                {"original_ancestor":["%s","0/15A7618","2024-05-07T18:52:36.322426563"],
                 "reparenting_history":["e1bfd8c633d713d279e6fcd2bcc15b6d"]}""".formatted(ANCESTOR);
        IndexPart index = parse("""
                {"version":5,
                 "layer_metadata":{"%1$s":{"file_size":23289856,"generation":1},"%2$s":{"file_size":1015808,"generation":2}},
                 "disk_consistent_lsn":"0/15A7618","metadata_bytes":%3$s,"lineage":%4$s}
                """.formatted(DELTA_A, DELTA_B, block(BLOCK_ROOT_PG16), lineage));
        assertEquals(5, index.version());
        assertLayer(index, DELTA_A, 23289856, Generation.of(1));
        assertLayer(index, DELTA_B, 1015808, Generation.of(2));
        assertEquals(Lsn.parse("0/15A7618"), index.diskConsistentLsn());
        assertNull(index.metadata().prevRecordLsn());
        assertNull(index.metadata().ancestorTimeline(), "lineage records a detached ancestor, not a current one");
        assertEquals(16, index.metadata().pgVersion());
        assertEquals(json(lineage), index.preserved().get("lineage"));
        assertRoundTrips(index);
    }

    @Test
    void version6AddsTheAuxFilePolicyAndReadsTheOldBlockFormat() throws Exception {
        TimelineId ancestor = TimelineId.parse(ANCESTOR);
        String oldFormatBlock = oldFormatBlock(Lsn.parse("0/3000000"), null, ancestor, Lsn.parse("0/2000000"),
                Lsn.parse("0/1000000"), Lsn.parse("0/1000000"));
        IndexPart index = parse("""
                {"version":6,"layer_metadata":{"%1$s":{"file_size":4096,"generation":7}},
                 "disk_consistent_lsn":"0/3000000","metadata_bytes":%2$s,
                 "deleted_at":"2023-07-31T09:00:00","last_aux_file_policy":"V2"}
                """.formatted(IMAGE_C, oldFormatBlock));
        assertEquals(6, index.version());
        assertLayer(index, IMAGE_C, 4096, Generation.of(7));
        assertEquals(new TimelineMetadata(Lsn.parse("0/3000000"), null, ancestor, Lsn.parse("0/2000000"),
                Lsn.parse("0/1000000"), Lsn.parse("0/1000000"), LegacyMetadataBytes.OLD_FORMAT_PG_VERSION),
                index.metadata(), "format 3 has no pg_version: every such timeline ran PostgreSQL 14");
        assertEquals(Instant.parse("2023-07-31T09:00:00Z"), index.deletedAt());
        assertEquals(json("\"V2\""), index.preserved().get("last_aux_file_policy"));
        assertRoundTrips(index);
        assertTrue(new String(index.toJson(), StandardCharsets.UTF_8).contains("\"deleted_at\":\"2023-07-31T09:00:00\""));
    }

    @Test
    void version7WritesMetadataAsAnObject() throws Exception {
        IndexPart index = parse("""
                {"version":7,"layer_metadata":{"%1$s":{"file_size":25600000},"%2$s":{"file_size":%3$d}},
                 "disk_consistent_lsn":"0/16960E8","metadata":%4$s,"deleted_at":"2023-07-31T09:00:00.123"}
                """.formatted(DELTA_A, DELTA_B, BEYOND_DOUBLE, METADATA_OBJECT));
        assertEquals(7, index.version());
        assertLayer(index, DELTA_A, 25600000, Generation.NONE);
        assertLayer(index, DELTA_B, BEYOND_DOUBLE, Generation.NONE);
        assertEquals(new TimelineMetadata(Lsn.parse("0/16960E8"), Lsn.parse("0/1696070"), TimelineId.parse(ANCESTOR),
                Lsn.parse("0/1500000"), Lsn.parse("0/1600000"), Lsn.parse("0/14EF420"), 16), index.metadata());
        assertEquals(Instant.parse("2023-07-31T09:00:00.123Z"), index.deletedAt());
        assertTrue(index.preserved().isEmpty(), index.preserved().toString());
        index.validate();
        assertRoundTrips(index);
    }

    @Test
    void version8AddsArchivedAt() throws Exception {
        IndexPart index = parse("""
                {"version":8,"layer_metadata":{"%1$s":{"file_size":1,"generation":4294967295}},
                 "disk_consistent_lsn":"0/16960E8","metadata":%2$s,
                 "deleted_at":"2023-07-31T09:00:00.123","archived_at":"2023-04-29T09:00:00.123"}
                """.formatted(DELTA_A, METADATA_OBJECT));
        assertEquals(8, index.version());
        assertLayer(index, DELTA_A, 1, Generation.of(0xFFFF_FFFFL));
        assertEquals(TimelineId.parse(ANCESTOR), index.metadata().ancestorTimeline());
        assertEquals(Instant.parse("2023-07-31T09:00:00.123Z"), index.deletedAt());
        assertEquals(json("\"2023-04-29T09:00:00.123\""), index.preserved().get("archived_at"));
        assertRoundTrips(index);
    }

    @Test
    void version9AddsGcBlocking() throws Exception {
        String gcBlocking = "{\"started_at\":\"2024-07-19T09:00:00.123\",\"reasons\":[\"DetachAncestor\",\"Manual\"]}";
        IndexPart index = parse("""
                {"version":9,"layer_metadata":{"%1$s":{"file_size":25600000,"generation":3}},
                 "disk_consistent_lsn":"0/16960E8","metadata":%2$s,"gc_blocking":%3$s}
                """.formatted(DELTA_B, METADATA_OBJECT, gcBlocking));
        assertEquals(9, index.version());
        assertLayer(index, DELTA_B, 25600000, Generation.of(3));
        assertNull(index.deletedAt());
        assertEquals(json(gcBlocking), index.preserved().get("gc_blocking"));
        assertRoundTrips(index);
    }

    @Test
    void version10AddsImportPgdata() throws Exception {
        String importPgdata = """
                {"V1":{"Done":{"idempotency_key":"client-chosen-8d1f","started_at":"2024-11-13T09:23:42.123",
                 "finished_at":"2024-11-13T09:42:23.123"}}}""";
        IndexPart index = parse("""
                {"version":10,"layer_metadata":{},"disk_consistent_lsn":"0/16960E8","metadata":%1$s,
                 "gc_blocking":{"started_at":"2024-07-19T09:00:00.123","reasons":["DetachAncestor"]},
                 "import_pgdata":%2$s}
                """.formatted(METADATA_OBJECT, importPgdata));
        assertEquals(10, index.version());
        assertTrue(index.layers().isEmpty());
        assertEquals(TimelineId.parse(ANCESTOR), index.metadata().ancestorTimeline());
        assertEquals(json(importPgdata), index.preserved().get("import_pgdata"));
        assertEquals(BigInteger.ZERO, index.totalFileSize());
        assertRoundTrips(index);
    }

    @Test
    void version11AddsRelSizeMigration() throws Exception {
        IndexPart index = parse("""
                {"version":11,"layer_metadata":{"%1$s":{"file_size":25600000},"%2$s":{"file_size":%3$d,"generation":2}},
                 "disk_consistent_lsn":"0/16960E8","metadata":%4$s,"rel_size_migration":"legacy"}
                """.formatted(DELTA_A, DELTA_B, BEYOND_DOUBLE, METADATA_OBJECT));
        assertEquals(11, index.version());
        assertLayer(index, DELTA_B, BEYOND_DOUBLE, Generation.of(2));
        assertEquals(BigInteger.valueOf(25600000).add(BigInteger.valueOf(BEYOND_DOUBLE)), index.totalFileSize());
        assertEquals(json("\"legacy\""), index.preserved().get("rel_size_migration"));
        assertRoundTrips(index);
    }

    @Test
    void version12AddsL2Lsn() throws Exception {
        IndexPart index = parse("""
                {"version":12,"layer_metadata":{"%1$s":{"file_size":25600000}},
                 "disk_consistent_lsn":"0/16960E8","metadata":%2$s,"rel_size_migration":"migrating",
                 "l2_lsn":"0/16960E8"}
                """.formatted(DELTA_A, METADATA_OBJECT));
        assertEquals(12, index.version());
        assertEquals(json("\"0/16960E8\""), index.preserved().get("l2_lsn"));
        assertRoundTrips(index);
    }

    @Test
    void version13AddsGcCompaction() throws Exception {
        IndexPart index = parse("""
                {"version":13,"layer_metadata":{"%1$s":{"file_size":25600000}},
                 "disk_consistent_lsn":"0/16960E8","metadata":%2$s,"l2_lsn":"0/16960E8",
                 "gc_compaction":{"last_completed_lsn":"0/16960E8"}}
                """.formatted(DELTA_A, METADATA_OBJECT));
        assertEquals(13, index.version());
        assertEquals(json("{\"last_completed_lsn\":\"0/16960E8\"}"), index.preserved().get("gc_compaction"));
        assertRoundTrips(index);
    }

    @Test
    void version14AddsMarkedInvisibleAt() throws Exception {
        IndexPart index = parse("""
                {"version":14,"layer_metadata":{"%1$s":{"file_size":25600000,"generation":9}},
                 "disk_consistent_lsn":"0/16960E8","metadata":%2$s,
                 "marked_invisible_at":"2023-07-31T09:00:00.123456"}
                """.formatted(IMAGE_C, METADATA_OBJECT));
        assertEquals(14, index.version());
        assertLayer(index, IMAGE_C, 25600000, Generation.of(9));
        assertEquals(json("\"2023-07-31T09:00:00.123456\""), index.preserved().get("marked_invisible_at"));
        assertRoundTrips(index);
    }

    @Test
    void version15AsThePageserverWritesItWithTheMetadataObjectUnderMetadataBytes() throws Exception {
        IndexPart index = parse("""
                {"version":15,"deleted_at":"2024-05-07T18:52:36.322426563",
                 "layer_metadata":{"%1$s":{"file_size":25600000,"generation":5,"shard":"0000"},
                                   "%2$s":{"file_size":%3$d,"generation":6}},
                 "disk_consistent_lsn":"0/16960E8","metadata_bytes":%4$s,
                 "lineage":{"reparenting_history_truncated":true,"reparenting_history":["%5$s"]},
                 "gc_blocking":{"started_at":"2024-07-19T09:00:00.123","reasons":["DetachAncestor"]},
                 "last_aux_file_policy":"V2","rel_size_migration":"migrated","l2_lsn":"0/16960E8",
                 "gc_compaction":{"last_completed_lsn":"0/16960E8"},"marked_invisible_at":"2023-07-31T09:00:00.123",
                 "rel_size_migrated_at":"0/16960E8","field_from_a_later_writer":{"n":18446744073709551615}}
                """.formatted(DELTA_A, DELTA_B, BEYOND_DOUBLE, METADATA_OBJECT, ANCESTOR));
        assertEquals(15, index.version());
        assertLayer(index, DELTA_A, 25600000, Generation.of(5));
        assertLayer(index, DELTA_B, BEYOND_DOUBLE, Generation.of(6));
        assertEquals(Lsn.parse("0/16960E8"), index.diskConsistentLsn());
        assertEquals(TimelineId.parse(ANCESTOR), index.metadata().ancestorTimeline(),
                "the object under metadata_bytes is the metadata, not an opaque field");
        assertEquals(Instant.parse("2024-05-07T18:52:36.322426563Z"), index.deletedAt());
        assertEquals(java.util.List.of("lineage", "gc_blocking", "last_aux_file_policy", "rel_size_migration", "l2_lsn",
                "gc_compaction", "marked_invisible_at", "rel_size_migrated_at", "field_from_a_later_writer"),
                java.util.List.copyOf(index.preserved().keySet()));
        assertRoundTrips(index);
        String written = new String(index.toJson(), StandardCharsets.UTF_8);
        assertTrue(written.contains("\"deleted_at\":\"2024-05-07T18:52:36.322426563\""), written);
        assertTrue(written.contains("{\"n\":18446744073709551615}"), written);
    }

    @Test
    void everyVersionFromOneToFifteenIsAcceptedAndNoOther() throws Exception {
        for (int version = IndexPart.MIN_READ_VERSION; version <= IndexPart.MAX_READ_VERSION; version++) {
            IndexPart index = parse("{\"version\":" + version + ",\"layer_metadata\":{},\"disk_consistent_lsn\":\"0/1\"}");
            assertEquals(version, index.version());
        }
        for (String version : new String[] {"0", "16", "4294967311"}) {
            InvalidIndexException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidIndexException.class,
                    () -> parse("{\"version\":" + version + ",\"layer_metadata\":{},\"disk_consistent_lsn\":\"0/1\"}"));
            assertTrue(e.getMessage().contains("version = " + version), e.getMessage());
        }
    }

    @Test
    void timestampsAreWrittenWithThreeSixOrNineFractionDigits() throws Exception {
        Map<String, String> cases = Map.of(
                "2024-07-19T09:00:00Z", "2024-07-19T09:00:00",
                "2024-07-19T09:00:00.120Z", "2024-07-19T09:00:00.120",
                "2024-07-19T09:00:00.000120Z", "2024-07-19T09:00:00.000120",
                "2024-07-19T09:00:00.000000120Z", "2024-07-19T09:00:00.000000120");
        for (Map.Entry<String, String> entry : cases.entrySet()) {
            Instant instant = Instant.parse(entry.getKey());
            assertEquals(entry.getValue(), IndexPart.formatTimestamp(instant));
            assertEquals(instant, IndexPart.parseTimestamp("deleted_at", entry.getValue()));
        }
    }

    @Test
    void withDeletedAtSetsAndClearsTheTombstone() throws Exception {
        IndexPart index = parse("""
                {"version":7,"layer_metadata":{"%s":{"file_size":1}},"disk_consistent_lsn":"0/16960E8","metadata":%s}
                """.formatted(DELTA_A, METADATA_OBJECT));
        Instant when = Instant.parse("2025-01-02T03:04:05.678Z");
        IndexPart deleted = index.withDeletedAt(when);
        assertEquals(when, IndexPart.parse(deleted.toJson()).deletedAt());
        assertEquals(index.layers(), deleted.layers());
        assertNull(IndexPart.parse(deleted.withDeletedAt(null).toJson()).deletedAt());
    }

    /** A format-3 block (no pg_version), checksummed like the pageserver does. */
    private static String oldFormatBlock(Lsn diskConsistent, Lsn prevRecord, TimelineId ancestor, Lsn ancestorLsn,
            Lsn gcCutoff, Lsn initdb) {
        ByteBuffer body = ByteBuffer.allocate(64);
        body.putLong(diskConsistent.value());
        if (prevRecord == null) {
            body.put((byte) 0);
        } else {
            body.put((byte) 1).putLong(prevRecord.value());
        }
        if (ancestor == null) {
            body.put((byte) 0);
        } else {
            body.put((byte) 1).put(java.util.HexFormat.of().parseHex(ancestor.hex()));
        }
        body.putLong(ancestorLsn.value()).putLong(gcCutoff.value()).putLong(initdb.value());
        int bodySize = body.position();
        CRC32C crc = new CRC32C();
        crc.update(body.array(), 0, bodySize);
        ByteBuffer block = ByteBuffer.allocate(LegacyMetadataBytes.HEADER_SIZE + bodySize);
        block.putInt((int) crc.getValue()).putShort((short) (LegacyMetadataBytes.HEADER_SIZE + bodySize))
                .putShort((short) LegacyMetadataBytes.OLD_FORMAT_VERSION).put(body.array(), 0, bodySize);
        int[] head = new int[block.capacity()];
        for (int i = 0; i < head.length; i++) {
            head[i] = Byte.toUnsignedInt(block.get(i));
        }
        return block(head);
    }
}
