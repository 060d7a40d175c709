package dev.porter.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * First stage after the header timeout: HTTP/1.x request decoding and response encoding, like Netty's
 * {@code HttpServerCodec} (the encoder knows which request method each response answers, so HEAD responses carry no
 * body) but stricter on framing: a request with both {@code Content-Length} and {@code Transfer-Encoding} is refused
 * instead of having its Content-Length dropped (RFC 9112 §6.1 allows either; refusing closes the CL.TE/TE.CL
 * smuggling path for good). Malformed input surfaces as a message whose {@code decoderResult()} failed; the
 * {@link ExchangeDispatcher} answers it.
 */
final class StrictServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder> {

    static final String CONTENT_LENGTH_WITH_CHUNKED =
            "Content-Length and Transfer-Encoding are both present (RFC 9112 section 6.1)";

    /** Methods of the requests whose final responses are not written yet, in order. */
    private final Queue<HttpMethod> methods = new ArrayDeque<>();

    StrictServerCodec(HttpDecoderConfig config) {
        init(new Decoder(config), new Encoder());
    }

    private final class Decoder extends HttpRequestDecoder {
        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            int before = out.size();
            super.decode(ctx, buffer, out);
            for (int i = before; i < out.size(); i++) {
                if (out.get(i) instanceof HttpRequest request) {
                    methods.add(request.method());
                }
            }
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            throw new IllegalArgumentException(CONTENT_LENGTH_WITH_CHUNKED);
        }
    }

    private final class Encoder extends HttpResponseEncoder {
        private HttpMethod method;

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse response) {
            // An interim 1xx (100 Continue) answers no request by itself: the final response still follows.
            if (response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                method = methods.poll();
            }
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(response);
        }
    }
}
