package dev.strata.backend.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.strata.api.remote.CallContext;
import dev.strata.api.remote.Cancellation;
import dev.strata.api.remote.CancellationSource;
import dev.strata.api.remote.Deadline;
import dev.strata.api.remote.RemoteStorageException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Error classification of S3 answers and client failures, built the way the SDK builds them. */
final class S3ErrorsTest {
    private static final CallContext NONE = CallContext.NONE;

    private static S3Exception s3(int status, String code, String retryAfter) {
        SdkHttpResponse.Builder response = SdkHttpResponse.builder().statusCode(status);
        if (retryAfter != null) {
            response.putHeader("Retry-After", retryAfter);
        }
        return (S3Exception) S3Exception.builder().statusCode(status).message(code)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).sdkHttpResponse(response.build()).build()).build();
    }

    private static RemoteStorageException classify(Exception e, boolean conditionalPut) {
        return S3Errors.classify("put", "k", e, NONE, conditionalPut);
    }

    @Test
    void serviceAnswersMapToTheirClasses() {
        assertInstanceOf(RemoteStorageException.NotFound.class, classify(s3(404, "NoSuchKey", null), false));
        assertInstanceOf(RemoteStorageException.Permanent.class, classify(s3(404, "NoSuchBucket", null), false),
                "a missing bucket is configuration, not a missing object");
        assertInstanceOf(RemoteStorageException.AlreadyExists.class, classify(s3(412, "PreconditionFailed", null), true));
        assertInstanceOf(RemoteStorageException.PreconditionFailed.class, classify(s3(412, "PreconditionFailed", null), false));
        assertInstanceOf(RemoteStorageException.Permanent.class, classify(s3(403, "AccessDenied", null), false));
        assertInstanceOf(RemoteStorageException.Permanent.class, classify(s3(400, "InvalidArgument", null), false));
        for (int status : new int[] {500, 502, 504, 429, 409}) {
            assertInstanceOf(RemoteStorageException.Transient.class, classify(s3(status, "Whatever", null), false), "status " + status);
        }
        assertInstanceOf(RemoteStorageException.Transient.class, classify(s3(400, "RequestTimeout", null), false));
        assertInstanceOf(RemoteStorageException.Permanent.class, classify(s3(501, "NotImplemented", null), false),
                "a store without a feature does not gain it on retry");
    }

    @Test
    void slowDownIsTransientWithTheRequestedDelay() {
        RemoteStorageException slowDown = classify(s3(503, "SlowDown", "3"), false);
        RemoteStorageException.Transient transientError = assertInstanceOf(RemoteStorageException.Transient.class, slowDown);
        assertEquals(Optional.of(Duration.ofSeconds(3)), transientError.retryAfter());
        assertEquals(Optional.empty(), ((RemoteStorageException.Transient) classify(s3(503, "SlowDown", "soon"), false)).retryAfter());
    }

    @Test
    void clientFailuresSeparateNoConnectionFromUnknownEffect() {
        SdkClientException refused = SdkClientException.builder().message("refused").cause(new ConnectException("refused")).build();
        assertInstanceOf(RemoteStorageException.Transient.class, classify(refused, true), "nothing was sent");
        SdkClientException reset = SdkClientException.builder().message("reset").cause(new IOException("Connection reset")).build();
        assertInstanceOf(RemoteStorageException.Timeout.class, classify(reset, true), "the request may have been applied");
        SdkClientException readTimeout = SdkClientException.builder().message("read").cause(new SocketTimeoutException("Read timed out")).build();
        assertInstanceOf(RemoteStorageException.Timeout.class, classify(readTimeout, false));
        assertInstanceOf(RemoteStorageException.Timeout.class, classify(ApiCallTimeoutException.create(1000), false));
    }

    @Test
    void theCallersCancellationAndDeadlineWin() {
        CancellationSource cancelled = new CancellationSource();
        cancelled.cancel();
        SdkClientException aborted = SdkClientException.builder().message("aborted").cause(new IOException("closed")).build();
        assertInstanceOf(RemoteStorageException.Cancelled.class,
                S3Errors.classify("get", "k", aborted, new CallContext(cancelled, Deadline.NONE), false));
        assertInstanceOf(RemoteStorageException.Timeout.class, S3Errors.classify("get", "k", s3(500, "InternalError", null),
                new CallContext(Cancellation.NEVER, Deadline.after(Duration.ZERO)), false));
    }
}
