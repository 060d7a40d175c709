package dev.porter.hosting.ancm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.hosting.outofprocess.EventLog;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The catalogue of ANCM's events: ANCM's texts and ids, on the one events logger both hosting models write to. */
class AncmEventTest {

    @Test
    void anEventIsLoggedWithItsIdAndAncmsTextAndReturnsTheText() {
        try (EventLog events = new EventLog()) {
            String text = AncmEvent.PROCESS_STARTED.log("MACHINE/WEBROOT/APPHOST/s", 10L, 11L, 5000);
            String inProcess = AncmEvent.APP_STARTED.log("MACHINE/WEBROOT/APPHOST/s");
            assertThat(text).isEqualTo("Application 'MACHINE/WEBROOT/APPHOST/s' started process '10' successfully and "
                    + "process '11' is listening on port '5000'.");
            assertThat(inProcess).isEqualTo("Application 'MACHINE/WEBROOT/APPHOST/s' started successfully.");
            assertThat(events.messages()).containsExactly("Event 1001: " + text, "Event 1032: " + inProcess);
        }
    }

    @Test
    void everyEventCarriesAnAncmOrWasId() {
        assertThat(Arrays.stream(AncmEvent.values()).mapToInt(AncmEvent::id))
                .allMatch(id -> (id >= 1000 && id < 1100) || id == 5002);
    }
}
