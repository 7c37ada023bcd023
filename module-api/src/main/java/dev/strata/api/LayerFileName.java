package dev.strata.api;

import java.util.Objects;

/**
 * A layer name with the generation that wrote it: the name of the local file
 * ({@code <layer name>-v1-<gen:08x>}) and of the remote object ({@code <layer name>-<gen:08x>}). With
 * generation NONE both forms are the bare layer name.
 */
public record LayerFileName(LayerName name, Generation generation) {
    public LayerFileName {
        Objects.requireNonNull(name, "name is null");
        Objects.requireNonNull(generation, "generation is null");
    }

    public String localFileName() {
        return generation.isNone() ? name.text() : name.text() + "-v1" + generation.suffix();
    }

    public String remoteObjectName() {
        return name.text() + generation.suffix();
    }

    /**
     * Parses a layer name in any of its forms: bare, local ({@code -v1-<gen>}) or remote ({@code -<gen>}).
     * Both the delta and the image parser are tried, following FORMATS.md.
     *
     * @throws InvalidInputException that names the input and says why neither parser accepted it
     */
    public static LayerFileName parse(String text) {
        Objects.requireNonNull(text, "text is null");
        int split = text.indexOf("__");
        if (split < 0) {
            throw new InvalidInputException("layer name", text, "no '__' between the key range and the LSNs");
        }
        String keyPart = text.substring(0, split);
        String lsnPart = text.substring(split + 2);
        int dash = keyPart.indexOf('-');
        if (dash < 0) {
            throw new InvalidInputException("layer name", text, "the key range has no '-'");
        }
        Key keyStart;
        Key keyEnd;
        try {
            keyStart = Key.parse(keyPart.substring(0, dash));
            keyEnd = Key.parse(keyPart.substring(dash + 1));
        } catch (InvalidInputException e) {
            throw new InvalidInputException("layer name", text, e.getMessage());
        }
        if (keyStart.compareTo(keyEnd) >= 0) {
            throw new InvalidInputException("layer name", text, "key start is not below key end");
        }
        String deltaError;
        LayerFileName delta = null;
        try {
            delta = parseDelta(keyStart, keyEnd, lsnPart);
            deltaError = null;
        } catch (IllegalArgumentException e) {
            deltaError = e.getMessage();
        }
        String imageError;
        LayerFileName image = null;
        try {
            image = parseImage(keyStart, keyEnd, lsnPart);
            imageError = null;
        } catch (IllegalArgumentException e) {
            imageError = e.getMessage();
        }
        if (delta != null && image != null) {
            throw new InvalidInputException("layer name", text, "ambiguous: parses as both a delta and an image");
        }
        if (delta != null) {
            return delta;
        }
        if (image != null) {
            return image;
        }
        throw new InvalidInputException("layer name", text,
                "not a delta name (" + deltaError + ") and not an image name (" + imageError + ")");
    }

    private static LayerFileName parseImage(Key keyStart, Key keyEnd, String lsnPart) {
        int dash = lsnPart.indexOf('-');
        String lsnText = dash < 0 ? lsnPart : lsnPart.substring(0, dash);
        Generation generation = dash < 0 ? Generation.NONE : parseGenerationTail(lsnPart.substring(dash + 1));
        return new LayerFileName(new ImageLayerName(keyStart, keyEnd, Lsn.parseFileName(lsnText)), generation);
    }

    private static LayerFileName parseDelta(Key keyStart, Key keyEnd, String lsnPart) {
        int dash = lsnPart.indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException("one LSN, a delta needs two");
        }
        String startText = lsnPart.substring(0, dash);
        String rest = lsnPart.substring(dash + 1);
        int tailDash = rest.indexOf('-');
        String endText = tailDash < 0 ? rest : rest.substring(0, tailDash);
        Generation generation = tailDash < 0 ? Generation.NONE : parseGenerationTail(rest.substring(tailDash + 1));
        Lsn start = Lsn.parseFileName(startText);
        Lsn end = Lsn.parseFileName(endText);
        if (start.compareTo(end) >= 0) {
            throw new IllegalArgumentException("LSN start is not below LSN end");
        }
        return new LayerFileName(new DeltaLayerName(keyStart, keyEnd, start, end), generation);
    }

    /** The text after the LSNs: {@code v1-<gen>}, {@code v1} or {@code <gen>} (8 characters). */
    private static Generation parseGenerationTail(String tail) {
        if (tail.startsWith("v")) {
            int dash = tail.indexOf('-');
            String version = dash < 0 ? tail : tail.substring(0, dash);
            if (!version.equals("v1")) {
                throw new IllegalArgumentException("unknown local layer file version '" + version + "'");
            }
            return dash < 0 ? Generation.NONE : Generation.parseSuffix(tail.substring(dash + 1));
        }
        if (tail.length() != 8) {
            throw new IllegalArgumentException("suffix '" + tail + "' is neither v1-<gen> nor an 8-digit generation");
        }
        return Generation.parseSuffix(tail);
    }

    @Override
    public String toString() {
        return localFileName();
    }
}
