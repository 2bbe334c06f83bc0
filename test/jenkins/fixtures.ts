import { localDefaults } from "../../jenkins/defaults";
import { JenkinsSettings } from "../../jenkins/settings";

/** Local mode, with the values test/jenkins/jjb/local/ spells out by hand. */
export const localSettings: JenkinsSettings = localDefaults;

/** GitHub mode with the values test/jenkins/jjb/github/ spells out by hand. */
export const gitHubSettings: JenkinsSettings = {
    ...localSettings,
    jenkinsUrl: "https://jenkins.example.org/",
    github: { repository: "acme/adult-mlops", branch: "main", hookSecretConfigured: true },
};
