import { sharedDataDir } from "../../support/paths";

/** Local mode: no repository, data read from the shared directory beside the clone. */
export const localConfig = { dataSource: sharedDataDir };

export const configuredAdminPassword = "correct-horse-battery-staple";
export const configuredGitHubToken = "ghp_not-a-real-token";

/** GitHub mode, with both secrets a user sets (admin password and token) given as secret configuration. */
export const gitHubConfig = {
    ...localConfig,
    githubRepository: "octocat/adult-mlops",
    jenkinsPublicUrl: "https://jenkins.example.com",
    jenkinsAdminPassword: configuredAdminPassword,
    "github:token": configuredGitHubToken,
};
export const gitHubSecretKeys = ["jenkinsAdminPassword", "github:token"];
