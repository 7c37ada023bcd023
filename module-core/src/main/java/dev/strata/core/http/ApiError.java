package dev.strata.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.strata.client.wire.MalformedMessageException;
import dev.strata.core.timeline.EngineException;
import java.util.Objects;

/**
 * Maps a failure to the HTTP status and {@code {"msg": …}} body of FORMATS.md: 400 bad input, 404 not found,
 * 409 conflict, 503 transient (with Retry-After), 500 otherwise.
 */
record ApiError(int status, String message) {
    ApiError {
        Objects.requireNonNull(message, "message is null");
    }

    static ApiError of(Throwable failure) {
        return switch (failure) {
            case EngineException.BadRequest e -> new ApiError(400, e.getMessage());
            case EngineException.NotFound e -> new ApiError(404, e.getMessage());
            case EngineException.Conflict e -> new ApiError(409, e.getMessage());
            case EngineException.Broken e -> new ApiError(500, e.getMessage());
            case EngineException.Unavailable e -> new ApiError(503, e.getMessage());
            case BadRequestBody e -> new ApiError(400, e.getMessage());
            case MalformedMessageException e -> new ApiError(400, "malformed page message: " + e.getMessage());
            case JsonProcessingException e -> new ApiError(400, "malformed JSON: " + e.getOriginalMessage());
            case IllegalArgumentException e -> new ApiError(400, e.getMessage());
            default -> new ApiError(500, failure.getMessage() == null ? failure.toString() : failure.getMessage());
        };
    }

    /** A request body or parameter that is missing or malformed. */
    static final class BadRequestBody extends RuntimeException {
        BadRequestBody(String message) {
            super(message);
        }
    }
}
