package dev.porter.samples.springboot;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** What a plain app does with its process: read its environment, and give up with {@code System.exit}. */
@RestController
public class ProcessController {

    /**
     * {@code GET /env?name=X}: the environment variable as {@code System.getenv("X")} and as
     * {@code System.getenv().get("X")} see it, separated by {@code |} ({@code null} when unset).
     */
    @GetMapping("/env")
    String env(@RequestParam("name") String name) {
        return System.getenv(name) + "|" + System.getenv().get(name);
    }

    /**
     * {@code GET /exit?status=3}: {@code System.exit(status)}. Standalone or out-of-process the JVM ends; in Porter
     * in-process only this app stops, and the next request starts it again.
     */
    @GetMapping("/exit")
    String exit(@RequestParam(name = "status", defaultValue = "1") int status) {
        System.exit(status);
        return "not reached";
    }
}
