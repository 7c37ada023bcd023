package dev.strata.core.layer;

/**
 * The result of {@link LayerFile#verify()}: every byte of the file was read and found consistent.
 *
 * @param blocks  data blocks read and checked
 * @param entries entries decoded
 * @param bytes   bytes of the file covered by a checksum that matched (the whole file)
 */
public record LayerVerification(int blocks, long entries, long bytes) {
    public LayerVerification {
        if (blocks < 0 || entries < 0 || bytes < 0) {
            throw new IllegalArgumentException("negative verification counts: " + blocks + ", " + entries + ", " + bytes);
        }
    }
}
