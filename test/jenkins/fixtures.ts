import { ConfigValues, withDefaults } from "../../config/declaredConfig";
import { parseStackSettings } from "../../config/stackSettings";
import { jenkinsSettingsOf, JenkinsSettings } from "../../jenkins/settings";
import { repoRoot } from "../support/paths";

/** Jenkins settings the way the stack makes them: from stack configuration (Pulumi.yaml's defaults under it), checked. */
export function jenkinsSettingsFor(values: Partial<ConfigValues>, stack = "test"): JenkinsSettings {
    return jenkinsSettingsOf(parseStackSettings(withDefaults(repoRoot, values), { projectDir: repoRoot, stack }));
}

/** Local mode with the defaults, as test/jenkins/jjb/local/ spells it out by hand. */
export const localSettings: JenkinsSettings = jenkinsSettingsFor({});

/** GitHub mode with the values test/jenkins/jjb/github/ spells out by hand. */
export const gitHubSettings: JenkinsSettings = jenkinsSettingsFor({
    githubRepository: "acme/adult-mlops",
    githubBranch: "main",
    jenkinsPublicUrl: "https://jenkins.example.org/",
});

/** A pre-signed URL of the archive: its query string is the secret (the signature, shared by every test that looks for it). */
export const SIGNATURE = "X-Amz-Signature=0f1e2d3c4b5a";
export const SIGNED_DATA_URL = `https://bucket.s3.example.com/adult.zip?X-Amz-Expires=600&${SIGNATURE}`;

/** Local mode with a signed data URL, as test/jenkins/jjb/signed-url/ spells it out by hand. */
export const signedUrlSettings: JenkinsSettings = jenkinsSettingsFor({ dataSource: SIGNED_DATA_URL });
