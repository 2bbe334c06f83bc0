import { XMLParser } from "fast-xml-parser";

/** What matters in a freestyle job's config.xml, in a form two renderers can be compared on. */
export interface JobSummary {
    assignedNode: string;
    blockBuildWhenDownstreamBuilding: boolean;
    customWorkspace: string | undefined;
    gitHubProjectUrl: string | undefined;
    /** LogRotator's limits, as text: daysToKeep, numToKeep, artifactDaysToKeep, artifactNumToKeep. */
    buildDiscarder: Record<string, string> | undefined;
    scm: { class: string; remotes: { url: string; credentialsId: string }[]; branches: string[] };
    gitHubPushTrigger: boolean;
    upstream: { projects: string[]; threshold: string } | undefined;
    shellSteps: { command: string; unstableReturn: number }[];
    archive: { artifacts: string; allowEmptyArchive: boolean; onlyIfSuccessful: boolean } | undefined;
    descriptionSetter: { regexp: string; regexpForFailed: string | undefined } | undefined;
    /** The build wrappers' classes, in order. */
    buildWrappers: string[];
    /** credentials-binding's SecretBuildWrapper: each binding's class, variable and credential. */
    credentialBindings: { binding: string; variable: string; credentialsId: string }[];
}

type Node = Record<string, any>;

const parser = new XMLParser({
    ignoreAttributes: false,
    ignoreDeclaration: true,
    parseTagValue: false,
    // Keeps shell commands byte for byte.
    trimValues: false,
    isArray: (name) =>
        ["hudson.tasks.Shell", "hudson.plugins.git.UserRemoteConfig", "hudson.plugins.git.BranchSpec"].includes(name),
});

function child(node: unknown, name: string): any {
    return typeof node === "object" && node !== null ? (node as Node)[name] : undefined;
}

function textOf(node: unknown): string | undefined {
    return typeof node === "string" ? node : undefined;
}

function logRotatorOf(properties: unknown): Record<string, string> | undefined {
    const strategy = child(child(properties, "jenkins.model.BuildDiscarderProperty"), "strategy");
    if (strategy === undefined) {
        return undefined;
    }
    const fields = ["daysToKeep", "numToKeep", "artifactDaysToKeep", "artifactNumToKeep"];
    return {
        class: strategy["@_class"],
        ...Object.fromEntries(fields.map((field) => [field, String(strategy[field])])),
    };
}

const SECRET_BUILD_WRAPPER = "org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper";

function credentialBindingsOf(wrappers: unknown): JobSummary["credentialBindings"] {
    const bindings = child(child(wrappers, SECRET_BUILD_WRAPPER), "bindings");
    if (typeof bindings !== "object" || bindings === null) {
        return [];
    }
    return Object.entries(bindings as Node)
        .filter(([binding]) => binding !== "#text")
        .flatMap(([binding, entries]) =>
            (Array.isArray(entries) ? entries : [entries]).map((entry: Node) => ({
                binding,
                variable: entry.variable,
                credentialsId: entry.credentialsId,
            })),
        );
}

export function summariseJob(configXml: string): JobSummary {
    const project = parser.parse(configXml).project as Node;
    const scm = project.scm as Node;
    const triggers = project.triggers;
    const reverse = child(triggers, "jenkins.triggers.ReverseBuildTrigger");
    const shells: Node[] = child(project.builders, "hudson.tasks.Shell") ?? [];
    const archive = child(project.publishers, "hudson.tasks.ArtifactArchiver");
    const describer = child(project.publishers, "hudson.plugins.descriptionsetter.DescriptionSetterPublisher");
    return {
        assignedNode: project.assignedNode,
        blockBuildWhenDownstreamBuilding: project.blockBuildWhenDownstreamBuilding === "true",
        customWorkspace: textOf(project.customWorkspace),
        buildDiscarder: logRotatorOf(project.properties),
        gitHubProjectUrl: textOf(
            child(child(project.properties, "com.coravy.hudson.plugins.github.GithubProjectProperty"), "projectUrl"),
        ),
        scm: {
            class: scm["@_class"],
            remotes: (child(child(scm, "userRemoteConfigs"), "hudson.plugins.git.UserRemoteConfig") ?? []).map(
                (remote: Node) => ({
                    url: remote.url,
                    credentialsId: remote.credentialsId,
                }),
            ),
            branches: (child(child(scm, "branches"), "hudson.plugins.git.BranchSpec") ?? []).map(
                (branch: Node) => branch.name,
            ),
        },
        gitHubPushTrigger: child(triggers, "com.cloudbees.jenkins.GitHubPushTrigger") !== undefined,
        upstream:
            reverse === undefined
                ? undefined
                : {
                      projects: String(reverse.upstreamProjects)
                          .split(",")
                          .map((name) => name.trim()),
                      threshold: reverse.threshold.name,
                  },
        shellSteps: shells.map((shell) => ({
            command: shell.command,
            unstableReturn: Number(shell.unstableReturn ?? 0),
        })),
        archive:
            archive === undefined
                ? undefined
                : {
                      artifacts: archive.artifacts,
                      allowEmptyArchive: archive.allowEmptyArchive === "true",
                      onlyIfSuccessful: archive.onlyIfSuccessful === "true",
                  },
        descriptionSetter:
            describer === undefined
                ? undefined
                : { regexp: describer.regexp, regexpForFailed: textOf(describer.regexpForFailed) },
        buildWrappers:
            typeof project.buildWrappers === "object" && project.buildWrappers !== null
                ? Object.keys(project.buildWrappers).filter((key) => !key.startsWith("@_") && key !== "#text")
                : [],
        credentialBindings: credentialBindingsOf(project.buildWrappers),
    };
}
