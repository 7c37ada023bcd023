package dev.strata.core.controlplane;

import dev.strata.api.controlplane.ControlPlane;
import dev.strata.api.controlplane.ControlPlaneException;
import dev.strata.api.controlplane.ControlPlaneProvider;
import dev.strata.api.remote.ConfigKey;
import dev.strata.api.remote.ProviderConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Provides the {@code http} control plane client (FORMATS "Control plane (http provider)"). */
public final class HttpControlPlaneProvider implements ControlPlaneProvider {
    static final ConfigKey<URI> URL = new ConfigKey<>("url", "url", HttpControlPlaneProvider::parseUri, null, false,
            "Base URL of the control plane; re-attach and validate are POSTed under it.",
            uri -> uri.getScheme() != null && (uri.getScheme().equals("http") || uri.getScheme().equals("https")),
            "an http or https URL", false);
    static final ConfigKey<Path> TOKEN_FILE = ConfigKey.path("token_file", null,
            "File holding the bearer token sent with every request; relative to the work directory.").asOptional();
    static final ConfigKey<Duration> REQUEST_TIMEOUT = ConfigKey.duration("request_timeout", Duration.ofSeconds(10),
            "How long one request may take before it is retried.").validatedBy(value -> !value.isZero(), "positive");
    static final ConfigKey<Duration> MAX_RETRY_DELAY = ConfigKey.duration("max_retry_delay", Duration.ofSeconds(10),
            "The longest pause between retries of a failed request.").validatedBy(value -> !value.isZero(), "positive");

    private static URI parseUri(String text) {
        try {
            return URI.create(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected a URL such as http://controller:1234/upcall/v1");
        }
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public int apiMajorVersion() {
        return ControlPlaneProvider.API_MAJOR_VERSION;
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(URL, TOKEN_FILE, REQUEST_TIMEOUT, MAX_RETRY_DELAY);
    }

    @Override
    public ControlPlane create(ProviderConfig config, Path workdir) throws ControlPlaneException {
        String token = null;
        if (config.find(TOKEN_FILE).isPresent()) {
            Path file = workdir.resolve(config.find(TOKEN_FILE).get());
            try {
                token = Files.readString(file).strip();
            } catch (IOException e) {
                throw new ControlPlaneException.Rejected("[control_plane] token_file " + file + " is unreadable: "
                        + e.getMessage(), e);
            }
            if (token.isEmpty()) {
                throw new ControlPlaneException.Rejected("[control_plane] token_file " + file + " is empty", null);
            }
        }
        return new HttpControlPlane(config.get(URL), token, config.get(REQUEST_TIMEOUT), config.get(MAX_RETRY_DELAY));
    }
}
