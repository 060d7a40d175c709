package dev.porter.samples.springboot3;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * What a request looks like to the app, as JSON: Porter's e2e parity test asks the same jar in-process (Porter's
 * Servlet host) and out-of-process (its own Tomcat behind Porter) and compares the answers. Nothing here knows about
 * Porter.
 */
@RestController
class RequestFactsController {

    /** The request as the Servlet API describes it: paths, client, scheme, user, client certificate. */
    @GetMapping("/facts")
    Map<String, Object> facts(HttpServletRequest request) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("method", request.getMethod());
        facts.put("requestURI", request.getRequestURI());
        facts.put("requestURL", request.getRequestURL().toString());
        facts.put("queryString", request.getQueryString());
        facts.put("contextPath", request.getContextPath());
        facts.put("servletPath", request.getServletPath());
        facts.put("pathInfo", request.getPathInfo());
        facts.put("remoteAddr", request.getRemoteAddr());
        facts.put("scheme", request.getScheme());
        facts.put("secure", request.isSecure());
        facts.put("serverName", request.getServerName());
        facts.put("serverPort", request.getServerPort());
        Principal user = request.getUserPrincipal();
        facts.put("userPrincipal", user == null ? null : user.getName());
        facts.put("remoteUser", request.getRemoteUser());
        facts.put("authType", request.getAuthType());
        Object chain = request.getAttribute("jakarta.servlet.request.X509Certificate");
        facts.put("clientCertificate", chain instanceof X509Certificate[] certificates && certificates.length > 0
                ? certificates[0].getSubjectX500Principal().getName() : null);
        return facts;
    }

    /** Multipart upload: each part's name, file name, type, size and SHA-256, and a plain form field. */
    @PostMapping("/upload")
    Map<String, Object> upload(@RequestParam("note") String note, @RequestParam("file") List<MultipartFile> files)
            throws IOException {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("note", note);
        List<Map<String, Object>> parts = new java.util.ArrayList<>();
        for (MultipartFile file : files) {
            Map<String, Object> part = new LinkedHashMap<>();
            part.put("name", file.getName());
            part.put("filename", file.getOriginalFilename());
            part.put("contentType", file.getContentType());
            part.put("size", file.getSize());
            try (InputStream in = file.getInputStream()) {
                part.put("sha256", sha256(in));
            }
            parts.add(part);
        }
        answer.put("files", parts);
        return answer;
    }

    /**
     * Reads the whole body (chunked, with trailers), answers its digest and the request's trailer fields, and sends
     * response trailers of its own.
     */
    @PostMapping("/trailers")
    void trailers(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String digest;
        try (InputStream in = request.getInputStream()) {
            digest = sha256(in);
        }
        Map<String, String> received = new TreeMap<>();
        if (request.isTrailerFieldsReady()) {
            received.putAll(request.getTrailerFields());
        }
        response.setTrailerFields(() -> Map.of("x-digest", digest, "x-checked", "yes"));
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().print("sha256=" + digest + "\ntrailers=" + received + "\n");
    }

    private static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
