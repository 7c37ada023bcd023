package dev.strata.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValueTypesTest {

    @Test
    void lsnTextForms() {
        assertEquals("0/16960E8", Lsn.of(0x16960E8).toString());
        assertEquals(Lsn.of(0x16960E8), Lsn.parse("0/16960E8"));
        assertEquals(Lsn.of(0x1_0000_0002L), Lsn.parse("1/2"));
        assertEquals(Lsn.MAX, Lsn.parse("FFFFFFFF/FFFFFFFF"));
        assertEquals("FFFFFFFF/FFFFFFFF", Lsn.MAX.toString());
        assertEquals("00000000016960E8", Lsn.of(0x16960E8).toFileName());
        assertEquals(Lsn.of(0x16960E8), Lsn.parseFileName("16960E8"));
        assertTrue(Lsn.of(1).isBefore(Lsn.MAX), "unsigned order");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "0/", "/0", "0/0/0", "G/0", "0/123456789", "16960E8", "-1/0"})
    void lsnRejectsBadText(String text) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Lsn.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void keyRoundTripsAndOrdersUnsigned() {
        Random random = new Random(42);
        for (int i = 0; i < 1000; i++) {
            byte[] bytes = new byte[18];
            random.nextBytes(bytes);
            Key key = Key.fromBytes(bytes);
            assertArrayEquals(bytes, key.toBytes());
            assertEquals(key, Key.parse(key.toString()));
            assertEquals(key, Key.parse(key.toString().toLowerCase()));
        }
        Key low = Key.parse("7F" + "0".repeat(34));
        Key high = Key.parse("80" + "0".repeat(34));
        assertTrue(low.compareTo(high) < 0, "0x80 sorts after 0x7F as unsigned");
        assertEquals(36, Key.MIN.toString().length());
        assertEquals("F".repeat(36), Key.MAX.toString());
        assertEquals(Key.parse("0".repeat(32) + "0001" ).next(), Key.parse("0".repeat(32) + "0002"));
        assertEquals(Key.parse("0".repeat(32) + "FFFF").next(), Key.parse("0".repeat(31) + "10000"));
    }

    @Test
    void relationPageKeyLayout() {
        Key key = Key.ofRelationPage(1663, 5, 16384, 0, 7);
        assertEquals("00" + "0000067F" + "00000005" + "00004000" + "00" + "00000007", key.toString());
        assertTrue(key.isRelationPage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00", "00000000000000000000000000000000000", "0000000000000000000000000000000000000",
        "G00000000000000000000000000000000000"})
    void keyRejectsBadText(String text) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Key.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void generationSuffixAndOrder() {
        assertEquals("", Generation.NONE.suffix());
        assertEquals("-0000000a", Generation.of(10).suffix());
        assertTrue(Generation.NONE.compareTo(Generation.of(0)) < 0);
        assertEquals(Generation.of(0xFFFFFFFFL), Generation.parseSuffix("ffffffff"));
        assertThrows(InvalidInputException.class, () -> Generation.parseSuffix("FFFFFFFF"));
        assertThrows(InvalidInputException.class, () -> Generation.parseSuffix("1"));
        assertThrows(InvalidInputException.class, () -> Generation.of(0x1_0000_0000L));
    }

    @Test
    void idsAreLowerCaseHex() {
        TenantId tenant = TenantId.random();
        assertEquals(tenant, TenantId.parse(tenant.hex()));
        assertEquals(32, TimelineId.random().hex().length());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TenantId.parse("0123456789ABCDEF0123456789abcdef"));
        assertTrue(e.getMessage().contains("0123456789ABCDEF0123456789abcdef"));
        assertThrows(InvalidInputException.class, () -> TimelineId.parse("abc"));
    }

    @Test
    void pageRecordsRejectOversizedValues() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new PageRecord.Image(new byte[PageRecord.MAX_VALUE_BYTES + 1]));
        assertTrue(e.getMessage().contains(Integer.toString(PageRecord.MAX_VALUE_BYTES + 1)));
        assertThrows(InvalidInputException.class, () -> new PageRecord.Overwrite(PageRecord.MAX_VALUE_BYTES, new byte[1]));
        assertThrows(InvalidInputException.class, () -> new PageRecord.Custom("Bad Kind", new byte[0], false));
        assertTrue(new PageRecord.Init(8192).initializes());
        assertFalse(new PageRecord.Append(new byte[1]).initializes());
        assertEquals(new PageRecord.Image(new byte[] {1, 2}), new PageRecord.Image(new byte[] {1, 2}));
    }
}
