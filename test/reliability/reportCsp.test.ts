/**
 * The report as Jenkins shows an archived one: served with Jenkins' default Content-Security-Policy
 * (`sandbox; default-src 'none'; img-src 'self'; style-src 'self';`) and opened in headless Chromium,
 * every figure and the stylesheet load from files beside the page and nothing is blocked; the
 * self-contained form it replaced (data: URIs, an inline <style>) is blocked under the same policy.
 * No Docker engine: the host's Python (python3-matplotlib) writes the report.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { repoRoot } from "../support/paths";
import { REPORT_FILE, visitUnderCsp } from "../support/reportScreenshot";

/** A report with every figure, a champion and a category value that is mathtext to matplotlib. */
const writeReport = `
import os, sys
import numpy as np
from adult_pipeline.evaluation import fairness, report
from adult_pipeline.evaluation.scores import Scored
rng = np.random.default_rng(0)
labels = rng.integers(0, 2, 400)
scored = Scored(labels, np.clip(labels * 0.6 + rng.random(400) * 0.5, 0, 1))
groups = fairness.fairness_figures(scored.labels, scored.predictions, {
    "sex": rng.choice(["Male", "Female"], 400), "race": rng.choice(["White", "Black", r"$\\frac{$"], 400)})
content = report.ReportInput("adult-mlops model v2 (hgb)", "verdict: promoted", {"version": 2, "rows": {"raw": 400, "test": 400}},
                             scored, scored, "champion v1", None, groups)
figures = report.draw_figures(scored, scored, "champion v1", groups)
for name, data in report.render(content, figures).items():
    with open(os.path.join(sys.argv[1], name), "wb") as handle:
        handle.write(data)
`;

describe("the report under Jenkins' default Content-Security-Policy for archived files", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "report-csp-test-"));
    const folder = path.join(scratch, "report");
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));
    before(() => {
        fs.mkdirSync(folder);
        execFileSync("/usr/bin/python3", ["-c", writeReport, folder], {
            env: { ...process.env, PYTHONPATH: path.join(repoRoot, "ml") },
            stdio: ["ignore", "ignore", "inherit"],
        });
    });

    test("loads the stylesheet and every figure from the server and nothing is blocked", async () => {
        const files = fs.readdirSync(folder);
        const figures = files.filter((name) => name.endsWith(".png"));
        assert.equal(figures.length, 5, files.join(" "));
        assert.ok(
            files.every((name) => REPORT_FILE.test(name)),
            files.join(" "),
        );
        const visit = await visitUnderCsp(folder);
        assert.deepEqual(visit.violations, []);
        for (const name of ["report.html", "report.css", ...figures])
            assert.equal(visit.requests[name], 1, `${name} requested once: ${JSON.stringify(visit.requests)}`);
    });

    test("blocks the same report made self-contained (data: URIs and an inline stylesheet), as it was", async () => {
        const inline = path.join(scratch, "inline");
        fs.mkdirSync(inline);
        const page = fs
            .readFileSync(path.join(folder, "report.html"), "utf8")
            .replace(
                '<link rel="stylesheet" href="report.css">',
                `<style>${fs.readFileSync(path.join(folder, "report.css"), "utf8")}</style>`,
            )
            .replace(
                /<img src="(report-[a-z0-9-]+\.png)"/g,
                (_, name: string) =>
                    `<img src="data:image/png;base64,${fs.readFileSync(path.join(folder, name)).toString("base64")}"`,
            );
        fs.writeFileSync(path.join(inline, "report.html"), page);
        const visit = await visitUnderCsp(inline);
        assert.equal(
            visit.violations.filter((line) => /Loading the image 'data:image\/png/.test(line)).length,
            5,
            visit.violations.join("\n"),
        );
        assert.ok(
            visit.violations.some((line) => /Applying inline style/.test(line)),
            visit.violations.join("\n"),
        );
        assert.deepEqual(
            Object.keys(visit.requests).filter((name) => REPORT_FILE.test(name)),
            ["report.html"],
        );
    });
});
