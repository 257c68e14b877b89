import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Collections;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * sslpoke's Java probe: the JVM's own verdict on a TLS server, with the JVM's
 * default trust settings (javax.net.ssl.trustStore & co., jssecacerts, cacerts).
 *
 * Usage: java SSLPokeProbe HOST PORT [--connect ADDRESS] [--mode sslpoke|https|both] [--timeout MS]
 *
 * Mode "sslpoke" does what Atlassian's SSLPoke does (handshake, no host name
 * check); "https" also sets endpoint identification to HTTPS, as HTTPS clients
 * do. HOST is the name sent as SNI and checked; --connect gives the address to
 * connect to. Each mode prints one line:
 *
 *   RESULT <mode> OK <protocol>
 *   RESULT <mode> FAIL <exception class>: <message>
 *
 * followed by "CAUSE <mode> ..." lines for the exception's causes.
 */
public class SSLPokeProbe {
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: SSLPokeProbe HOST PORT [--connect ADDRESS] [--mode sslpoke|https|both] [--timeout MS]");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        for (String a : args) {
            if (a.equals("--properties-on-stdin")) readProperties();
        }
        String connect = host;
        String mode = "both";
        int timeout = 10000;
        for (int i = 2; i + 1 < args.length; i += 2) {
            if (args[i].equals("--properties-on-stdin")) { i -= 1; continue; }
            if (args[i].equals("--connect")) connect = args[i + 1];
            else if (args[i].equals("--mode")) mode = args[i + 1];
            else if (args[i].equals("--timeout")) timeout = Integer.parseInt(args[i + 1]);
        }
        System.out.println("JAVA " + System.getProperty("java.version") + " " + System.getProperty("java.home"));
        boolean allOk = true;
        if (!mode.equals("https")) allOk &= poke("sslpoke", host, connect, port, false, timeout);
        if (!mode.equals("sslpoke")) allOk &= poke("https", host, connect, port, true, timeout);
        System.exit(allOk ? 0 : 1);
    }

    /**
     * System properties as NAME=VALUE lines on stdin, up to an empty line or the end:
     * how sslpoke hands over passwords, which must not appear on a command line that
     * every local user can read in /proc. Set before anything initialises TLS.
     */
    private static void readProperties() {
        try {
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(System.in, "UTF-8"));
            String line;
            for (int n = 0; n < 64 && (line = in.readLine()) != null && !line.isEmpty(); n++) {
                int eq = line.indexOf('=');
                if (eq > 0) System.setProperty(line.substring(0, eq), line.substring(eq + 1));
            }
        } catch (java.io.IOException e) {
            System.err.println("could not read properties from stdin: " + e);
        }
    }

    private static boolean poke(String label, String host, String connect, int port, boolean https, int timeout) {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(connect, port), timeout);
            raw.setSoTimeout(timeout);
            SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
            try (SSLSocket socket = (SSLSocket) factory.createSocket(raw, host, port, true)) {
                SSLParameters params = socket.getSSLParameters();
                if (https) params.setEndpointIdentificationAlgorithm("HTTPS");
                if (!host.matches("[0-9.]+") && !host.contains(":")) {
                    params.setServerNames(Collections.singletonList(new SNIHostName(host)));
                }
                socket.setSSLParameters(params);
                socket.startHandshake();
                // As SSLPoke does: write a byte, so that a server rejecting the client
                // after the handshake (TLS 1.3 client authentication) is noticed.
                OutputStream out = socket.getOutputStream();
                out.write(1);
                out.flush();
                InputStream in = socket.getInputStream();
                while (in.available() > 0) in.read();
                try {
                    socket.setSoTimeout(500);
                    in.read();
                } catch (java.net.SocketTimeoutException quiet) {
                    // nothing to read: the connection stands
                }
                System.out.println("RESULT " + label + " OK " + socket.getSession().getProtocol());
                return true;
            }
        } catch (Exception e) {
            System.out.println("RESULT " + label + " FAIL " + oneLine(e));
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                System.out.println("CAUSE " + label + " " + oneLine(t));
            }
            return false;
        }
    }

    private static String oneLine(Throwable t) {
        String text = t.getClass().getName() + ": " + t.getMessage();
        return text.replace('\n', ' ').replace('\r', ' ');
    }
}
