package dev.porter.hosting;

import dev.porter.config.HostingModel;
import dev.porter.hosting.inprocess.InProcessHosting;
import dev.porter.hosting.outofprocess.OutOfProcessHosting;
import java.util.Map;

/** The two hosting models Porter ships. */
public final class HostingModels {

    private HostingModels() {
    }

    public static Map<HostingModel, HostingModelFactory> defaults() {
        return Map.of(HostingModel.OUT_OF_PROCESS, new OutOfProcessHosting(),
                HostingModel.IN_PROCESS, new InProcessHosting());
    }
}
