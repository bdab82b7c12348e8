/**
 * lwsj: libwebsockets for the JVM. Exports the API and the classic port; the engine
 * (io.lwsj.internal) stays inside, open only to JNA, which calls into it.
 */
module io.lwsj {
    requires com.sun.jna;
    requires org.scijava.nativelib;
    requires org.slf4j;
    requires transitive org.jspecify;

    exports io.lwsj;
    exports io.lwsj.classic;

    opens io.lwsj.internal to com.sun.jna;
}
