import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The JVM's verdict on many cases in one process, for the differential test.
 *
 * Reads lines "ID HOST PORT STOREFILE" on stdin. For each, loads the PKCS#12
 * truststore (no password: the test writes it unencrypted), builds the default
 * PKIX trust manager over it, connects to 127.0.0.1:PORT with HOST as SNI and
 * HTTPS endpoint identification, and prints one line:
 *   RESULT ID OK <protocol>
 *   RESULT ID FAIL <exception class>: <message> || <cause class>: <message> ...
 */
public class DiffJudge {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split(" ");
            if (f.length != 4) continue;
            System.out.println("RESULT " + f[0] + " " + judge(f[1], Integer.parseInt(f[2]), f[3]));
            System.out.flush();
        }
    }

    static String judge(String host, int port, String store) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (FileInputStream fin = new FileInputStream(store)) { ks.load(fin, null); }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                raw.setSoTimeout(5000);
                try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, true)) {
                    SSLParameters p = s.getSSLParameters();
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                    s.setSSLParameters(p);
                    s.startHandshake();
                    return "OK " + s.getSession().getProtocol();
                }
            }
        } catch (Throwable e) {
            StringBuilder b = new StringBuilder("FAIL ");
            Throwable t = e;
            for (int depth = 0; t != null && depth < 6; depth++, t = t.getCause()) {
                if (depth > 0) b.append(" || ");
                b.append(t.getClass().getName()).append(": ").append(String.valueOf(t.getMessage()).replace('\n', ' '));
            }
            return b.toString();
        }
    }
}
