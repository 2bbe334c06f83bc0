import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Debian's chromium, headless, never reaching the network or updating itself. */
const chromium = "/usr/bin/chromium";
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"];

/** Appended to a copy of the report: once the page has loaded, the body says how many <img> decoded with a non-zero natural size. */
const probe =
    '<script>addEventListener("load",()=>{const i=[...document.images];' +
    'document.body.setAttribute("data-figures",i.filter((x)=>x.complete&&x.naturalWidth>0&&x.naturalHeight>0).length+"/"+i.length)})</script>';

/**
 * Opens the report in headless Chromium as a person would and writes a PNG screenshot of it to `png`.
 * Returns how many of its images decoded and how many it has (from the page itself, after its load event).
 */
export function screenshotReport(report: string, png: string, size = "1000,1500"): { decoded: number; images: number } {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "report-shot-"));
    try {
        const probed = path.join(scratch, "report.html");
        fs.writeFileSync(probed, fs.readFileSync(report, "utf8") + probe);
        const dom = execFileSync(chromium, [...flags, "--virtual-time-budget=10000", "--dump-dom", `file://${probed}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 120_000 });
        execFileSync(chromium, [...flags, `--window-size=${size}`, `--screenshot=${png}`, `file://${report}`], { stdio: "ignore", timeout: 120_000 });
        const [decoded, images] = (/data-figures="(\d+)\/(\d+)"/.exec(dom) ?? ["", "-1", "-1"]).slice(1).map(Number);
        return { decoded, images };
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}
