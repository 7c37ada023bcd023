package dev.strata.backend.s3;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hand-written HTTP fake of S3's object tagging calls only (PutObjectTagging and GetObjectTagging, path-style
 * {@code /<bucket>/<key>?tagging}), for the {@code lifecycle-tag} executor's tests.
 *
 * <p>It exists because S3Proxy, the S3 server the other tests of this module use, does not implement object
 * tagging: it answers {@code ?tagging} with 501 NotImplemented (see {@code LifecycleTagS3ProxyTest}). Everything
 * else S3 does is S3Proxy's to test; this fake answers any other request with 501 too. It does not check
 * signatures. Objects "exist" when a test {@link #store stored} them; a key can be made to fail with a given status
 * and S3 error code.
 */
final class TaggingServer implements AutoCloseable {
    private static final Pattern TAG = Pattern.compile("<Tag>\\s*<Key>([^<]*)</Key>\\s*<Value>([^<]*)</Value>\\s*</Tag>");

    private final HttpServer server;
    private final String bucket;
    private final Set<String> objects = ConcurrentHashMap.newKeySet();
    private final Map<String, Map<String, String>> tags = new ConcurrentHashMap<>();
    private final Map<String, Failure> failures = new ConcurrentHashMap<>();
    private final Map<String, String> bodies = new ConcurrentHashMap<>();

    /** A failure to answer for one object key: HTTP status and S3 error code. */
    record Failure(int status, String code) {
    }

    private TaggingServer(HttpServer server, String bucket) {
        this.server = server;
        this.bucket = bucket;
    }

    static TaggingServer start(String bucket) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        TaggingServer fake = new TaggingServer(server, bucket);
        server.createContext("/", fake::handle);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return fake;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Makes {@code objectKey} (the full key in the bucket) exist, without tags. */
    void store(String objectKey) {
        objects.add(objectKey);
    }

    boolean exists(String objectKey) {
        return objects.contains(objectKey);
    }

    /** The tags of {@code objectKey}: empty when never tagged. */
    Map<String, String> tags(String objectKey) {
        return tags.getOrDefault(objectKey, Map.of());
    }

    /** The body of the last PutObjectTagging request for {@code objectKey}, or null. */
    String lastTaggingBody(String objectKey) {
        return bodies.get(objectKey);
    }

    /** Answers every tagging request for {@code objectKey} with {@code failure}. */
    void fail(String objectKey, Failure failure) {
        failures.put(objectKey, failure);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            String prefix = "/" + bucket + "/";
            if (query == null || !query.startsWith("tagging") || !path.startsWith(prefix)) {
                answer(exchange, 501, error("NotImplemented", "only object tagging is faked"));
                return;
            }
            String objectKey = URLDecoder.decode(path.substring(prefix.length()), StandardCharsets.UTF_8);
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Failure failure = failures.get(objectKey);
            if (failure != null) {
                answer(exchange, failure.status(), error(failure.code(), "failing on purpose"));
            } else if (!objects.contains(objectKey)) {
                answer(exchange, 404, error("NoSuchKey", "The specified key does not exist."));
            } else if (exchange.getRequestMethod().equals("PUT")) {
                Map<String, String> tagSet = new ConcurrentHashMap<>();
                Matcher matcher = TAG.matcher(body);
                while (matcher.find()) {
                    tagSet.put(matcher.group(1), matcher.group(2));
                }
                bodies.put(objectKey, body);
                tags.put(objectKey, Map.copyOf(tagSet));
                answer(exchange, 200, "");
            } else if (exchange.getRequestMethod().equals("GET")) {
                StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Tagging><TagSet>");
                tags(objectKey).forEach((key, value) -> xml.append("<Tag><Key>").append(key).append("</Key><Value>")
                        .append(value).append("</Value></Tag>"));
                answer(exchange, 200, xml.append("</TagSet></Tagging>").toString());
            } else {
                answer(exchange, 501, error("NotImplemented", exchange.getRequestMethod() + " ?tagging"));
            }
        }
    }

    private static String error(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                + "</Message></Error>";
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
