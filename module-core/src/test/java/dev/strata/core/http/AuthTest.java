package dev.strata.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.strata.api.TenantId;
import dev.strata.client.StrataClient;
import dev.strata.client.StrataClientException;
import dev.strata.core.failpoint.Failpoints;
import dev.strata.core.http.auth.JwtAuthenticator;
import dev.strata.core.tenant.EngineOptions;
import dev.strata.core.tenant.LocalEngine;
import dev.strata.core.testing.PrometheusSamples;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Date;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer-token auth over real HTTP: RS256 and EdDSA keys from a PEM file, scopes, expiry, signatures. */
class AuthTest {
    @TempDir Path workdir;
    private LocalEngine engine;
    private NodeServer server;
    private KeyPair rsa;
    private KeyPair ed25519;
    private final TenantId tenant = TenantId.random();
    private final TenantId other = TenantId.random();

    @BeforeEach
    void start() throws Exception {
        rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path keys = workdir.resolve("keys.pem");
        Files.writeString(keys, pem(rsa.getPublic()) + pem(ed25519.getPublic()));
        engine = LocalEngine.open(workdir.resolve("node"), EngineOptions.DEFAULT);
        server = NodeServer.start(engine, Failpoints.disabled(), 1, "127.0.0.1", 0, 1 << 20, JwtAuthenticator.fromFile(keys));
        StrataClient admin = client(rs256("admin", null, 3600));
        admin.createTenant(tenant);
        admin.createTenant(other);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        engine.close();
    }

    @Test
    void scopesLimitWhatATokenReaches() {
        assertEquals(2, client(rs256("pageserverapi", null, 3600)).listTenants().size());
        StrataClient own = client(eddsa("tenant", tenant, 3600));
        assertEquals(tenant, own.tenant(tenant).id());
        StrataClientException wrongTenant = assertThrows(StrataClientException.class, () -> own.tenant(other));
        assertEquals(403, wrongTenant.status());
        assertTrue(wrongTenant.getMessage().contains(other.hex()), wrongTenant.getMessage());
        assertEquals(403, assertThrows(StrataClientException.class, own::listTenants).status());
    }

    @Test
    void metricsNeedNoTokenAndCountRefusedRequests() throws Exception {
        StrataClient anonymous = StrataClient.connect(base());
        assertEquals(401, assertThrows(StrataClientException.class, anonymous::listTenants).status());
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection)
                base().resolve("/metrics").toURL().openConnection();
        assertEquals(200, connection.getResponseCode());
        String text = new String(connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        connection.disconnect();
        assertEquals(1.0, PrometheusSamples.parse(text).get("strata_http_requests_total{route=\"management\",status=\"4xx\"}"),
                text);
    }

    @Test
    void missingExpiredTamperedAndForeignTokensAre401() throws Exception {
        StrataClient anonymous = StrataClient.connect(base());
        StrataClientException missing = assertThrows(StrataClientException.class, anonymous::listTenants);
        assertEquals(401, missing.status());
        assertTrue(missing.getMessage().contains("bearer"), missing.getMessage());

        StrataClientException expired = assertThrows(StrataClientException.class,
                () -> client(rs256("admin", null, -60)).listTenants());
        assertEquals(401, expired.status());
        assertTrue(expired.getMessage().contains("expired"), expired.getMessage());

        String token = eddsa("admin", null, 3600);
        String tampered = token.substring(0, token.lastIndexOf('.') + 1)
                + (token.charAt(token.lastIndexOf('.') + 1) == 'A' ? 'B' : 'A') + token.substring(token.lastIndexOf('.') + 2);
        assertEquals(401, assertThrows(StrataClientException.class, () -> client(tampered).listTenants()).status());

        KeyPair stranger = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        SignedJWT foreign = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256),
                new JWTClaimsSet.Builder().claim("scope", "admin").build());
        foreign.sign(new RSASSASigner(stranger.getPrivate()));
        assertEquals(401, assertThrows(StrataClientException.class, () -> client(foreign.serialize()).listTenants()).status());

        assertEquals(401, assertThrows(StrataClientException.class, () -> client("not-a-jwt").listTenants()).status());
        assertEquals(401, assertThrows(StrataClientException.class,
                () -> client(rs256("superuser", null, 3600)).listTenants()).status());
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    private StrataClient client(String token) {
        return StrataClient.connect(base()).withToken(token);
    }

    private String rs256(String scope, TenantId tenantId, long expiresInSeconds) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims(scope, tenantId, expiresInSeconds));
            jwt.sign(new RSASSASigner(rsa.getPrivate()));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An EdDSA token signed with the JDK, as a client without Tink would make it. */
    private String eddsa(String scope, TenantId tenantId, long expiresInSeconds) {
        try {
            Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
            String header = url.encodeToString("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
            String payload = url.encodeToString(claims(scope, tenantId, expiresInSeconds).toString().getBytes(StandardCharsets.UTF_8));
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(ed25519.getPrivate());
            signer.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + url.encodeToString(signer.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JWTClaimsSet claims(String scope, TenantId tenantId, long expiresInSeconds) {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().claim("scope", scope)
                .expirationTime(new Date(System.currentTimeMillis() + expiresInSeconds * 1000));
        if (tenantId != null) {
            builder.claim("tenant_id", tenantId.hex());
        }
        return builder.build();
    }

    private static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }
}
