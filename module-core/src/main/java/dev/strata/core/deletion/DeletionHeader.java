package dev.strata.core.deletion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;

/**
 * The deletion queue's header ({@code deletion/header-01}): every list with a sequence up to
 * {@code validatedSequence} has been validated (its file holds only the entries that passed).
 */
record DeletionHeader(long validatedSequence) {
    static final String FILE = "header-01";
    static final DeletionHeader INITIAL = new DeletionHeader(0);
    private static final ObjectMapper JSON = new ObjectMapper();

    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", DeletionList.VERSION);
        root.put("validated_sequence", new BigInteger(Long.toUnsignedString(validatedSequence)));
        return root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Parses the header, ignoring unknown fields. */
    static DeletionHeader parse(String source, byte[] json) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("deletion queue header " + source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException("deletion queue header " + source + " is not a JSON object");
        }
        long version = DeletionList.unsigned(source, root, "version");
        if (version != DeletionList.VERSION) {
            throw new IOException("deletion queue header " + source + " has version " + version + ", this node reads "
                    + DeletionList.VERSION);
        }
        return new DeletionHeader(DeletionList.unsigned(source, root, "validated_sequence"));
    }
}
