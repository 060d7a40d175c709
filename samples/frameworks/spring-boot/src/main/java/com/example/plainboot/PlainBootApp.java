package com.example.plainboot;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * A plain Spring Boot web app as its users write it: no Porter code. Behind Porter it needs only settings
 * (application.properties): the port and bind address from Porter's environment, the context path from the
 * application's virtual path, and {@code server.forward-headers-strategy}. {@code /whoami} answers what the request
 * looks like to the app, one {@code key=value} per line.
 */
@SpringBootApplication
@RestController
public class PlainBootApp {

    public static void main(String[] args) {
        SpringApplication.run(PlainBootApp.class, args);
    }

    @GetMapping("/whoami")
    public String whoami(HttpServletRequest request) {
        Map<String, String> seen = new LinkedHashMap<>();
        seen.put("remoteAddr", request.getRemoteAddr());
        seen.put("scheme", request.getScheme());
        seen.put("secure", Boolean.toString(request.isSecure()));
        seen.put("serverName", request.getServerName());
        seen.put("serverPort", Integer.toString(request.getServerPort()));
        seen.put("contextPath", request.getContextPath());
        seen.put("requestURL", request.getRequestURL().toString());
        seen.put("link", ServletUriComponentsBuilder.fromCurrentContextPath().path("/whoami").toUriString());
        StringBuilder out = new StringBuilder();
        seen.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        return out.toString();
    }
}
