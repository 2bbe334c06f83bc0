import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface ArchiveMirror {
    url: string;
    requests: number;
    close(): Promise<void>;
}

/**
 * Serves a zip of the given data files on 127.0.0.1, laid out like the UCI archive, so a URL data
 * source can be downloaded and verified for real without leaving this machine.
 */
export async function serveArchive(dataDir: string, files: string[]): Promise<ArchiveMirror> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "adult-archive-"));
    const zipPath = path.join(workDir, "adult.zip");
    execFileSync("/usr/bin/python3", ["-m", "zipfile", "-c", zipPath, ...files.map((file) => path.join(dataDir, file))]);
    const zip = fs.readFileSync(zipPath);
    fs.rmSync(workDir, { recursive: true });

    const server = http.createServer((request, response) => {
        mirror.requests += 1;
        if (request.url !== "/adult.zip") {
            response.writeHead(404).end();
            return;
        }
        response.writeHead(200, { "content-type": "application/zip", "content-length": zip.length }).end(zip);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const mirror: ArchiveMirror = {
        url: `http://127.0.0.1:${port}/adult.zip`,
        requests: 0,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
    return mirror;
}
