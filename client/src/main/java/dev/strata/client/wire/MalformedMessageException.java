package dev.strata.client.wire;

/** A page-API message that does not follow {@link PageWire}; the message says where it went wrong. */
public final class MalformedMessageException extends IllegalArgumentException {
    public MalformedMessageException(String message) {
        super(message);
    }
}
