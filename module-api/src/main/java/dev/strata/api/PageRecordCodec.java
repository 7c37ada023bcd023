package dev.strata.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The binary form of a {@link PageRecord}, shared by the WAL, the layer files and the page API. Big-endian:
 *
 * <pre>
 * Image     : u8 1, u32 length, bytes
 * Init      : u8 2, u32 size
 * Overwrite : u8 3, u32 offset, u32 length, bytes
 * Append    : u8 4, u32 length, bytes
 * Custom    : u8 5, u8 flags (bit 0: initialises), u8 kind length, kind (ASCII), u32 length, bytes
 * </pre>
 */
public final class PageRecordCodec {
    private static final byte IMAGE = 1;
    private static final byte INIT = 2;
    private static final byte OVERWRITE = 3;
    private static final byte APPEND = 4;
    private static final byte CUSTOM = 5;

    private PageRecordCodec() {}

    public static int encodedSize(PageRecord record) {
        return switch (record) {
            case PageRecord.Image image -> 5 + image.page().length;
            case PageRecord.Init ignored -> 5;
            case PageRecord.Overwrite overwrite -> 9 + overwrite.bytes().length;
            case PageRecord.Append append -> 5 + append.bytes().length;
            case PageRecord.Custom custom -> 3 + custom.kind().length() + 4 + custom.payload().length;
        };
    }

    public static void encode(PageRecord record, ByteBuffer out) {
        switch (record) {
            case PageRecord.Image image -> out.put(IMAGE).putInt(image.page().length).put(image.page());
            case PageRecord.Init init -> out.put(INIT).putInt(init.size());
            case PageRecord.Overwrite overwrite -> out.put(OVERWRITE).putInt(overwrite.offset())
                    .putInt(overwrite.bytes().length).put(overwrite.bytes());
            case PageRecord.Append append -> out.put(APPEND).putInt(append.bytes().length).put(append.bytes());
            case PageRecord.Custom custom -> {
                byte[] kind = custom.kind().getBytes(StandardCharsets.US_ASCII);
                out.put(CUSTOM).put((byte) (custom.initializes() ? 1 : 0)).put((byte) kind.length).put(kind)
                        .putInt(custom.payload().length).put(custom.payload());
            }
        }
    }

    /**
     * Decodes one record at the buffer's position and advances past it.
     *
     * @throws IllegalArgumentException when the bytes are not a record (unknown tag, length past the end);
     *                                  callers that checked a CRC first report this as corruption
     */
    public static PageRecord decode(ByteBuffer in) {
        byte tag = in.get();
        return switch (tag) {
            case IMAGE -> new PageRecord.Image(bytes(in, in.getInt()));
            case INIT -> new PageRecord.Init(in.getInt());
            case OVERWRITE -> {
                int offset = in.getInt();
                yield new PageRecord.Overwrite(offset, bytes(in, in.getInt()));
            }
            case APPEND -> new PageRecord.Append(bytes(in, in.getInt()));
            case CUSTOM -> {
                boolean initializes = (in.get() & 1) != 0;
                String kind = new String(bytes(in, in.get() & 0xFF), StandardCharsets.US_ASCII);
                yield new PageRecord.Custom(kind, bytes(in, in.getInt()), initializes);
            }
            default -> throw new IllegalArgumentException("unknown page record tag " + tag);
        };
    }

    private static byte[] bytes(ByteBuffer in, int length) {
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("record length " + length + " exceeds the " + in.remaining() + " bytes left");
        }
        byte[] out = new byte[length];
        in.get(out);
        return out;
    }
}
