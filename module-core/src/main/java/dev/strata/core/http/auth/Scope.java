package dev.strata.core.http.auth;

import java.util.Locale;

/**
 * What a token may do: {@code tenant} only the routes of the tenant named in the token,
 * {@code pageserverapi} every route of the node API, {@code admin} everything.
 */
public enum Scope {
    TENANT, PAGESERVERAPI, ADMIN;

    static Scope parse(String text) {
        try {
            return Scope.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new AuthException.Unauthorized("token scope '" + text + "' is not tenant, pageserverapi or admin");
        }
    }
}
