package dev.porter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/** What Porter's variables mean for a Spring app's configuration, in each of the three situations. */
class PorterEnvironmentTest {

    @Test
    void theAppsOwnContextPathGoesUnderTheVirtualPath() {
        String[][] cases = {
            // virtual path, app's context path, server.servlet.context-path out-of-process (null: left alone)
            {"/shop", "/api", "/shop/api"},
            {"/shop/", "/api/", "/shop/api"},
            {" /shop ", "/api", "/shop/api"},
            {"/a/b", "/c", "/a/b/c"},
            {"/", "/api", null},
            {"", "/api", null},
            {null, "/api", null},
            {"/shop", "", null},
            {"/shop", "/", null},
            {"/shop", null, null},
        };
        for (String[] c : cases) {
            assertThat(PorterEnvironment.contextPathUnder(c[0], c[1])).as("%s + %s", c[0], c[1]).isEqualTo(c[2]);
        }
    }

    @Test
    void inProcessTheHostsVariablesComeAheadOfTheSystemEnvironmentWithRelaxedBinding() throws Exception {
        StandardEnvironment environment = new StandardEnvironment();
        try (TestHost host = new TestHost(Map.of("SERVER_SERVLET_CONTEXT_PATH", "/api",
                "SPRING_PROFILES_ACTIVE", "porter"))) {
            assertThat(OnPorterInProcess.inProcess()).isTrue();
            assertThat(OnBehindPorter.behindPorter()).isFalse();
            PorterEnvironment.addInProcessVariables(environment);
            PorterEnvironment.addOutOfProcessSettings(environment); // in-process: nothing
        }
        assertThat(environment.getProperty("server.servlet.context-path")).isEqualTo("/api");
        assertThat(environment.getProperty("spring.profiles.active")).isEqualTo("porter");
        assertThat(environment.getPropertySources().stream().map(PropertySource::getName))
                .containsSubsequence("porterEnvironment", StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)
                .doesNotContain("porter");
    }

    @Test
    void standaloneNothingChanges() throws Exception {
        StandardEnvironment environment = new StandardEnvironment();
        int before = environment.getPropertySources().size();
        assertThat(OnPorterInProcess.inProcess()).isFalse();
        PorterEnvironment.addInProcessVariables(environment);
        PorterEnvironment.addOutOfProcessSettings(environment);
        assertThat(environment.getPropertySources().size()).isEqualTo(before);

        try (TestHost host = new TestHost(Map.of())) { // in-process without environmentVariables: nothing either
            PorterEnvironment.addInProcessVariables(environment);
        }
        assertThat(environment.getPropertySources().size()).isEqualTo(before);
    }
}
