package dev.strata.controller.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where the running controller is, and its token; one JSON call at a time. */
final class RemoteOptions {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--server", defaultValue = "http://127.0.0.1:9200", paramLabel = "URL",
            description = "The controller's HTTP address (default: ${DEFAULT-VALUE}).")
    URI server;

    @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the controller's bearer token.")
    Path tokenFile;

    /** A refused call: the controller's message and its status. */
    static final class CallFailed extends Exception {
        final int status;

        CallFailed(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    JsonNode call(String method, String path, String body) throws IOException, InterruptedException, CallFailed {
        HttpRequest.Builder builder = HttpRequest.newBuilder(server.resolve(path)).timeout(Duration.ofMinutes(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        if (tokenFile != null) {
            builder.header("Authorization", "Bearer " + Files.readString(tokenFile).strip());
        }
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
            if (response.statusCode() >= 400) {
                throw new CallFailed(response.statusCode(), method + " " + path + ": " + response.statusCode() + " "
                        + answer.path("msg").asText(response.body()));
            }
            return answer;
        } catch (ConnectException e) {
            throw new CallFailed(0, "cannot connect to the controller at " + server);
        }
    }

    static String pretty(JsonNode node) throws IOException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }
}
