"""Stands in for `java -jar jenkins.war` in the stand-in image: NOT Jenkins.

Does, in Jenkins' order, the part of a boot this project's tests can check without Jenkins:
1. JCasC's secret resolution over CASC_JENKINS_CONFIG (casc_secrets.py), as the user the
   container runs as; anything that would stop JCasC's configuration stops this process with
   exit status 1 before any port is opened;
2. only then HTTP on --httpPort (default 8080): /login answers 200, / answers 403 as Jenkins does
   to anonymous users without read access, anything else 404;
3. SIGTERM (docker stop) or SIGINT closes the listener and exits at once with 143 or 130, the
   statuses a JVM ends with on those signals.
"""

import http.server
import os
import signal
import socket
import sys
import time

import casc_secrets

VERSION = os.environ.get("JENKINS_VERSION", "unknown")
BANNER = f"jenkins-standin {VERSION}: a stand-in for the Jenkins controller in tests, not Jenkins"


def log(message):
    print(f"jenkins-standin: {message}", flush=True)


def launcher_option(args, name, default):
    """A Winstone option (--httpPort=8080) from the arguments and JENKINS_OPTS, as Jenkins reads it."""
    value = default
    for arg in [*os.environ.get("JENKINS_OPTS", "").split(), *args]:
        if arg.startswith(f"--{name}="):
            value = arg.split("=", 1)[1]
    return value


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "jenkins-standin"
    sys_version = ""

    def answer(self, status, body):
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Jenkins-Standin", VERSION)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/login":
            self.answer(
                200, f"<html><body><p>{BANNER}</p><form method='post' action='j_security_check'></form></body></html>\n"
            )
        elif path == "/":
            self.answer(403, "<html><body>Authentication required</body></html>\n")
        else:
            self.answer(404, "<html><body>Not found</body></html>\n")

    do_HEAD = do_GET

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


class DualStackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def listen(address, port):
    """All interfaces, IPv6 and IPv4 where the container has IPv6 (Jenkins' default), else IPv4."""
    if address in ("", "0.0.0.0", "::") and socket.has_ipv6:
        try:

            class V6(DualStackServer):
                address_family = socket.AF_INET6

                def server_bind(self):
                    self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                    super().server_bind()

            return V6(("::", port), Handler)
        except OSError:
            pass
    return DualStackServer((address or "0.0.0.0", port), Handler)


def main(args):
    log(BANNER)
    log(f"running as {casc_secrets.user_description()}, JENKINS_HOME={os.environ.get('JENKINS_HOME', '')}")
    delay = float(os.environ.get("STANDIN_BOOT_DELAY_SECONDS", "0") or "0")
    if delay > 0:
        # Jenkins loads its plugins before JCasC runs; tests use this to watch the port stay closed meanwhile.
        log(f"waiting {delay:g} s before JCasC (STANDIN_BOOT_DELAY_SECONDS)")
        time.sleep(delay)

    resolver = casc_secrets.Resolver()
    parameter = casc_secrets.config_parameter(resolver.environ, resolver.props)
    if parameter:
        strictness = "strict" if resolver.strict() else "not strict: an unresolved reference becomes an empty string"
        log(f"JCasC: reading {parameter}; secrets from {resolver.secrets_dir} and the environment ({strictness})")
        try:
            failures, count = casc_secrets.check(casc_secrets.config_files(parameter), resolver)
        except casc_secrets.ConfigurationError as error:
            print(f"jcasc: error: {error}", file=sys.stderr, flush=True)
            failures, count = 1, 0
        if failures:
            log(
                f"JCasC configuration failed: {failures} of the references above cannot be resolved; Jenkins would not finish booting. Exit 1."
            )
            return 1
        log(f"JCasC: all {count} references resolved")
    else:
        log("JCasC: no configuration (CASC_JENKINS_CONFIG unset)")

    address = launcher_option(args, "httpListenAddress", "")
    port = int(launcher_option(args, "httpPort", "8080"))
    server = listen(address, port)

    def stop(signum, _frame):
        log(f"{signal.Signals(signum).name} received, stopping")
        server.server_close()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"listening on port {port}; Jenkins (stand-in) is fully up and running")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
