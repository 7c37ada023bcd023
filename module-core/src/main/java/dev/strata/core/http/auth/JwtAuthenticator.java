package dev.strata.core.http.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.strata.api.TenantId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * Verifies bearer tokens: compact JWS signed with RS256 or EdDSA (Ed25519) by one of the configured public
 * keys, with a {@code scope} claim ({@code tenant}, {@code pageserverapi}, {@code admin}), a
 * {@code tenant_id} claim for the tenant scope, and an optional {@code exp} that must lie in the future.
 *
 * <p>Keys come from a file holding either a JWK set ({@code {"keys": [...]}}) or PEM public keys
 * ({@code -----BEGIN PUBLIC KEY-----}). Nimbus JOSE parses tokens and keys and verifies RS256; Ed25519
 * signatures are verified with the JDK's own {@code Ed25519} implementation (Nimbus would need Tink for
 * it).
 */
public final class JwtAuthenticator {
    private final List<PublicKey> keys;
    private final Clock clock;

    JwtAuthenticator(List<PublicKey> keys, Clock clock) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no public keys to verify tokens with");
        }
        this.keys = List.copyOf(keys);
        this.clock = Objects.requireNonNull(clock, "clock is null");
    }

    /**
     * Loads the verification keys from a file.
     *
     * @throws IOException naming the file when it cannot be read or holds no usable key
     */
    public static JwtAuthenticator fromFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<PublicKey> keys = new ArrayList<>();
        try {
            if (text.strip().startsWith("{")) {
                for (JWK jwk : JWKSet.parse(text).getKeys()) {
                    switch (jwk) {
                        case RSAKey rsa -> keys.add(rsa.toRSAPublicKey());
                        case OctetKeyPair okp -> keys.add(ed25519(okp.getDecodedX()));
                        default -> throw new IOException("key " + jwk.getKeyID() + " in " + file + " is " + jwk.getKeyType()
                                + "; only RSA and Ed25519 (OKP) keys are supported");
                    }
                }
            } else {
                for (String block : text.split("-----END PUBLIC KEY-----")) {
                    int begin = block.indexOf("-----BEGIN PUBLIC KEY-----");
                    if (begin < 0) {
                        continue;
                    }
                    byte[] der = Base64.getMimeDecoder().decode(block.substring(begin + 26));
                    keys.add(publicKey(der));
                }
            }
        } catch (ParseException | JOSEException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot read public keys from " + file + ": " + e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            throw new IOException(file + " holds no public key (expected a JWK set or PEM public keys)");
        }
        return new JwtAuthenticator(keys, Clock.systemUTC());
    }

    private static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
        X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
        try {
            return KeyFactory.getInstance("RSA").generatePublic(spec);
        } catch (GeneralSecurityException notRsa) {
            return KeyFactory.getInstance("Ed25519").generatePublic(spec);
        }
    }

    /** The X.509 form of a raw Ed25519 public key (its fixed 12-byte prefix, then the 32 bytes). */
    private static PublicKey ed25519(byte[] raw) throws GeneralSecurityException {
        byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        byte[] der = new byte[prefix.length + raw.length];
        System.arraycopy(prefix, 0, der, 0, prefix.length);
        System.arraycopy(raw, 0, der, prefix.length, raw.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    }

    /**
     * Verifies the value of an {@code Authorization} header.
     *
     * @throws AuthException.Unauthorized when the header is missing, the token malformed, unsigned by a
     *                                    configured key, expired, or without a valid scope
     */
    public Grant authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new AuthException.Unauthorized("missing bearer token (Authorization: Bearer <jwt>)");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(authorization.substring(7).strip());
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new AuthException.Unauthorized("malformed token: " + e.getMessage());
        }
        if (!verified(jwt)) {
            throw new AuthException.Unauthorized("token signature does not verify with any configured key");
        }
        Date expires = claims.getExpirationTime();
        if (expires != null && !expires.toInstant().isAfter(clock.instant())) {
            throw new AuthException.Unauthorized("token expired at " + expires.toInstant());
        }
        Object scope = claims.getClaim("scope");
        Scope parsed = Scope.parse(scope == null ? null : scope.toString());
        Object tenant = claims.getClaim("tenant_id");
        TenantId tenantId = null;
        if (tenant != null) {
            try {
                tenantId = TenantId.parse(tenant.toString());
            } catch (IllegalArgumentException e) {
                throw new AuthException.Unauthorized("token tenant_id: " + e.getMessage());
            }
        }
        return new Grant(parsed, parsed == Scope.TENANT ? tenantId : null);
    }

    private boolean verified(SignedJWT jwt) {
        JWSAlgorithm algorithm = jwt.getHeader().getAlgorithm();
        byte[] signingInput = jwt.getSigningInput();
        byte[] signature = jwt.getSignature().decode();
        for (PublicKey key : keys) {
            try {
                if (JWSAlgorithm.RS256.equals(algorithm) && key instanceof RSAPublicKey rsa) {
                    if (jwt.verify(new RSASSAVerifier(rsa))) {
                        return true;
                    }
                } else if (JWSAlgorithm.EdDSA.equals(algorithm) && key.getAlgorithm().startsWith("Ed")) {
                    Signature verifier = Signature.getInstance("Ed25519");
                    verifier.initVerify(key);
                    verifier.update(signingInput);
                    if (verifier.verify(signature)) {
                        return true;
                    }
                }
            } catch (JOSEException | GeneralSecurityException e) {
                // Not this key; try the next.
            }
        }
        return false;
    }
}
