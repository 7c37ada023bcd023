package dev.strata.core.cli;

import dev.strata.api.Key;
import dev.strata.api.Lsn;
import dev.strata.api.TenantId;
import dev.strata.api.TimelineId;
import dev.strata.api.Durations;
import picocli.CommandLine;

/** Parsers for Strata's value types on the command line; a bad value is a usage error naming it. */
final class Converters {
    private Converters() {}

    static void register(CommandLine commandLine) {
        commandLine.registerConverter(Lsn.class, Lsn::parse);
        commandLine.registerConverter(TenantId.class, TenantId::parse);
        commandLine.registerConverter(TimelineId.class, TimelineId::parse);
        commandLine.registerConverter(Key.class, Converters::key);
        commandLine.registerConverter(java.time.Duration.class, Durations::parse);
    }

    /** 36 hex digits, or {@code rel:SPC/DB/REL/FORK/BLOCK} for a relation page. */
    static Key key(String text) {
        if (text.startsWith("rel:")) {
            String[] parts = text.substring(4).split("/", -1);
            if (parts.length != 5) {
                throw new CommandLine.TypeConversionException("invalid key '" + text
                        + "': expected rel:SPC/DB/REL/FORK/BLOCK");
            }
            try {
                return Key.ofRelationPage(Integer.parseUnsignedInt(parts[0]), Integer.parseUnsignedInt(parts[1]),
                        Integer.parseUnsignedInt(parts[2]), Integer.parseInt(parts[3]), Integer.parseUnsignedInt(parts[4]));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("invalid key '" + text + "': " + e.getMessage());
            }
        }
        return Key.parse(text);
    }
}
