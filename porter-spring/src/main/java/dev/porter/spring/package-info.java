/**
 * What Porter's two Spring Boot starters share: {@code porter-spring-boot} (Boot 4) and {@code porter-spring-boot3}
 * (Boot 3.5) differ only where Boot moved its own types between the two (the web server factory interfaces, the
 * {@code EnvironmentPostProcessor} package, the auto-configurations to order against); everything else is here once.
 *
 * <ul>
 *   <li>{@link dev.porter.spring.OnPorterInProcess}, {@link dev.porter.spring.OnBehindPorter}: which of the three
 *   situations the app is in (in-process in Porter's Servlet host, out-of-process behind Porter, standalone).</li>
 *   <li>{@link dev.porter.spring.PorterEnvironment}: what Porter's variables mean for the app's configuration
 *   (web.config's {@code environmentVariables} in-process; {@code ASPNETCORE_PORT} and the virtual path under
 *   {@code ASPNETCORE_APPL_PATH} out-of-process).</li>
 *   <li>{@link dev.porter.spring.PorterServletDeployment}: the calls into Porter's Servlet host that deploy the app's
 *   servlet context in-process, and the Boot settings that have no in-process meaning.</li>
 * </ul>
 *
 * <p>Only Spring Framework APIs that 6.2 and 7.0 both have (compiled against 6.2), no Spring Boot type: the classes
 * load in the app's class loader under either Boot. In-process, {@code dev.porter.servlet.spi} is the host's copy;
 * this package is always the app's own.
 */
package dev.porter.spring;
