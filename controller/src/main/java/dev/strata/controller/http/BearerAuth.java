package dev.strata.controller.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/** A shared secret read from a file; requests must carry it as {@code Authorization: Bearer <secret>}. */
final class BearerAuth {
    private final byte[] expected;

    private BearerAuth(byte[] expected) {
        this.expected = expected;
    }

    /** The token in {@code file} (surrounding white space ignored). */
    static BearerAuth fromFile(Path file) throws IOException {
        String token = Files.readString(file).strip();
        if (token.isEmpty()) {
            throw new IOException("token file " + file + " is empty");
        }
        return new BearerAuth(("Bearer " + token).getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the header value carries the token; compared in constant time. */
    boolean accepts(String authorization) {
        return authorization != null
                && MessageDigest.isEqual(expected, authorization.strip().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "BearerAuth[token hidden]";
    }
}
