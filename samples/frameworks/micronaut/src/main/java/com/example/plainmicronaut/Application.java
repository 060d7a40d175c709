package com.example.plainmicronaut;

import io.micronaut.runtime.Micronaut;

/** A plain Micronaut app: no Porter code; everything Porter-specific is in application.properties. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
