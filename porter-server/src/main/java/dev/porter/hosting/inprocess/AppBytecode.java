package dev.porter.hosting.inprocess;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.Set;

/**
 * The per-app bytecode adjustments of in-process hosting (DESIGN.md, "Conventions"), with the JDK's class-file API:
 * in an application class, calls that would reach the whole JVM are redirected to the app domain's own
 * {@link DomainRuntime}, which the class finds through its own loader.
 *
 * <ul>
 * <li>{@code System.getenv()}, {@code System.getenv(String)}: the app's environment (spec §3.1 step 4);</li>
 * <li>{@code System.exit}, {@code Runtime.exit}, {@code Runtime.halt}: stop this app only;</li>
 * <li>{@code System.getProperty/getProperties/setProperty/clearProperty/setProperties}: the domain's properties
 * ({@code -D} options, {@code user.dir});</li>
 * <li>{@code System.out}/{@code System.err} reads and {@code setOut}/{@code setErr}: the domain's stdout capture;</li>
 * <li>{@code Runtime.addShutdownHook/removeShutdownHook}: hooks that run when the domain stops;</li>
 * <li>{@code Integer.getInteger}, {@code Long.getLong}, {@code Boolean.getBoolean}: read the domain's properties;</li>
 * <li>{@code ProcessBuilder.environment/start}, {@code Runtime.exec}: child processes get the app's environment and,
 * unless told otherwise, the app's directory;</li>
 * <li>{@code bind} of {@code ServerSocketChannel}, {@code AsynchronousServerSocketChannel}, {@code NetworkChannel} and
 * {@code ServerSocket}, and {@code new ServerSocket(...)} outside constructors: the domain learns of every listening
 * socket the app (or a framework in its class path: Jetty, Tomcat, Netty's NIO transport) opens, to name the misfit and
 * close the socket when the domain is retired;</li>
 * <li>{@code Socket.connect}, {@code SocketChannel.connect/open(remote)} and {@code new Socket(host, port...)}
 * outside constructors: the app's connections, which the domain closes when it is retired (what the app left
 * open).</li>
 * </ul>
 * Calls made by JDK code on the app's behalf (e.g. {@code Integer.getInteger}) and reflective calls are not rewritten.
 * A class that refers to none of these is defined as it is, unparsed beyond its constant pool.
 */
final class AppBytecode {

    static final String RUNTIME_CLASS = DomainRuntime.class.getName();
    private static final ClassDesc RUNTIME = ClassDesc.of(RUNTIME_CLASS);
    private static final String SYSTEM = "java/lang/System";
    private static final String RUNTIME_TYPE = "java/lang/Runtime";
    private static final Set<String> SYSTEM_METHODS = Set.of("getenv", "exit", "getProperty", "getProperties",
            "setProperty", "clearProperty", "setProperties", "setOut", "setErr");
    private static final Set<String> SYSTEM_FIELDS = Set.of("out", "err");
    private static final Set<String> RUNTIME_METHODS = Set.of("exit", "halt", "addShutdownHook",
            "removeShutdownHook", "exec");
    private static final String PROCESS_BUILDER = "java/lang/ProcessBuilder";
    private static final Set<String> PROCESS_BUILDER_METHODS = Set.of("environment", "start");
    /** Owners whose {@code bind} opens a listening socket (an app's own server). */
    private static final Set<String> LISTENER_TYPES = Set.of("java/nio/channels/ServerSocketChannel",
            "java/nio/channels/AsynchronousServerSocketChannel", "java/nio/channels/NetworkChannel",
            "java/net/ServerSocket");
    private static final String SERVER_SOCKET = "java/net/ServerSocket";
    private static final String SOCKET = "java/net/Socket";
    private static final String SOCKET_CHANNEL = "java/nio/channels/SocketChannel";
    private static final MethodTypeDesc CONNECTED = MethodTypeDesc.of(java.lang.constant.ConstantDescs.CD_void,
            ClassDesc.of("java.net.Socket"));
    private static final MethodTypeDesc OPENED = MethodTypeDesc.of(java.lang.constant.ConstantDescs.CD_void,
            ClassDesc.of("java.net.ServerSocket"));
    /** Static JDK methods that read system properties themselves: owner and method name. */
    private static final java.util.Map<String, String> PROPERTY_READERS = java.util.Map.of(
            "java/lang/Integer", "getInteger", "java/lang/Long", "getLong", "java/lang/Boolean", "getBoolean");

    private AppBytecode() {
    }

    /** The class file major version of {@code bytes} (e.g. 69 for Java 25). */
    static int majorVersion(byte[] bytes) {
        return bytes.length < 8 ? 0 : ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
    }

    /** The Java release a class file major version is for (52 is Java 8). */
    static int javaRelease(int major) {
        return major - 44;
    }

    /**
     * The class rewritten for its domain, or the same array when it needs nothing.
     *
     * @param resolver finds the app's own classes for the stack maps the rewritten methods need
     */
    static byte[] rewrite(byte[] bytes, ClassHierarchyResolver resolver) {
        ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver));
        ClassModel model = classFile.parse(bytes);
        if (!refersToJvmWideState(model)) {
            return bytes;
        }
        // In constructors the ServerSocket constructor may be a super(...) call, which leaves no reference behind.
        CodeTransform outsideConstructors = redirect(true);
        CodeTransform inConstructors = redirect(false);
        ClassTransform transform = (builder, element) -> {
            if (element instanceof java.lang.classfile.MethodModel method) {
                builder.transformMethod(method, java.lang.classfile.MethodTransform.transformingCode(
                        method.methodName().equalsString("<init>") ? inConstructors : outsideConstructors));
            } else {
                builder.with(element);
            }
        };
        return classFile.transformClass(model, transform);
    }

    private static CodeTransform redirect(boolean hookServerSocketConstructors) {
        return (code, element) -> {
            switch (element) {
                case InvokeInstruction call when call.opcode() == Opcode.INVOKESTATIC
                        && call.owner().asInternalName().equals(SYSTEM)
                        && SYSTEM_METHODS.contains(call.name().stringValue()) ->
                        code.invokestatic(RUNTIME, call.name().stringValue(), call.typeSymbol());
                case InvokeInstruction call when call.opcode() == Opcode.INVOKEVIRTUAL
                        && call.owner().asInternalName().equals(RUNTIME_TYPE)
                        && RUNTIME_METHODS.contains(call.name().stringValue()) -> {
                    MethodTypeDesc type = call.typeSymbol().insertParameterTypes(0, ClassDesc.of("java.lang.Runtime"));
                    code.invokestatic(RUNTIME, call.name().stringValue(), type);
                }
                case InvokeInstruction call when call.opcode() == Opcode.INVOKEVIRTUAL
                        && call.owner().asInternalName().equals(PROCESS_BUILDER)
                        && PROCESS_BUILDER_METHODS.contains(call.name().stringValue())
                        && call.typeSymbol().parameterCount() == 0 -> {
                    MethodTypeDesc type = call.typeSymbol().insertParameterTypes(0,
                            ClassDesc.of("java.lang.ProcessBuilder"));
                    code.invokestatic(RUNTIME, call.name().stringValue(), type);
                }
                case InvokeInstruction call when (call.opcode() == Opcode.INVOKEVIRTUAL
                        || call.opcode() == Opcode.INVOKEINTERFACE)
                        && call.name().equalsString("bind")
                        && LISTENER_TYPES.contains(call.owner().asInternalName())
                        && call.typeSymbol().parameterCount() >= 1
                        && call.typeSymbol().parameterCount() <= 2 -> {
                    MethodTypeDesc type = call.typeSymbol().insertParameterTypes(0, call.owner().asSymbol());
                    code.invokestatic(RUNTIME, "bind", type);
                }
                case InvokeInstruction call when hookServerSocketConstructors
                        && call.opcode() == Opcode.INVOKESPECIAL
                        && call.owner().asInternalName().equals(SERVER_SOCKET)
                        && call.name().equalsString("<init>") -> {
                    code.with(element);
                    code.dup();
                    code.invokestatic(RUNTIME, "opened", OPENED);
                }
                case InvokeInstruction call when call.opcode() == Opcode.INVOKEVIRTUAL
                        && call.name().equalsString("connect")
                        && (call.owner().asInternalName().equals(SOCKET)
                        || call.owner().asInternalName().equals(SOCKET_CHANNEL)) -> {
                    MethodTypeDesc type = call.typeSymbol().insertParameterTypes(0, call.owner().asSymbol());
                    code.invokestatic(RUNTIME, "connect", type);
                }
                case InvokeInstruction call when call.opcode() == Opcode.INVOKESTATIC
                        && call.owner().asInternalName().equals(SOCKET_CHANNEL)
                        && call.name().equalsString("open") && call.typeSymbol().parameterCount() == 1
                        && call.typeSymbol().parameterType(0).descriptorString()
                                .equals("Ljava/net/SocketAddress;") ->
                        code.invokestatic(RUNTIME, "open", call.typeSymbol());
                case InvokeInstruction call when hookServerSocketConstructors
                        && call.opcode() == Opcode.INVOKESPECIAL
                        && call.owner().asInternalName().equals(SOCKET)
                        && call.name().equalsString("<init>") && call.typeSymbol().parameterCount() >= 2 -> {
                    code.with(element);
                    code.dup();
                    code.invokestatic(RUNTIME, "connected", CONNECTED);
                }
                case InvokeInstruction call when call.opcode() == Opcode.INVOKESTATIC
                        && call.name().stringValue().equals(PROPERTY_READERS.get(call.owner().asInternalName())) ->
                        code.invokestatic(RUNTIME, call.name().stringValue(), call.typeSymbol());
                case FieldInstruction field when field.opcode() == Opcode.GETSTATIC
                        && field.owner().asInternalName().equals(SYSTEM)
                        && SYSTEM_FIELDS.contains(field.name().stringValue()) ->
                        code.invokestatic(RUNTIME, field.name().stringValue(),
                                MethodTypeDesc.of(field.typeSymbol()));
                default -> code.with(element);
            }
        };
    }

    private static boolean refersToJvmWideState(ClassModel model) {
        for (PoolEntry entry : model.constantPool()) {
            if (entry instanceof MemberRefEntry ref) {
                String owner = ref.owner().asInternalName();
                String name = ref.name().stringValue();
                if ((owner.equals(SYSTEM) && (SYSTEM_METHODS.contains(name) || SYSTEM_FIELDS.contains(name)))
                        || (owner.equals(RUNTIME_TYPE) && RUNTIME_METHODS.contains(name))
                        || (owner.equals(PROCESS_BUILDER) && PROCESS_BUILDER_METHODS.contains(name))
                        || name.equals(PROPERTY_READERS.get(owner))
                        || (LISTENER_TYPES.contains(owner) && (name.equals("bind") || name.equals("<init>")))
                        || ((owner.equals(SOCKET) || owner.equals(SOCKET_CHANNEL))
                        && (name.equals("connect") || name.equals("open") || name.equals("<init>")))) {
                    return true;
                }
            }
        }
        return false;
    }
}
