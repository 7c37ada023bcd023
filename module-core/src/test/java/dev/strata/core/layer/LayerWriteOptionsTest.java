package dev.strata.core.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LayerWriteOptionsTest {
    @Test
    void defaultsArePinned() {
        assertEquals(64 * 1024, LayerWriteOptions.DEFAULT.targetBlockBytes());
        assertFalse(LayerWriteOptions.DEFAULT.compress());
    }

    @Test
    void blockTargetIsValidated() {
        new LayerWriteOptions(LayerWriteOptions.MIN_BLOCK_BYTES, true);
        new LayerWriteOptions(LayerWriteOptions.MAX_BLOCK_BYTES, false);
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> new LayerWriteOptions(LayerWriteOptions.MIN_BLOCK_BYTES - 1, false));
        assertTrue(tooSmall.getMessage().contains(Integer.toString(LayerWriteOptions.MIN_BLOCK_BYTES - 1)),
                tooSmall.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LayerWriteOptions(LayerWriteOptions.MAX_BLOCK_BYTES + 1, false));
        assertThrows(IllegalArgumentException.class, () -> new LayerWriteOptions(-1, false));
    }
}
