import * as path from "node:path";
import { renderCasc } from "./casc";
import { renderJobs } from "./jobs";
import { CASC_PATH, JENKINS_REF_DIR, JenkinsFile, JenkinsSettings, RenderedJenkins } from "./settings";

/**
 * Where a job's config.xml goes in the controller: the official image copies ref/ into
 * JENKINS_HOME at every start, and the `.override` suffix lets this copy replace edits made in the UI.
 */
function jobRefPath(jobName: string): string {
    return path.posix.join(JENKINS_REF_DIR, "jobs", jobName, "config.xml.override");
}

/** JCasC and the four jobs from the stack's checked settings. */
export function renderJenkins(settings: JenkinsSettings): RenderedJenkins {
    const cascYaml = renderCasc(settings);
    const jobs = renderJobs(settings);
    const controllerFiles: JenkinsFile[] = [
        { path: CASC_PATH, content: cascYaml },
        ...Object.entries(jobs).map(([name, content]) => ({ path: jobRefPath(name), content })),
    ];
    return { cascYaml, jobs, controllerFiles };
}
