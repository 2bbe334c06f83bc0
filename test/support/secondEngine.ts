/**
 * A second Docker engine for the tests that stop an engine or reach one over TLS: a dockerd of the test
 * with its own unix socket, data root, exec root, pid file, configuration and bridge, removed afterwards.
 * Its bridge is made here with `ip link add`: `--bridge none` would delete the host's docker0. The engine
 * changes no iptables rules (--iptables=false --ip-masq=false), so the main engine's networking is left
 * alone; with `outbound`, the test adds (and removes) the three rules that let its containers reach what
 * the main engine's reach (a `docker build`'s apt, as on a real build host).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./ports";

export interface SecondEngine {
    /** unix:///…/docker.sock */
    socketUrl: string;
    /** the socket's path on this machine (what an agent container on that engine mounts) */
    socketPath: string;
    /** tcp://127.0.0.1:PORT when started with tls: true (else undefined) */
    tlsUrl?: string;
    /** PEM contents of the CA, client cert and client key (tls only) */
    clientTls?: { ca: string; cert: string; key: string };
    /** root folder of its data (logs at root/dockerd.log) */
    root: string;
    /** copies images from the main engine into it (docker save | docker load) */
    loadImages(images: string[]): void;
    /** sends it `signal` (SIGTERM by default: drills stop it mid-run); returns once it exited */
    stop(signal?: NodeJS.Signals): Promise<void>;
    /** stops it (SIGKILL if SIGTERM is not enough), unmounts what it left under root, deletes its bridge and root */
    remove(): Promise<void>;
}

export interface SecondEngineOptions {
    /** 1 to 7 lower-case letters or digits; with this process's id, it names the engine's bridge */
    name: string;
    /** the bridge's address, e.g. "10.250.99.1/24": each caller its own, so that parallel test files do not clash */
    subnet: string;
    /** also listen on tcp://127.0.0.1:PORT, answering only clients with a certificate of the engine's own CA */
    tls?: boolean;
    /**
     * its containers reach the networks the host reaches (NAT), and each other on the networks a test
     * creates on it, which take their subnets from `10.251.X.0/24` (X: the third octet of `subnet`)
     */
    outbound?: boolean;
}

const answerSeconds = 60;
const exitSeconds = 60;

/** Starts the engine and returns once it answers (on every address); on failure, removes what it made. */
export async function startSecondEngine(options: SecondEngineOptions): Promise<SecondEngine> {
    const bridge = bridgeName(options.name);
    const root = fs.mkdtempSync(`/tmp/adult-engine-${options.name}-`);
    const socketPath = path.join(root, "docker.sock");
    const socketUrl = `unix://${socketPath}`;
    let daemon: ChildProcess | undefined;

    const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
        if (daemon === undefined || hasExited(daemon)) return;
        daemon.kill(signal);
        if (!(await exited(daemon, exitSeconds)))
            throw new Error(`the second engine did not exit within ${exitSeconds} s of ${signal}: ${logTail(root)}`);
    };
    const pool = addressPool(options.subnet);
    const outboundRules = options.outbound ? natRules(bridge, [options.subnet, pool]) : [];
    const remove = async () => {
        await stop().catch(() => stop("SIGKILL"));
        unmountUnder(root);
        for (const rule of outboundRules)
            spawnSync("iptables", ["-t", rule.table, "-D", ...rule.spec], { stdio: "ignore" });
        spawnSync("ip", ["link", "del", bridge], { stdio: "ignore" });
        fs.rmSync(root, { recursive: true, force: true });
    };

    try {
        createBridge(bridge, options.subnet);
        for (const rule of outboundRules)
            execFileSync("iptables", ["-t", rule.table, "-I", ...rule.spec], { stdio: ["ignore", "ignore", "pipe"] });
        const tls = options.tls ? await tlsListener(root) : undefined;
        daemon = startDaemon(root, bridge, pool, [socketUrl, ...(tls ? [tls.url] : [])], tls?.serverFlags ?? []);
        await waitUntilAnswering(daemon, root, [["--host", socketUrl], ...(tls ? [tls.clientFlags] : [])]);
        return {
            socketUrl,
            socketPath,
            tlsUrl: tls?.url,
            clientTls: tls?.client,
            root,
            loadImages: (images) => loadImages(socketUrl, images),
            stop,
            remove,
        };
    } catch (error) {
        await remove();
        throw error;
    }
}

/** Bridge names have at most 15 characters: the name, a dash and the process id (at most 7 digits). */
function bridgeName(name: string): string {
    if (!/^[a-z][a-z0-9]{0,6}$/.test(name)) {
        throw new Error(
            `second engine name ${JSON.stringify(name)}: expected 1 to 7 lower-case letters or digits, starting with a letter`,
        );
    }
    return `${name}-${process.pid}`;
}

function createBridge(bridge: string, subnet: string): void {
    execFileSync("ip", ["link", "add", bridge, "type", "bridge"], { stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("ip", ["addr", "add", subnet, "dev", bridge], { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Where the networks created on it take their subnets: a range of its own, so that they never collide
 * with the main engine's (both would otherwise start at 172.18.0.0/16).
 */
function addressPool(subnet: string): string {
    const match = /^10\.250\.(\d{1,3})\.1\/24$/.exec(subnet);
    if (match === null) {
        throw new Error(`second engine subnet ${JSON.stringify(subnet)}: expected 10.250.X.1/24`);
    }
    return `10.251.${match[1]}.0/24`;
}

/**
 * What --ip-masq and docker's FORWARD rules would do for its networks: masquerade what leaves them,
 * forward what they send (to each other too: bridged traffic passes the FORWARD chain, whose policy the
 * main engine set to DROP) and the replies.
 */
function natRules(bridge: string, subnets: string[]): Array<{ table: string; spec: string[] }> {
    return subnets.flatMap((subnet) => [
        { table: "nat", spec: ["POSTROUTING", "-s", subnet, "!", "-d", subnet, "!", "-o", bridge, "-j", "MASQUERADE"] },
        { table: "filter", spec: ["FORWARD", "-s", subnet, "-j", "ACCEPT"] },
        {
            table: "filter",
            spec: ["FORWARD", "-d", subnet, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
        },
    ]);
}

interface TlsListener {
    url: string;
    serverFlags: string[];
    clientFlags: string[];
    client: { ca: string; cert: string; key: string };
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate in root/tls, and a free port to listen on. */
async function tlsListener(root: string): Promise<TlsListener> {
    const dir = path.join(root, "tls");
    fs.mkdirSync(dir, { mode: 0o700 });
    const file = (name: string) => path.join(dir, name);
    certificate(dir, "ca", "/CN=adult-mlops second engine CA", [
        "basicConstraints=critical,CA:TRUE",
        "keyUsage=critical,keyCertSign",
    ]);
    certificate(dir, "server", "/CN=127.0.0.1", ["subjectAltName=IP:127.0.0.1", "extendedKeyUsage=serverAuth"]);
    certificate(dir, "client", "/CN=adult-mlops test client", ["extendedKeyUsage=clientAuth"]);
    const url = `tcp://127.0.0.1:${await freePort()}`;
    return {
        url,
        serverFlags: [
            "--tlsverify",
            "--tlscacert",
            file("ca.pem"),
            "--tlscert",
            file("server.pem"),
            "--tlskey",
            file("server-key.pem"),
        ],
        clientFlags: [
            "--host",
            url,
            "--tlsverify",
            "--tlscacert",
            file("ca.pem"),
            "--tlscert",
            file("client.pem"),
            "--tlskey",
            file("client-key.pem"),
        ],
        client: { ca: read(file("ca.pem")), cert: read(file("client.pem")), key: read(file("client-key.pem")) },
    };
}

/**
 * Writes dir/NAME.pem and dir/NAME-key.pem (P-256), signed by dir/ca.pem unless NAME is "ca". The empty
 * configuration keeps the system's default extensions (CA:TRUE on every certificate) out of them.
 */
function certificate(dir: string, name: string, subject: string, extensions: string[]): void {
    const signer = name === "ca" ? [] : ["-CA", path.join(dir, "ca.pem"), "-CAkey", path.join(dir, "ca-key.pem")];
    execFileSync(
        "openssl",
        [
            "req",
            "-config",
            "/dev/null",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-noenc",
            "-days",
            "2",
            "-subj",
            subject,
            "-keyout",
            path.join(dir, `${name}-key.pem`),
            "-out",
            path.join(dir, `${name}.pem`),
            ...signer,
            ...extensions.flatMap((extension) => ["-addext", extension]),
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
}

function startDaemon(root: string, bridge: string, pool: string, hosts: string[], tlsFlags: string[]): ChildProcess {
    // An empty configuration of its own: settings in the host's /etc/docker/daemon.json (hosts, bridge) would clash.
    fs.writeFileSync(path.join(root, "daemon.json"), "{}\n");
    const log = fs.openSync(path.join(root, "dockerd.log"), "w");
    try {
        return spawn(
            "dockerd",
            [
                ...hosts.flatMap((host) => ["--host", host]),
                "--config-file",
                path.join(root, "daemon.json"),
                "--data-root",
                path.join(root, "data"),
                "--exec-root",
                path.join(root, "exec"),
                "--pidfile",
                path.join(root, "docker.pid"),
                "--bridge",
                bridge,
                "--default-address-pool",
                `base=${pool},size=28`,
                "--iptables=false",
                "--ip-masq=false",
                ...tlsFlags,
            ],
            { stdio: ["ignore", log, log] },
        );
    } finally {
        fs.closeSync(log);
    }
}

/** Each probe is the docker CLI's connection flags; all must answer `docker version`. */
async function waitUntilAnswering(daemon: ChildProcess, root: string, probes: string[][]): Promise<void> {
    for (let waited = 0; ; waited += 1) {
        if (hasExited(daemon))
            throw new Error(
                `the second engine exited (${daemon.exitCode ?? daemon.signalCode}) before answering: ${logTail(root)}`,
            );
        const failed = probes
            .map((flags) => spawnSync("docker", [...flags, "version"], { encoding: "utf8", timeout: 10_000 }))
            .find((probe) => probe.status !== 0);
        if (failed === undefined) return;
        if (waited >= answerSeconds)
            throw new Error(
                `the second engine did not answer within ${answerSeconds} s (${failed.stderr.trim()}): ${logTail(root)}`,
            );
        await sleep(1000);
    }
}

function loadImages(socketUrl: string, images: string[]): void {
    execFileSync(
        "bash",
        ["-o", "pipefail", "-c", 'docker save "${@:2}" | docker --host "$1" load', "bash", socketUrl, ...images],
        {
            stdio: ["ignore", "ignore", "pipe"],
            timeout: 600_000,
        },
    );
}

function hasExited(child: ChildProcess): boolean {
    return child.exitCode !== null || child.signalCode !== null;
}

/** True once the child exited, false if `seconds` pass first. */
function exited(child: ChildProcess, seconds: number): Promise<boolean> {
    if (hasExited(child)) return Promise.resolve(true);
    return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), seconds * 1000);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve(true);
        });
    });
}

/** Lazily unmounts what the engine left mounted under root (overlays, network namespaces), deepest first. */
function unmountUnder(root: string): void {
    const mountPoints = read("/proc/mounts")
        .split("\n")
        .map((line) => line.split(" ")[1] ?? "")
        .filter((point) => point.startsWith(`${root}/`));
    for (const point of mountPoints.sort().reverse()) spawnSync("umount", ["-l", point], { stdio: "ignore" });
}

function logTail(root: string): string {
    return read(path.join(root, "dockerd.log")).slice(-2000);
}

function read(file: string): string {
    return fs.readFileSync(file, "utf8");
}
