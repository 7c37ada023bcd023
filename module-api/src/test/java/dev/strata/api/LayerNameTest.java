package dev.strata.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayerNameTest {
    private static final String MIN = "0".repeat(36);
    private static final String MAX = "F".repeat(36);
    private static final String K1 = "000000067F000032BE0000400000000070B6";
    private static final String K2 = "000000067F000032BE0000400000000080B6";

    @Test
    void parsesDeltaWithAndWithoutGeneration() {
        String bare = MIN + "-" + MAX + "__0000000001000000-0000000001800000";
        LayerName name = LayerName.parse(bare);
        DeltaLayerName delta = assertInstanceOf(DeltaLayerName.class, name);
        assertEquals(Key.MIN, delta.keyStart());
        assertEquals(Key.MAX, delta.keyEnd());
        assertEquals(Lsn.of(0x1000000), delta.lsnStart());
        assertEquals(Lsn.of(0x1800000), delta.lsnEnd());
        assertTrue(delta.isL0());
        assertEquals(bare, delta.text());

        LayerFileName remote = LayerFileName.parse(bare + "-00000003");
        assertEquals(name, remote.name());
        assertEquals(Generation.of(3), remote.generation());
        LayerFileName local = LayerFileName.parse(bare + "-v1-0000000a");
        assertEquals(name, local.name());
        assertEquals(Generation.of(10), local.generation());
        assertEquals(bare + "-v1-0000000a", local.localFileName());
        assertEquals(bare + "-0000000a", local.remoteObjectName());
        assertEquals(Generation.NONE, LayerFileName.parse(bare).generation());
    }

    @Test
    void parsesImageWithAndWithoutGeneration() {
        String bare = K1 + "-" + K2 + "__00000000016B59D8";
        ImageLayerName image = assertInstanceOf(ImageLayerName.class, LayerName.parse(bare));
        assertEquals(Key.parse(K1), image.keyStart());
        assertEquals(Lsn.of(0x16B59D8), image.lsn());
        assertEquals(Lsn.of(0x16B59D9), image.lsnEnd());
        assertEquals(image, LayerName.parse(bare + "-00000001"));
        assertEquals(Generation.of(1), LayerFileName.parse(bare + "-v1-00000001").generation());
        assertEquals(bare, image.text());
    }

    @Test
    void shortLsnsInOlderNamesParse() {
        LayerName name = LayerName.parse(K1 + "-" + K2 + "__1-2");
        assertEquals(Lsn.of(1), name.lsnStart());
        assertEquals(Lsn.of(2), name.lsnEnd());
    }

    @Test
    void deltaNeverParsesAsImage() {
        LayerName name = LayerName.parse(K1 + "-" + K2 + "__0000000001000000-0000000001800000");
        assertInstanceOf(DeltaLayerName.class, name);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "garbage",
        "000000067F000032BE0000400000000070B6__0000000001000000",
        "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6",
        "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__",
        "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__XYZ",
        "000000067F000032BE0000400000000080B6-000000067F000032BE0000400000000070B6__0000000001000000",
        "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__0000000001800000-0000000001000000",
        "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__0000000001000000-0000000001800000-abc",
        "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__0000000001000000-v2-00000001",
        "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__0000000001000000-0000000G",
        "00000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__0000000001000000",
        "000000067F000032BE0000400000000070B6-000000067F000032BE0000400000000080B6__00000000010000000",
    })
    void rejectsInvalidNamesNamingTheInput(String text) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> LayerName.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        assertEquals(text, e.input());
    }

    @Test
    void ordersByKeyThenLsn() {
        LayerName a = LayerName.parse(K1 + "-" + K2 + "__0000000000000010-0000000000000020");
        LayerName b = LayerName.parse(K1 + "-" + K2 + "__0000000000000020-0000000000000030");
        LayerName c = LayerName.parse(K2 + "-" + MAX + "__0000000000000010");
        assertTrue(a.compareTo(b) < 0);
        assertTrue(b.compareTo(c) < 0);
    }
}
