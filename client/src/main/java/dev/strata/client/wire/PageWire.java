package dev.strata.client.wire;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.PageRecord;
import dev.strata.api.PageRecordCodec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The binary wire format of the page API. Every message starts with a version byte ({@link #VERSION}); all
 * integers are big-endian.
 *
 * <pre>
 * ingest request   (POST …/timeline/{id}/ingest):   u8 version, u32 count, count x (key[18], record)
 * pages request    (POST …/timeline/{id}/pages):    u8 version, u64 lsn (0 = latest), u32 count, count x key[18]
 * pages response   (…/pages, GET …/page, GET …/range): u8 version, u64 lsn served, u32 count,
 *                                                   count x (key[18], u8 present, [u32 length, bytes])
 * record           as {@link PageRecordCodec} writes it
 * </pre>
 *
 * Decoding checks every length against the bytes left and rejects trailing bytes, so a malformed body is
 * reported as such ({@link MalformedMessageException}) and never half-applied.
 */
public final class PageWire {
    public static final byte VERSION = 1;
    /** Most records in one ingest batch. */
    public static final int MAX_BATCH_RECORDS = 100_000;
    /** Most keys in one pages request. */
    public static final int MAX_KEYS = 100_000;

    private PageWire() {}

    /** One write of an ingest batch. */
    public record Write(Key key, PageRecord record) {
        public Write {
            Objects.requireNonNull(key, "key is null");
            Objects.requireNonNull(record, "record is null");
        }
    }

    /** One entry of a pages response: the page, or null when the key has no value at that LSN. */
    public record Page(Key key, byte[] page) {
        public Page {
            Objects.requireNonNull(key, "key is null");
        }
    }

    /** A decoded pages response. */
    public record Pages(Lsn lsn, List<Page> pages) {}

    /** A decoded pages request; {@code lsn} null means the latest. */
    public record PagesRequest(Lsn lsn, List<Key> keys) {}

    public static byte[] encodeIngest(List<Write> writes) {
        int size = 1 + 4;
        for (Write write : writes) {
            size += Key.BYTES + recordSize(write.record());
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(VERSION).putInt(writes.size());
        for (Write write : writes) {
            write.key().write(out);
            encodeRecord(write.record(), out);
        }
        return out.array();
    }

    public static List<Write> decodeIngest(byte[] body) {
        ByteBuffer in = open(body, "ingest batch");
        try {
            int count = in.getInt();
            if (count <= 0 || count > MAX_BATCH_RECORDS) {
                throw new MalformedMessageException("ingest batch has " + Integer.toUnsignedString(count)
                        + " records; expected 1 to " + MAX_BATCH_RECORDS);
            }
            List<Write> writes = new ArrayList<>(Math.min(count, 1024));
            for (int i = 0; i < count; i++) {
                Key key = Key.read(in);
                writes.add(new Write(key, decodeRecord(in, i)));
            }
            requireEnd(in, "ingest batch");
            return writes;
        } catch (BufferUnderflowException e) {
            throw new MalformedMessageException("ingest batch ends early (" + body.length + " bytes)");
        }
    }

    public static byte[] encodePagesRequest(Lsn lsn, List<Key> keys) {
        ByteBuffer out = ByteBuffer.allocate(1 + 8 + 4 + keys.size() * Key.BYTES).put(VERSION)
                .putLong(lsn == null ? 0 : lsn.value()).putInt(keys.size());
        for (Key key : keys) {
            key.write(out);
        }
        return out.array();
    }

    public static PagesRequest decodePagesRequest(byte[] body) {
        ByteBuffer in = open(body, "pages request");
        try {
            long lsn = in.getLong();
            int count = in.getInt();
            if (count < 0 || count > MAX_KEYS) {
                throw new MalformedMessageException("pages request has " + Integer.toUnsignedString(count)
                        + " keys; expected 0 to " + MAX_KEYS);
            }
            List<Key> keys = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                keys.add(Key.read(in));
            }
            requireEnd(in, "pages request");
            return new PagesRequest(lsn == 0 ? null : Lsn.of(lsn), keys);
        } catch (BufferUnderflowException e) {
            throw new MalformedMessageException("pages request ends early (" + body.length + " bytes)");
        }
    }

    public static byte[] encodePages(Lsn lsn, List<Page> pages) {
        int size = 1 + 8 + 4;
        for (Page page : pages) {
            size += Key.BYTES + 1 + (page.page() == null ? 0 : 4 + page.page().length);
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(VERSION).putLong(lsn.value()).putInt(pages.size());
        for (Page page : pages) {
            page.key().write(out);
            if (page.page() == null) {
                out.put((byte) 0);
            } else {
                out.put((byte) 1).putInt(page.page().length).put(page.page());
            }
        }
        return out.array();
    }

    public static Pages decodePages(byte[] body) {
        ByteBuffer in = open(body, "pages response");
        try {
            Lsn lsn = Lsn.of(in.getLong());
            int count = in.getInt();
            if (count < 0) {
                throw new MalformedMessageException("pages response has a negative count");
            }
            List<Page> pages = new ArrayList<>(Math.min(count, 1024));
            for (int i = 0; i < count; i++) {
                Key key = Key.read(in);
                byte present = in.get();
                pages.add(new Page(key, present == 0 ? null : bytes(in, in.getInt(), "page " + i)));
            }
            requireEnd(in, "pages response");
            return new Pages(lsn, pages);
        } catch (BufferUnderflowException e) {
            throw new MalformedMessageException("pages response ends early (" + body.length + " bytes)");
        }
    }

    private static ByteBuffer open(byte[] body, String what) {
        if (body == null || body.length == 0) {
            throw new MalformedMessageException(what + " is empty");
        }
        ByteBuffer in = ByteBuffer.wrap(body);
        byte version = in.get();
        if (version != VERSION) {
            throw new MalformedMessageException(what + " has wire version " + version + "; this node speaks " + VERSION);
        }
        return in;
    }

    private static void requireEnd(ByteBuffer in, String what) {
        if (in.hasRemaining()) {
            throw new MalformedMessageException(what + " has " + in.remaining() + " bytes after its last entry");
        }
    }

    private static int recordSize(PageRecord record) {
        return PageRecordCodec.encodedSize(record);
    }

    private static void encodeRecord(PageRecord record, ByteBuffer out) {
        PageRecordCodec.encode(record, out);
    }

    private static PageRecord decodeRecord(ByteBuffer in, int index) {
        try {
            return PageRecordCodec.decode(in);
        } catch (BufferUnderflowException e) {
            throw new MalformedMessageException("record " + index + " ends early");
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException("record " + index + ": " + e.getMessage());
        }
    }

    private static byte[] bytes(ByteBuffer in, int length, String where) {
        if (length < 0 || length > in.remaining()) {
            throw new MalformedMessageException(where + " claims " + Integer.toUnsignedString(length)
                    + " bytes but " + in.remaining() + " are left");
        }
        if (length > PageRecord.MAX_VALUE_BYTES) {
            throw new MalformedMessageException(where + " has " + length + " bytes, more than the maximum "
                    + PageRecord.MAX_VALUE_BYTES);
        }
        byte[] out = new byte[length];
        in.get(out);
        return out;
    }
}
