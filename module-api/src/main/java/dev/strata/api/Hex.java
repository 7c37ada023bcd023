package dev.strata.api;

/** Hex helpers shared by the identifier types; package-private on purpose. */
final class Hex {
    private static final char[] LOWER = "0123456789abcdef".toCharArray();

    private Hex() {}

    static String lower(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = LOWER[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = LOWER[bytes[i] & 0xF];
        }
        return new String(out);
    }

    /** Decodes exactly {@code expectedDigits} hex digits of either case, or returns null. */
    static byte[] decode(String text, int expectedDigits) {
        if (text == null || text.length() != expectedDigits || (expectedDigits & 1) != 0) {
            return null;
        }
        byte[] out = new byte[expectedDigits / 2];
        for (int i = 0; i < out.length; i++) {
            int high = Character.digit(text.charAt(2 * i), 16);
            int low = Character.digit(text.charAt(2 * i + 1), 16);
            if (high < 0 || low < 0) {
                return null;
            }
            out[i] = (byte) ((high << 4) | low);
        }
        return out;
    }

    static boolean isLowerHex(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
