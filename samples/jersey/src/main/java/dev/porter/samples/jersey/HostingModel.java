package dev.porter.samples.jersey;

/** Which way the app runs, from the variables the module sets (spec/ancm-contract.md §1.2 and §3). */
enum HostingModel {
    OUT_OF_PROCESS("out-of-process"),
    IN_PROCESS("in-process"),
    STANDALONE("standalone");

    private final String text;

    HostingModel(String text) {
        this.text = text;
    }

    /** ASPNETCORE_PORT: started by the module as a child; ASPNETCORE_IIS_PHYSICAL_PATH alone: loaded in-process. */
    static HostingModel current() {
        if (isSet("ASPNETCORE_PORT")) {
            return OUT_OF_PROCESS;
        }
        return isSet("ASPNETCORE_IIS_PHYSICAL_PATH") ? IN_PROCESS : STANDALONE;
    }

    private static boolean isSet(String name) {
        String value = System.getenv(name);
        return value != null && !value.isEmpty();
    }

    @Override
    public String toString() {
        return text;
    }
}
