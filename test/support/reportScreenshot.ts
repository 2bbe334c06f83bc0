import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/** Debian's chromium, headless, never reaching the network or updating itself. */
const chromium = "/usr/bin/chromium";
const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
];

/** A report's files, as adult_pipeline/evaluation/report.py's is_report_file names them: the page, its stylesheet, its figures. */
export const REPORT_FILE = /^(report\.html|report\.css|report-[a-z0-9-]+\.png)$/;

/** Jenkins' default Content-Security-Policy for archived files (hudson.model.DirectoryBrowserSupport.CSP). */
export const JENKINS_ARCHIVE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'self';";

/** Appended to a copy of the report: once the page has loaded, the body says how many <img> decoded with a non-zero natural size. */
const probe =
    '<script>addEventListener("load",()=>{const i=[...document.images];' +
    'document.body.setAttribute("data-figures",i.filter((x)=>x.complete&&x.naturalWidth>0&&x.naturalHeight>0).length+"/"+i.length)})</script>';

function reportFiles(folder: string): string[] {
    return fs.readdirSync(folder).filter((name) => REPORT_FILE.test(name));
}

/**
 * Opens the report (report.html, with its stylesheet and figures beside it) in headless Chromium as a
 * person would and writes a PNG screenshot of it to `png`.
 * Returns how many of its images decoded and how many it has (from the page itself, after its load event).
 */
export function screenshotReport(report: string, png: string, size = "1000,1500"): { decoded: number; images: number } {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "report-shot-"));
    try {
        for (const name of reportFiles(path.dirname(report)))
            fs.copyFileSync(path.join(path.dirname(report), name), path.join(scratch, name));
        const probed = path.join(scratch, "report.html");
        fs.writeFileSync(probed, fs.readFileSync(report, "utf8") + probe);
        const dom = execFileSync(
            chromium,
            [...flags, "--virtual-time-budget=10000", "--dump-dom", `file://${probed}`],
            { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 120_000 },
        );
        execFileSync(chromium, [...flags, `--window-size=${size}`, `--screenshot=${png}`, `file://${report}`], {
            stdio: "ignore",
            timeout: 120_000,
        });
        const [decoded, images] = (/data-figures="(\d+)\/(\d+)"/.exec(dom) ?? ["", "-1", "-1"]).slice(1).map(Number);
        return { decoded, images };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

export interface CspVisit {
    /** Chromium's console messages about the policy: each resource or inline style it blocked. */
    violations: string[];
    /** How many times each path was requested from the server. */
    requests: Record<string, number>;
}

/**
 * Serves `folder`'s report files on 127.0.0.1 with `csp` as Jenkins serves an archived file, and loads
 * report.html in headless Chromium. Under `sandbox` no script runs, so what the page loaded is read from
 * the server's requests and what the policy blocked from Chromium's console log.
 */
export async function visitUnderCsp(folder: string, csp = JENKINS_ARCHIVE_CSP): Promise<CspVisit> {
    const types: Record<string, string> = {
        ".html": "text/html; charset=utf-8",
        ".css": "text/css",
        ".png": "image/png",
    };
    const requests: Record<string, number> = {};
    const server = http.createServer((request, response) => {
        const name = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname).slice(1);
        requests[name] = (requests[name] ?? 0) + 1;
        if (!REPORT_FILE.test(name) || !fs.existsSync(path.join(folder, name))) {
            response.writeHead(404, { "Content-Security-Policy": csp }).end();
            return;
        }
        response.writeHead(200, { "Content-Security-Policy": csp, "Content-Type": types[path.extname(name)] });
        response.end(fs.readFileSync(path.join(folder, name)));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "report-csp-"));
    try {
        const { port } = server.address() as AddressInfo;
        const args = [
            ...flags,
            `--user-data-dir=${profile}`,
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
            `http://127.0.0.1:${port}/report.html`,
        ];
        const stderr = await new Promise<string>((resolve, reject) => {
            const browser = spawn(chromium, args, { stdio: ["ignore", "ignore", "pipe"], timeout: 120_000 });
            let log = "";
            browser.stderr.on("data", (chunk) => (log += chunk));
            browser.on("error", reject);
            browser.on("close", (status) =>
                status === 0 ? resolve(log) : reject(new Error(`chromium exited ${status}: ${log}`)),
            );
        });
        const violations = stderr
            .split("\n")
            .filter((line) => line.includes(":CONSOLE") && /Content Security Policy/.test(line));
        return { violations, requests };
    } finally {
        server.close();
        fs.rmSync(profile, { recursive: true, force: true });
    }
}
