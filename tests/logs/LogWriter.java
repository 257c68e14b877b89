import java.io.*;
import java.text.SimpleDateFormat;
import java.util.*;
import javax.net.ssl.*;

/**
 * Writes application-style logs of real TLS failures, for sslpoke explain's tests.
 * stdin: one case per line, "FORMAT HOST PORT [THREAD]"; FORMAT is jira (the host in an
 * "Unable to connect to the server at" line), confluence (the URL in an earlier line of the
 * same thread), tomcat (JUL layout, no host at all) or plain (a bare stack trace after an
 * HttpClient retry line). The exception text is the JVM's own.
 */
public class LogWriter {
    static final SimpleDateFormat ISO = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss,SSS");
    static final SimpleDateFormat JUL = new SimpleDateFormat("dd-MMM-yyyy HH:mm:ss.SSS", Locale.ENGLISH);

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3) continue;
            String format = f[0], host = f[1];
            int port = Integer.parseInt(f[2]);
            String thread = f.length > 3 ? f[3] : "http-nio-8080-exec-1";
            Exception failure = null;
            try {
                SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket();
                // the name the application asked for, on loopback (no DNS lookup)
                java.net.InetAddress address = java.net.InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1});
                s.connect(new java.net.InetSocketAddress(address, port), 5000);
                s.setSoTimeout(5000);
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                if (!host.matches("[0-9.]+")) p.setServerNames(List.of(new SNIHostName(host)));
                s.setSSLParameters(p);
                s.startHandshake();
                // a request and the first byte of the answer, as a client would: in TLS 1.3 a
                // server that rejects the client's certificate says so only now
                s.getOutputStream().write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes("US-ASCII"));
                s.getOutputStream().flush();
                s.getInputStream().read();
                s.close();
            } catch (Exception e) {
                failure = e;
            }
            if (failure == null) continue;
            Date now = new Date();
            String url = "https://" + host + ":" + port + "/rest/api/2/serverInfo";
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            switch (format) {
                case "jira":
                    out.println(ISO.format(now) + "+0000 " + thread + " ERROR admin 1034x56x1 1xyz 10.0.0.1 /secure/admin [c.a.j.applinks] Unable to connect to the server at " + url + " due to the following exception:");
                    out.print(trace);
                    break;
                case "confluence":
                    out.println(ISO.format(now) + " INFO [" + thread + "] [c.a.confluence.http] execute GET " + url);
                    out.println(ISO.format(now) + " ERROR [" + thread + "] [c.a.confluence.macro] render Error rendering macro 'jira'");
                    out.print(trace);
                    break;
                case "tomcat":
                    out.println(JUL.format(now) + " SEVERE [" + thread + "] org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() threw exception");
                    out.print(trace);
                    break;
                default:
                    out.println(ISO.format(now) + " INFO [" + thread + "] [o.a.http.impl.execchain.RetryExec] I/O exception (" + failure.getClass().getName() + ") caught when processing request to {s}->https://" + host + ":" + port + ": " + failure.getMessage());
                    out.print(trace);
            }
        }
    }
}
