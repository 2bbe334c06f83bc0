/**
 * Ordering of Jenkins plugin versions: an honest subset of Maven's ComparableVersion, which
 * Jenkins' hudson.util.VersionNumber is a copy of.
 *
 * - "." separates items; "-" starts a sub-list holding the rest, so `9.9.1-189.va_9256d3b_844b_`
 *   is [9, 9, 1, [189, "va_9256d3b_844b_"]];
 * - numbers compare as numbers (`1511` > `1491`, `5.10.0` > `5.9.3`) and a missing number counts as
 *   0 (`1.47` equals `1.47.0`);
 * - a number is newer than a sub-list or a `v<commit>` item in the same place, so `9.9.1-189` is
 *   newer than `9.9-185`, and a sub-list is newer than a `v<commit>` item;
 * - `v<hex and _>` is the commit of an incremental ("continuous delivery") release, which in
 *   practice is only reached once the number in front of it (the commit count) has decided. Equal
 *   commits are equal; different commits after equal numbers cannot be ordered honestly and
 *   throw. A `v<commit>` or a sub-list is newer than nothing (Maven: an unknown qualifier sorts
 *   after the release; `1.0-1` is newer than `1.0`).
 *
 * Anything else (`-beta-2`, `-SNAPSHOT`, `rc1`) throws rather than guessing.
 */

type Item = bigint | string | Item[];

function parse(version: string, whole: string): Item[] {
    const dash = version.indexOf("-");
    const head = dash < 0 ? version : version.slice(0, dash);
    const items: Item[] = head.split(".").map((part) => {
        if (/^[0-9]+$/.test(part)) return BigInt(part);
        if (/^v[0-9a-f_]+$/.test(part)) return part;
        throw new Error(
            `cannot compare ${JSON.stringify(whole)}: item ${JSON.stringify(part)} is neither a number nor v<commit>`,
        );
    });
    if (dash >= 0) items.push(parse(version.slice(dash + 1), whole));
    return items;
}

function items(version: string): Item[] {
    if (!/^[0-9][0-9A-Za-z._-]*$/.test(version)) {
        throw new Error(`not a plugin version: ${JSON.stringify(version)}`);
    }
    return parse(version, version);
}

const rank = (item: Item): number => (typeof item === "bigint" ? 2 : Array.isArray(item) ? 1 : 0);

function compareItem(x: Item | undefined, y: Item | undefined, a: string, b: string): number {
    if (x === undefined && y === undefined) return 0;
    if (x === undefined) return -compareItem(y, x, b, a);
    if (y === undefined) {
        if (typeof x === "bigint") return x === 0n ? 0 : 1;
        if (Array.isArray(x)) return compareLists(x, [], a, b);
        return 1;
    }
    if (rank(x) !== rank(y)) return rank(x) > rank(y) ? 1 : -1;
    if (typeof x === "bigint") return x === y ? 0 : x < (y as bigint) ? -1 : 1;
    if (Array.isArray(x)) return compareLists(x, y as Item[], a, b);
    if (x !== y) throw new Error(`cannot order ${a} and ${b}: same commit count, different commits`);
    return 0;
}

function compareLists(x: Item[], y: Item[], a: string, b: string): number {
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const c = compareItem(x[i], y[i], a, b);
        if (c !== 0) return c;
    }
    return 0;
}

/** Negative when a < b, 0 when equal, positive when a > b. Throws when the order is unknowable. */
export function compareVersions(a: string, b: string): number {
    return compareLists(items(a), items(b), a, b);
}

export function versionAtLeast(version: string, minimum: string): boolean {
    return compareVersions(version, minimum) >= 0;
}
