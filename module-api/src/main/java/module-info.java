/**
 * Strata's value types and service-provider interfaces.
 *
 * <p>Only JDK types appear in any signature of this module, so a third-party plugin depends on nothing but
 * this module and the JDK.
 */
module dev.strata.api {
    exports dev.strata.api;
    exports dev.strata.api.controlplane;
    exports dev.strata.api.deletion;
    exports dev.strata.api.redo;
    exports dev.strata.api.remote;

    uses dev.strata.api.redo.RedoHandler;
}
