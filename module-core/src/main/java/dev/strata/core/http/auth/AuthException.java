package dev.strata.core.http.auth;

/** A request that failed authentication (401) or authorisation (403); the message says why. */
public sealed abstract class AuthException extends RuntimeException {
    private AuthException(String message) {
        super(message);
    }

    public abstract int status();

    /** No token, a malformed or expired token, or a bad signature: HTTP 401. */
    public static final class Unauthorized extends AuthException {
        public Unauthorized(String message) {
            super(message);
        }

        @Override
        public int status() {
            return 401;
        }
    }

    /** A valid token whose scope does not cover the request: HTTP 403. */
    public static final class Forbidden extends AuthException {
        public Forbidden(String message) {
            super(message);
        }

        @Override
        public int status() {
            return 403;
        }
    }
}
