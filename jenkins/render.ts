import * as path from "node:path";
import { signedDataUrl } from "../contracts/dataPreparation";
import { renderCasc } from "./casc";
import { renderJobs } from "./jobs";
import { CASC_PATH, JENKINS_REF_DIR, JenkinsFile, JenkinsSettings, RenderedJenkins, SECRET_NAMES } from "./settings";

/**
 * Where a job's config.xml goes in the controller: the official image copies ref/ into
 * JENKINS_HOME at every start, and the `.override` suffix lets this copy replace edits made in the UI.
 */
function jobRefPath(jobName: string): string {
    return path.posix.join(JENKINS_REF_DIR, "jobs", jobName, "config.xml.override");
}

/** JCasC and the four jobs from the stack's checked settings, and the secret files they refer to beyond the stack's own. */
export function renderJenkins(settings: JenkinsSettings): RenderedJenkins {
    const cascYaml = renderCasc(settings);
    const jobs = renderJobs(settings);
    const controllerFiles: JenkinsFile[] = [
        { path: CASC_PATH, content: cascYaml },
        ...Object.entries(jobs).map(([name, content]) => ({ path: jobRefPath(name), content })),
    ];
    const dataUrl = signedDataUrl(settings.pipeline.dataSource);
    const secretFiles: Record<string, string> = dataUrl === undefined ? {} : { [SECRET_NAMES.dataUrl]: dataUrl };
    return { cascYaml, jobs, controllerFiles, secretFiles };
}
