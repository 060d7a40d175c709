package dev.porter.config;

import java.util.Locale;
import java.util.Optional;

/** {@code aspNetCore@hostingModel}: case-insensitive, missing or empty means out-of-process. */
public enum HostingModel {
    IN_PROCESS("inprocess"),
    OUT_OF_PROCESS("outofprocess");

    private final String configValue;

    HostingModel(String configValue) {
        this.configValue = configValue;
    }

    public String configValue() {
        return configValue;
    }

    /** Empty for a value that names neither model. */
    public static Optional<HostingModel> parse(String value) {
        if (value == null || value.isBlank()) {
            return Optional.of(OUT_OF_PROCESS);
        }
        String folded = value.trim().toLowerCase(Locale.ROOT);
        for (HostingModel model : values()) {
            if (model.configValue.equals(folded)) {
                return Optional.of(model);
            }
        }
        return Optional.empty();
    }
}
