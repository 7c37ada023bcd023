package dev.strata.core.index;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Documents that must not parse, and the field and value each error has to name. */
final class IndexPartMalformedTest {
    private static final String LAYER =
            "000000000000000000000000000000000000-FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF__0000000001500000-0000000001696070";
    private static final String METADATA = "{\"disk_consistent_lsn\":\"0/16960E8\",\"ancestor_lsn\":\"0/0\","
            + "\"latest_gc_cutoff_lsn\":\"0/0\",\"initdb_lsn\":\"0/1\",\"pg_version\":16}";

    /** A version-15 document with {@code layer} as its one layer's value and {@code extra} appended. */
    private static String document(String layerValue, String extra) {
        return "{\"version\":15,\"layer_metadata\":{\"" + LAYER + "\":" + layerValue + "},"
                + "\"disk_consistent_lsn\":\"0/16960E8\"" + extra + "}";
    }

    private static String withMetadata(String metadata) {
        return document("{\"file_size\":1}", ",\"metadata\":" + metadata);
    }

    private static String block(int... head) {
        return IndexPartCompatibilityTest.block(head);
    }

    static Stream<Arguments> documents() {
        return Stream.of(
                Arguments.of("truncated", "{\"version\":15,\n\"layer_metadata\":{",
                        List.of("not valid JSON", "line 2, column")),
                Arguments.of("trailing text", document("{\"file_size\":1}", "") + " {}",
                        List.of("not valid JSON", "line 1, column")),
                Arguments.of("duplicate field", "{\"version\":15,\"version\":14}",
                        List.of("Duplicate field 'version'", "line 1")),
                Arguments.of("an array", "[1,2]", List.of("not a JSON object", "[1,2]")),
                Arguments.of("empty", "", List.of("not a JSON object", "empty")),
                Arguments.of("no version", "{\"layer_metadata\":{},\"disk_consistent_lsn\":\"0/1\"}",
                        List.of("version is missing")),
                Arguments.of("version as a string", "{\"version\":\"15\"}", List.of("version", "\"15\"")),
                Arguments.of("layer_metadata as a list", "{\"version\":15,\"layer_metadata\":[]}",
                        List.of("layer_metadata is not an object: []")),
                Arguments.of("layer name", "{\"version\":15,\"layer_metadata\":{\"not-a-layer\":{\"file_size\":1}}}",
                        List.of("layer_metadata", "not-a-layer")),
                Arguments.of("layer value", document("12", ""), List.of("layer_metadata." + LAYER, "not an object: 12")),
                Arguments.of("fractional size", document("{\"file_size\":1.5}", ""),
                        List.of("layer_metadata." + LAYER + ".file_size", "1.5")),
                Arguments.of("size as a string", document("{\"file_size\":\"25600000\"}", ""),
                        List.of(".file_size", "\"25600000\"")),
                Arguments.of("negative size", document("{\"file_size\":-1}", ""), List.of(".file_size", "-1")),
                Arguments.of("size of 2^64", document("{\"file_size\":18446744073709551616}", ""),
                        List.of(".file_size", "18446744073709551616")),
                Arguments.of("no size", document("{\"generation\":1}", ""), List.of(".file_size is missing")),
                Arguments.of("generation of 2^32", document("{\"file_size\":1,\"generation\":4294967296}", ""),
                        List.of(".generation", "4294967296")),
                Arguments.of("generation of 2^63", document("{\"file_size\":1,\"generation\":9223372036854775808}", ""),
                        List.of(".generation", "9223372036854775808")),
                Arguments.of("another shard", document("{\"file_size\":1,\"shard\":\"0104\"}", ""),
                        List.of(".shard", "\"0104\"")),
                Arguments.of("a layer twice", "{\"version\":15,\"layer_metadata\":{\"" + LAYER + "\":{\"file_size\":1},\""
                        + LAYER + "-00000002\":{\"file_size\":2}}}", List.of("twice", LAYER + "-00000002")),
                Arguments.of("no disk_consistent_lsn", "{\"version\":15,\"layer_metadata\":{}}",
                        List.of("disk_consistent_lsn is missing")),
                Arguments.of("LSN as a number", "{\"version\":15,\"layer_metadata\":{},\"disk_consistent_lsn\":123}",
                        List.of("disk_consistent_lsn", "123")),
                Arguments.of("LSN text", "{\"version\":15,\"layer_metadata\":{},\"disk_consistent_lsn\":\"0/XYZ\"}",
                        List.of("disk_consistent_lsn", "0/XYZ")),
                Arguments.of("metadata as a string", withMetadata("\"abc\""), List.of("metadata", "\"abc\"")),
                Arguments.of("metadata without initdb_lsn", withMetadata(METADATA.replace(",\"initdb_lsn\":\"0/1\"", "")),
                        List.of("metadata.initdb_lsn is missing")),
                Arguments.of("ancestor", withMetadata(METADATA.replace("{", "{\"ancestor_timeline\":\"e45a7f37zz\",")),
                        List.of("metadata.ancestor_timeline", "e45a7f37zz")),
                Arguments.of("prev_record_lsn", withMetadata(METADATA.replace("{", "{\"prev_record_lsn\":\"1/2/3\",")),
                        List.of("metadata.prev_record_lsn", "1/2/3")),
                Arguments.of("pg_version", withMetadata(METADATA.replace("\"pg_version\":16", "\"pg_version\":\"sixteen\"")),
                        List.of("metadata.pg_version", "\"sixteen\"")),
                Arguments.of("both metadata names", document("{\"file_size\":1}",
                        ",\"metadata\":" + METADATA + ",\"metadata_bytes\":" + METADATA), List.of("metadata", "metadata_bytes")),
                Arguments.of("short block", document("{\"file_size\":1}", ",\"metadata_bytes\":[1,2,3]"),
                        List.of("metadata_bytes", "3 bytes")),
                Arguments.of("block element", document("{\"file_size\":1}", ",\"metadata_bytes\":" + block(0, 0, 0, 0, 0, 300)),
                        List.of("metadata_bytes[5]", "300")),
                Arguments.of("block checksum", document("{\"file_size\":1}", ",\"metadata_bytes\":" + block(
                        113, 11, 159, 211, 0, 54, 0, 4, 0, 0, 0, 0, 1, 105, 96, 232)), List.of("metadata_bytes", "checksum")),
                Arguments.of("block format", document("{\"file_size\":1}", ",\"metadata_bytes\":" + block(0, 0, 0, 0, 0, 8, 0, 9)),
                        List.of("metadata_bytes", "format version 9")),
                Arguments.of("block size", document("{\"file_size\":1}", ",\"metadata_bytes\":" + block(0, 0, 0, 0, 2, 1, 0, 4)),
                        List.of("metadata_bytes", "size 513")),
                Arguments.of("deleted_at", document("{\"file_size\":1}", ",\"deleted_at\":\"yesterday\""),
                        List.of("deleted_at", "yesterday")),
                Arguments.of("deleted_at as a number", document("{\"file_size\":1}", ",\"deleted_at\":1700000000"),
                        List.of("deleted_at", "1700000000")),
                Arguments.of("archived_at", document("{\"file_size\":1}", ",\"archived_at\":\"2024-13-01T00:00:00\""),
                        List.of("archived_at", "2024-13-01T00:00:00")),
                Arguments.of("rel_size_migrated_at", document("{\"file_size\":1}", ",\"rel_size_migrated_at\":\"soon\""),
                        List.of("rel_size_migrated_at", "soon")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void theErrorNamesTheFieldAndTheValue(String description, String document, List<String> expected) {
        InvalidIndexException e = assertThrows(InvalidIndexException.class,
                () -> IndexPart.parse(document.getBytes(StandardCharsets.UTF_8)));
        for (String fragment : expected) {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' missing from: " + e.getMessage());
        }
    }
}
