// Runs the program once under the executing mocks in a process of its own, as `pulumi up` would:
// a failed deployment ends the process with a non-zero status and the error on stderr.
// Usage: node --import tsx stackProcess.ts '<config JSON>' STACK
import { CommandRun, realModelEffects } from "./realEffects";
import { runStack } from "./stackHarness";

async function main(): Promise<void> {
    const commandRuns: CommandRun[] = [];
    const stack = await runStack(JSON.parse(process.argv[2]), realModelEffects(commandRuns), {
        stack: process.argv[3],
    });
    process.stdout.write(`${JSON.stringify({ outputs: stack.outputs, commandRuns })}\n`);
}

void main();
