import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The JVM's verdict on x509-limbo testcases, many in one process.
 *
 * Reads lines "ID DIR [HOST]" on stdin; DIR holds trusted.pem, leaf.pem and
 * intermediates.pem. The default PKIX trust manager checks the chain as a TLS
 * client does (checkServerTrusted), then Java's own TLS host name checker
 * matches HOST. Prints "RESULT ID OK" or "RESULT ID FAIL <exception>".
 * Needs --add-exports java.base/sun.security.util=ALL-UNNAMED for the checker.
 */
public class LimboJudge {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split(" ");
            if (f.length < 2) continue;
            System.out.println("RESULT " + f[0] + " " + judge(f[1], f.length > 2 ? f[2] : null));
            System.out.flush();
        }
    }

    static List<X509Certificate> read(CertificateFactory cf, File file) throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        if (file.length() == 0) return out;
        try (FileInputStream in = new FileInputStream(file)) {
            for (Certificate c : cf.generateCertificates(in)) out.add((X509Certificate) c);
        }
        return out;
    }

    static String judge(String dir, String host) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int n = 0;
            for (X509Certificate c : read(cf, new File(dir, "trusted.pem"))) ks.setCertificateEntry("t" + (n++), c);
            List<X509Certificate> chain = read(cf, new File(dir, "leaf.pem"));
            chain.addAll(read(cf, new File(dir, "intermediates.pem")));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
            tm.checkServerTrusted(chain.toArray(new X509Certificate[0]), "ECDHE_RSA");
            if (host != null) {
                sun.security.util.HostnameChecker.getInstance(sun.security.util.HostnameChecker.TYPE_TLS)
                        .match(host, chain.get(0));
            }
            return "OK";
        } catch (Throwable e) {
            return "FAIL " + String.valueOf(e).replace('\n', ' ');
        }
    }
}
