package dev.strata.core.http.auth;

import dev.strata.api.TenantId;
import java.util.Objects;

/**
 * What a verified token grants.
 *
 * @param tenant the tenant a {@link Scope#TENANT} token is limited to; null for other scopes
 */
public record Grant(Scope scope, TenantId tenant) {
    public Grant {
        Objects.requireNonNull(scope, "scope is null");
        if (scope == Scope.TENANT && tenant == null) {
            throw new AuthException.Unauthorized("a token with scope 'tenant' must name a tenant_id");
        }
    }

    /**
     * Checks that this grant covers a request path.
     *
     * @throws AuthException.Forbidden when it does not
     */
    public void authorize(String path) {
        if (scope != Scope.TENANT) {
            return;
        }
        String own = "/v1/tenant/" + tenant.hex();
        if (!(path.equals(own) || path.startsWith(own + "/"))) {
            throw new AuthException.Forbidden("token for tenant " + tenant + " does not cover " + path);
        }
    }
}
