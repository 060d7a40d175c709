package dev.porter.hosting.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.porter.hosting.inprocess.sample.SocketCalls;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * The socket calls {@link AppBytecode} redirects to the domain runtime (to name misfits and close what an app left
 * open): the right ones, with descriptors the runtime has, and classes that still verify and run.
 */
class AppBytecodeTest {

    @Test
    void socketCallsGoThroughTheDomainRuntimeAndTheClassStillVerifiesAndRuns() throws Exception {
        byte[] original;
        String name = SocketCalls.class.getName();
        try (InputStream in = SocketCalls.class.getResourceAsStream("SocketCalls.class")) {
            original = in.readAllBytes();
        }
        byte[] rewritten = AppBytecode.rewrite(original, ClassHierarchyResolver.defaultResolver()
                .orElse(ClassHierarchyResolver.ofClassLoading(getClass().getClassLoader())));

        List<String> redirected = new ArrayList<>();
        List<String> constructorCalls = new ArrayList<>();
        ClassModel model = ClassFile.of().parse(rewritten);
        for (MethodModel method : model.methods()) {
            method.code().ifPresent(code -> code.forEach(element -> {
                if (element instanceof InvokeInstruction call) {
                    String target = call.owner().asInternalName() + "." + call.name().stringValue()
                            + call.typeSymbol().descriptorString();
                    if (call.owner().asInternalName().equals(AppBytecode.RUNTIME_CLASS.replace('.', '/'))) {
                        redirected.add(method.methodName().stringValue() + ": " + target);
                    } else if (method.methodName().equalsString("<init>")) {
                        constructorCalls.add(target);
                    }
                }
            }));
        }
        String runtime = AppBytecode.RUNTIME_CLASS.replace('.', '/');
        assertThat(redirected).containsExactlyInAnyOrder(
                "call: " + runtime + ".bind(Ljava/nio/channels/ServerSocketChannel;Ljava/net/SocketAddress;)"
                        + "Ljava/nio/channels/ServerSocketChannel;",
                "call: " + runtime + ".open(Ljava/net/SocketAddress;)Ljava/nio/channels/SocketChannel;",
                "call: " + runtime + ".bind(Ljava/nio/channels/ServerSocketChannel;Ljava/net/SocketAddress;)"
                        + "Ljava/nio/channels/ServerSocketChannel;",
                "call: " + runtime + ".connected(Ljava/net/Socket;)V",
                "call: " + runtime + ".opened(Ljava/net/ServerSocket;)V",
                "call: " + runtime + ".bind(Ljava/nio/channels/AsynchronousServerSocketChannel;"
                        + "Ljava/net/SocketAddress;)Ljava/nio/channels/AsynchronousServerSocketChannel;",
                "call: " + runtime + ".connect(Ljava/net/Socket;Ljava/net/SocketAddress;I)V");
        assertThat(constructorCalls).contains("java/net/ServerSocket.<init>(IILjava/net/InetAddress;)V");

        // Defined by a loader of its own, the rewritten class is verified; run with the runtime's no-op hooks.
        ClassLoader loader = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
                if (className.equals(name)) {
                    synchronized (getClassLoadingLock(className)) {
                        Class<?> c = findLoadedClass(className);
                        return c != null ? c : defineClass(className, rewritten, 0, rewritten.length);
                    }
                }
                return super.loadClass(className, resolve);
            }
        };
        @SuppressWarnings("unchecked")
        Callable<String> calls = (Callable<String>) loader.loadClass(name).getConstructor().newInstance();
        assertThat(calls.call()).isEqualTo("true true true true true true true");
    }
}
