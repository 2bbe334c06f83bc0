const nanosecondsPerUnit: Record<string, number> = {
    ns: 1,
    us: 1e3,
    µs: 1e3,
    μs: 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
};

/** Go's time.ParseDuration for non-negative values: "3m", "1h30m", "1.5s"; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
    if (text === "0") {
        return 0;
    }
    const token = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
    let total = 0;
    let at = 0;
    while (at < text.length) {
        token.lastIndex = at;
        const match = token.exec(text);
        if (match === null) {
            return undefined;
        }
        total += Number(match[1]) * nanosecondsPerUnit[match[2]];
        at = token.lastIndex;
    }
    return text === "" ? undefined : Math.round(total);
}

/** A whole number of units plus a fraction with its trailing zeros dropped, as Go prints it. */
function withFraction(nanoseconds: number, unit: number): string {
    const whole = Math.floor(nanoseconds / unit);
    const fraction = nanoseconds - whole * unit;
    if (fraction === 0) {
        return String(whole);
    }
    const digits = String(fraction)
        .padStart(String(unit).length - 1, "0")
        .replace(/0+$/, "");
    return `${whole}.${digits}`;
}

/** Go's time.Duration.String() for a non-negative duration: "3m0s", "1h0m0s", "1.5s", "500ms", "0s". */
export function formatGoDuration(nanoseconds: number): string {
    if (nanoseconds === 0) {
        return "0s";
    }
    if (nanoseconds < 1e3) {
        return `${nanoseconds}ns`;
    }
    if (nanoseconds < 1e6) {
        return `${withFraction(nanoseconds, 1e3)}µs`;
    }
    if (nanoseconds < 1e9) {
        return `${withFraction(nanoseconds, 1e6)}ms`;
    }
    const hours = Math.floor(nanoseconds / 3600e9);
    const minutes = Math.floor((nanoseconds % 3600e9) / 60e9);
    const seconds = withFraction(nanoseconds % 60e9, 1e9);
    if (hours > 0) {
        return `${hours}h${minutes}m${seconds}s`;
    }
    return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}
