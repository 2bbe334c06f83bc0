import { element, renderXmlDocument, XmlElement } from "./xml";

/** What differs between the four freestyle jobs; everything else is fixed below. */
export interface FreestyleJob {
    description: string;
    /** Label expression of the nodes the job may run on. */
    assignedNode: string;
    /** Besides the build discarder every job has. */
    properties: XmlElement[];
    /** Undefined: no SCM (hudson.scm.NullSCM). */
    scm?: XmlElement;
    triggers: XmlElement[];
    /** Wait while a downstream job of the chain is building or queued. */
    blockWhileDownstreamBuilds: boolean;
    customWorkspace?: string;
    shell: { command: string; unstableReturn?: number };
    /** Post-build steps, in order. */
    publishers?: XmlElement[];
    /** What wraps the build, e.g. a credential bound to a variable. */
    buildWrappers?: XmlElement[];
}

/**
 * Keeps the newest builds and the newest builds' artifacts (the test job archives a report each run), so
 * JENKINS_HOME does not grow without bound. Core's jenkins.model.BuildDiscarderProperty with
 * hudson.tasks.LogRotator; -1 is LogRotator's "no limit" for the day counts.
 */
export const BUILD_RETENTION = { numToKeep: 50, artifactNumToKeep: 10 } as const;

function buildDiscarder(): XmlElement {
    return element("jenkins.model.BuildDiscarderProperty", [
        element(
            "strategy",
            [
                element("daysToKeep", "-1"),
                element("numToKeep", String(BUILD_RETENTION.numToKeep)),
                element("artifactDaysToKeep", "-1"),
                element("artifactNumToKeep", String(BUILD_RETENTION.artifactNumToKeep)),
            ],
            { class: "hudson.tasks.LogRotator" },
        ),
    ]);
}

function shellBuilder(shell: FreestyleJob["shell"]): XmlElement {
    return element("hudson.tasks.Shell", [
        element("command", shell.command),
        ...(shell.unstableReturn === undefined ? [] : [element("unstableReturn", String(shell.unstableReturn))]),
    ]);
}

/** The job's config.xml, in the shape Jenkins writes for a freestyle project. */
export function renderFreestyleJob(job: FreestyleJob): string {
    return renderXmlDocument(
        element("project", [
            element("description", job.description),
            element("keepDependencies", "false"),
            element("properties", [buildDiscarder(), ...job.properties]),
            job.scm ?? element("scm", undefined, { class: "hudson.scm.NullSCM" }),
            element("assignedNode", job.assignedNode),
            element("canRoam", "false"),
            element("disabled", "false"),
            element("blockBuildWhenDownstreamBuilding", String(job.blockWhileDownstreamBuilds)),
            element("blockBuildWhenUpstreamBuilding", "false"),
            element("triggers", job.triggers),
            element("concurrentBuild", "false"),
            ...(job.customWorkspace === undefined ? [] : [element("customWorkspace", job.customWorkspace)]),
            element("builders", [shellBuilder(job.shell)]),
            element("publishers", job.publishers ?? []),
            element("buildWrappers", job.buildWrappers ?? []),
        ]),
    );
}
